using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Api;

/// <summary>
/// Discovery documents (/version, /api, /api/v1, /apis, /apis/&lt;group&gt;, /apis/&lt;group&gt;/&lt;version&gt;) and the
/// OpenAPI v3 index and per-group-version documents. The OpenAPI documents are deliberately small: each resource's PATCH
/// operation carries its group-version-kind and a fieldValidation parameter, which is what kubectl and helm look for to
/// leave validation to the server (the sandbox accepts any fields). No schemas are served; kubectl then builds strategic
/// merge patches from its compiled-in types. /openapi/v2 is served by <see cref="OpenApiV2Document"/>.
/// </summary>
public static class DiscoveryDocuments
{
    public static JsonObject Version(SimulatedCluster c)
    {
        var v = c.Seed.KubernetesVersion;
        var m = System.Text.RegularExpressions.Regex.Match(v, @"^v?(\d+)\.(\d+)");
        return new JsonObject
        {
            ["major"] = m.Success ? m.Groups[1].Value : "1",
            ["minor"] = m.Success ? m.Groups[2].Value : "26",
            ["gitVersion"] = v,
            ["gitCommit"] = "0000000000000000000000000000000000000000",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2024-01-01T00:00:00Z",
            ["goVersion"] = "go1.21.0",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject GroupList(SimulatedCluster c) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(c.Registry.Groups().Where(g => g.Group.Length > 0).Select(g => (JsonNode)Group(g.Group, g.Versions.Select(v => v.Version).ToList())).ToArray()),
    };

    public static JsonObject? GroupOf(SimulatedCluster c, string group)
    {
        var g = c.Registry.Groups().FirstOrDefault(x => x.Group == group);
        if (g.Group is null) return null;
        var doc = Group(g.Group, g.Versions.Select(v => v.Version).ToList());
        doc["kind"] = "APIGroup";
        doc["apiVersion"] = "v1";
        return doc;
    }

    private static JsonObject Group(string name, List<string> versions) => new()
    {
        ["name"] = name,
        ["versions"] = new JsonArray(versions.Select(v => (JsonNode)new JsonObject { ["groupVersion"] = $"{name}/{v}", ["version"] = v }).ToArray()),
        ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{name}/{versions[0]}", ["version"] = versions[0] },
    };

    public static JsonObject? ResourceList(SimulatedCluster c, string group, string version)
    {
        var types = c.Registry.All.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0) return null;
        var resources = new JsonArray();
        foreach (var t in types)
        {
            var r = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray(t.Verbs.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
            };
            if (t.ShortNames.Count > 0) r["shortNames"] = new JsonArray(t.ShortNames.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray());
            if (t.Categories.Count > 0) r["categories"] = new JsonArray(t.Categories.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray());
            r["storageVersionHash"] = ObjectMeta.Hash(JsonValue.Create(t.GroupResource + t.Version));
            resources.Add(r);
            if (t.HasStatus)
                resources.Add(Sub(t, "status", t.Kind, null, null, "get", "patch", "update"));
            if (t.HasScale)
                resources.Add(Sub(t, "scale", "Scale", "autoscaling", "v1", "get", "patch", "update"));
            if (t.HasToken)
                resources.Add(Sub(t, "token", "TokenRequest", "authentication.k8s.io", "v1", "create"));
            if (t.HasLog)
            {
                resources.Add(Sub(t, "log", "Pod", null, null, "get"));
                resources.Add(Sub(t, "eviction", "Eviction", "policy", "v1", "create"));
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = t0(types).ApiVersion,
            ["resources"] = resources,
        };
        static ResourceType t0(List<ResourceType> l) => l[0];
    }

    private static JsonObject Sub(ResourceType t, string sub, string kind, string? group, string? version, params string[] verbs)
    {
        var r = new JsonObject
        {
            ["name"] = $"{t.Plural}/{sub}",
            ["singularName"] = "",
            ["namespaced"] = t.Namespaced,
            ["kind"] = kind,
            ["verbs"] = new JsonArray(verbs.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
        };
        if (group is not null) { r["group"] = group; r["version"] = version; }
        return r;
    }

    /// <summary>GET /openapi/v3: one entry per served group version, with URLs under this cluster's prefix.</summary>
    public static JsonObject OpenApiV3Index(SimulatedCluster c, string prefix)
    {
        var paths = new JsonObject();
        foreach (var gv in c.Registry.All.Select(t => (t.Group, t.Version)).Distinct())
        {
            var key = gv.Group.Length == 0 ? $"api/{gv.Version}" : $"apis/{gv.Group}/{gv.Version}";
            var hash = OpenApiSchemas.GroupVersionHash(c.Registry, gv.Group, gv.Version, () => OpenApiV3Paths(c, gv.Group, gv.Version));
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"{prefix}/openapi/v3/{key}?hash={hash}" };
        }
        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>
    /// GET /openapi/v3/&lt;gv&gt;: PATCH operations with the resource's GVK and the fieldValidation parameter, and the
    /// kinds' schemas (<see cref="OpenApiSchemas"/>). The same (cached) object on every call: callers must not change it.
    /// </summary>
    public static JsonObject? OpenApiV3GroupVersion(SimulatedCluster c, string group, string version) =>
        OpenApiSchemas.GroupVersionDocument(c.Registry, group, version, () => OpenApiV3Paths(c, group, version));

    private static JsonObject? OpenApiV3Paths(SimulatedCluster c, string group, string version)
    {
        var types = c.Registry.All.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0) return null;
        var paths = new JsonObject();
        foreach (var t in types)
        {
            var basePath = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            var p = t.Namespaced ? $"{basePath}/namespaces/{{namespace}}/{t.Plural}/{{name}}" : $"{basePath}/{t.Plural}/{{name}}";
            var gvk = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = t.Kind };
            JsonObject Op(string id, string action) => new()
            {
                ["operationId"] = id + t.Kind,
                ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                ["x-kubernetes-action"] = action,
                ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
            };
            var parameters = new JsonArray(
                QueryParam("dryRun"), QueryParam("fieldManager"), QueryParam("fieldValidation"), QueryParam("force"),
                new JsonObject { ["name"] = "name", ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
            if (t.Namespaced)
                parameters.Add(new JsonObject { ["name"] = "namespace", ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
            var patchOp = Op("patch", "patch");
            patchOp["parameters"] = parameters.DeepClone();
            paths[p] = new JsonObject
            {
                ["get"] = Op("read", "get"),
                ["put"] = Op("replace", "put"),
                ["patch"] = patchOp,
                ["delete"] = Op("delete", "delete"),
                ["parameters"] = parameters,
            };
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1" },
            ["paths"] = paths,
        };
    }

    private static JsonObject QueryParam(string name) => new()
    {
        ["name"] = name, ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };
}
