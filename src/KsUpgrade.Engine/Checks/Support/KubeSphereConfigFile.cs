using YamlDotNet.RepresentationModel;

namespace KsUpgrade.Engine.Checks;

/// <summary>
/// The one reader of ConfigMap kubesphere-system/kubesphere-config's <c>kubesphere.yaml</c>: the cluster role
/// (<c>multicluster.clusterRole</c>, the v4 role source) and the jwtSecret (<c>authentication.jwtSecret</c> on 3.4,
/// <c>authentication.issuer.jwtSecret</c> on 4.x; only ever compared, never shown). A missing or malformed file reads as
/// Unknown / null.
/// </summary>
public static class KubeSphereConfigFile
{
    public const string Key = "kubesphere.yaml";

    public static KsClusterRole Role(IReadOnlyDictionary<string, string>? configMapData) =>
        Root(configMapData) is { } root && Map(root, "multicluster") is { } mc && Scalar(mc, "clusterRole") is { } role
            ? ClusterConfigurationInfo.ParseRole(role)
            : KsClusterRole.Unknown;

    public static string? JwtSecret(IReadOnlyDictionary<string, string>? configMapData)
    {
        if (Root(configMapData) is not { } root || Map(root, "authentication") is not { } auth) return null;
        if (Scalar(auth, "jwtSecret") is { Length: > 0 } direct) return direct;
        return Map(auth, "issuer") is { } issuer && Scalar(issuer, "jwtSecret") is { Length: > 0 } s ? s : null;
    }

    private static YamlMappingNode? Root(IReadOnlyDictionary<string, string>? configMapData)
    {
        if (configMapData is null || !configMapData.TryGetValue(Key, out var yaml) || string.IsNullOrWhiteSpace(yaml)) return null;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            return stream.Documents.Count > 0 ? stream.Documents[0].RootNode as YamlMappingNode : null;
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return null;
        }
    }

    private static YamlMappingNode? Map(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var n) ? n as YamlMappingNode : null;

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var n) && n is YamlScalarNode s ? s.Value : null;
}
