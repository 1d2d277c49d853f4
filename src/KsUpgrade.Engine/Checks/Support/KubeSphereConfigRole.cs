using YamlDotNet.RepresentationModel;

namespace KsUpgrade.Engine.Checks;

/// <summary>Reads `multicluster.clusterRole` from ConfigMap kubesphere-config's `kubesphere.yaml` (v4 role source).</summary>
public static class KubeSphereConfigRole
{
    public static KsClusterRole Read(IReadOnlyDictionary<string, string>? configMapData)
    {
        if (configMapData is null || !configMapData.TryGetValue("kubesphere.yaml", out var yaml) || string.IsNullOrWhiteSpace(yaml))
            return KsClusterRole.Unknown;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
                return KsClusterRole.Unknown;
            if (root.Children.TryGetValue(new YamlScalarNode("multicluster"), out var mc) && mc is YamlMappingNode mcMap
                && mcMap.Children.TryGetValue(new YamlScalarNode("clusterRole"), out var r) && r is YamlScalarNode s)
                return ClusterConfigurationInfo.ParseRole(s.Value);
        }
        catch (YamlDotNet.Core.YamlException)
        {
        }
        return KsClusterRole.Unknown;
    }
}
