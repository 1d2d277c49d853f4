using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Api;

/// <summary>
/// Aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) for /api and /apis, answered when the client
/// asks for it in Accept: one request then describes every group, version and resource (as current servers do).
/// </summary>
public static class AggregatedDiscovery
{
    public const string ContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    /// <summary>True when one of the accepted media types is exactly the v2 aggregated form.</summary>
    public static bool Requested(string accept) =>
        accept.Split(',').Any(entry =>
        {
            var parts = entry.Split(';').Select(p => p.Trim()).ToList();
            return parts[0] == "application/json" && parts.Contains("g=apidiscovery.k8s.io") && parts.Contains("v=v2")
                && parts.Contains("as=APIGroupDiscoveryList");
        });

    /// <summary>The document for /api (core: true) or /apis (core: false).</summary>
    public static JsonObject Build(SimulatedCluster c, bool core)
    {
        var items = new JsonArray();
        foreach (var (group, versions) in c.Registry.Groups())
        {
            if ((group.Length == 0) != core) continue;
            var versionArray = new JsonArray();
            foreach (var (version, resources) in versions)
                versionArray.Add(new JsonObject
                {
                    ["version"] = version,
                    ["resources"] = new JsonArray(resources.Select(r => (JsonNode)Resource(r)).ToArray()),
                    ["freshness"] = "Current",
                });
            items.Add(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = group, ["creationTimestamp"] = null },
                ["versions"] = versionArray,
            });
        }
        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());

    private static JsonObject Resource(ResourceType t)
    {
        var r = new JsonObject
        {
            ["resource"] = t.Plural,
            ["responseKind"] = new JsonObject { ["group"] = t.Group, ["version"] = t.Version, ["kind"] = t.Kind },
            ["scope"] = t.Namespaced ? "Namespaced" : "Cluster",
            ["singularResource"] = t.Singular,
            ["verbs"] = Strings(t.Verbs),
        };
        if (t.ShortNames.Count > 0) r["shortNames"] = Strings(t.ShortNames);
        if (t.Categories.Count > 0) r["categories"] = Strings(t.Categories);
        var subs = new JsonArray();
        if (t.HasStatus) subs.Add(Sub("status", t.Group, t.Version, t.Kind, "get", "patch", "update"));
        if (t.HasScale) subs.Add(Sub("scale", "autoscaling", "v1", "Scale", "get", "patch", "update"));
        if (t.HasToken) subs.Add(Sub("token", "authentication.k8s.io", "v1", "TokenRequest", "create"));
        if (t.HasLog)
        {
            subs.Add(Sub("log", "", "v1", "Pod", "get"));
            subs.Add(Sub("eviction", "policy", "v1", "Eviction", "create"));
        }
        if (subs.Count > 0) r["subresources"] = subs;
        return r;
    }

    private static JsonObject Sub(string name, string group, string version, string kind, params string[] verbs) => new()
    {
        ["subresource"] = name,
        ["responseKind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = kind },
        ["verbs"] = Strings(verbs),
    };
}
