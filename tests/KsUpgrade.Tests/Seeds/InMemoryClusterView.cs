using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Tests.Seeds;

/// <summary>A tiny in-memory ISandboxClusterView over a seed's objects, for behaviour tests without the server.</summary>
internal sealed class InMemoryClusterView : ISandboxClusterView
{
    private readonly Dictionary<(string ApiVersion, string Resource, string Ns, string Name), JsonObject> _objects = new();

    public InMemoryClusterView(string name, IEnumerable<JsonObject> objects)
    {
        ClusterName = name;
        foreach (var o in objects) Upsert((JsonObject)o.DeepClone());
    }

    public static InMemoryClusterView From(SeedCluster seed) => new(seed.Name, seed.Objects);

    private readonly Dictionary<(string Group, string Kind), string> _crdPlurals = new();

    public string ClusterName { get; }
    public int Writes { get; private set; }

    public string Plural(string apiVersion, string kind)
    {
        var group = apiVersion.Contains('/') ? apiVersion[..apiVersion.IndexOf('/')] : "";
        if (_crdPlurals.TryGetValue((group, kind), out var plural)) return plural;
        var lower = kind.ToLowerInvariant();
        if (lower == "endpoints") return lower;
        if (lower.EndsWith("s") || lower.EndsWith("x")) return lower + "es";
        if (lower.EndsWith("y")) return lower[..^1] + "ies";
        return lower + "s";
    }

    public JsonObject? Get(string apiVersion, string resource, string? ns, string name) =>
        _objects.TryGetValue((apiVersion, resource, ns ?? "", name), out var o) ? (JsonObject)o.DeepClone() : null;

    public IReadOnlyList<JsonObject> List(string apiVersion, string resource, string? ns = null) =>
        _objects.Where(kv => kv.Key.ApiVersion == apiVersion && kv.Key.Resource == resource && (ns is null || kv.Key.Ns == ns))
            .Select(kv => (JsonObject)kv.Value.DeepClone()).ToList();

    public JsonObject Upsert(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        if (copy.Kind() == "CustomResourceDefinition")
            _crdPlurals[(copy.Str("spec", "group")!, copy.Str("spec", "names", "kind")!)] = copy.Str("spec", "names", "plural")!;
        var key = (copy.ApiVersion(), Plural(copy.ApiVersion(), copy.Kind()), copy.Namespace() ?? "", copy.Name());
        _objects[key] = copy;
        Writes++;
        return (JsonObject)copy.DeepClone();
    }

    public bool Delete(string apiVersion, string resource, string? ns, string name)
    {
        Writes++;
        return _objects.Remove((apiVersion, resource, ns ?? "", name));
    }

    /// <summary>Adds every object of a multi-document YAML (e.g. helm template output).</summary>
    public void Apply(IEnumerable<System.Text.Json.Nodes.JsonNode> docs, string defaultNs = "kubesphere-system")
    {
        foreach (var d in docs.OfType<JsonObject>())
        {
            var copy = (JsonObject)d.DeepClone();
            if (copy.Namespace() is null && copy.Kind() is not ("Namespace" or "CustomResourceDefinition" or "ClusterRole" or "ClusterRoleBinding"))
                copy.Child("metadata")["namespace"] = defaultNs;
            Upsert(copy);
        }
    }
}
