using YamlDotNet.RepresentationModel;

namespace KsUpgrade.Engine.Checks;

/// <summary>
/// The jwtSecret of ConfigMap kubesphere-config's `kubesphere.yaml`: `authentication.jwtSecret` (3.4) or
/// `authentication.issuer.jwtSecret` (4.x). Only ever compared, never shown.
/// </summary>
public static class KubeSphereConfigJwt
{
    public static string? Read(IReadOnlyDictionary<string, string>? configMapData)
    {
        if (configMapData is null || !configMapData.TryGetValue("kubesphere.yaml", out var yaml) || string.IsNullOrWhiteSpace(yaml))
            return null;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
                || !root.Children.TryGetValue(new YamlScalarNode("authentication"), out var auth) || auth is not YamlMappingNode authMap)
                return null;
            if (Scalar(authMap, "jwtSecret") is { Length: > 0 } direct)
                return direct;
            return authMap.Children.TryGetValue(new YamlScalarNode("issuer"), out var issuer) && issuer is YamlMappingNode issuerMap
                ? Scalar(issuerMap, "jwtSecret") is { Length: > 0 } s ? s : null
                : null;
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return null;
        }
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var n) && n is YamlScalarNode s ? s.Value : null;
}
