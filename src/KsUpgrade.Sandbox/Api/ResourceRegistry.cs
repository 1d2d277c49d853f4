using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Api;

/// <summary>The resource types one simulated cluster serves: the built-ins plus whatever its CRDs declare.</summary>
public sealed class ResourceRegistry
{
    private readonly object _gate = new();
    private readonly Dictionary<string, List<ResourceType>> _byCrd = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<ResourceType> _builtins;
    private IReadOnlyList<ResourceType> _all;

    /// <summary>A registry serving the built-ins of Kubernetes 1.<paramref name="kubernetesMinor"/>.</summary>
    public ResourceRegistry(int kubernetesMinor = 26)
    {
        _builtins = BuiltinResources.For(kubernetesMinor);
        _all = _builtins;
    }

    public IReadOnlyList<ResourceType> All => _all;

    public ResourceType? Find(string group, string version, string plural)
    {
        foreach (var t in _all)
            if (t.Plural == plural && t.Version == version && t.Group == group) return t;
        return null;
    }

    public ResourceType? FindByKind(string apiVersion, string kind)
    {
        foreach (var t in _all)
            if (t.Kind == kind && t.ApiVersion == apiVersion) return t;
        return null;
    }

    /// <summary>Any served version of a group/resource (for storage keyed by group resource).</summary>
    public ResourceType? FindGroupResource(string group, string plural)
    {
        foreach (var t in _all)
            if (t.Plural == plural && t.Group == group) return t;
        return null;
    }

    /// <summary>Groups in discovery order, each with its versions (preferred first) and their resources.</summary>
    public IReadOnlyList<(string Group, IReadOnlyList<(string Version, IReadOnlyList<ResourceType> Resources)> Versions)> Groups()
    {
        var result = new List<(string, IReadOnlyList<(string, IReadOnlyList<ResourceType>)>)>();
        foreach (var g in _all.GroupBy(t => t.Group))
        {
            var versions = g.GroupBy(t => t.Version)
                .OrderByDescending(v => VersionPriority(v.Key))
                .Select(v => (v.Key, (IReadOnlyList<ResourceType>)v.ToList()))
                .ToList();
            result.Add((g.Key, versions));
        }
        return result;
    }

    /// <summary>Kube-aware version ordering: GA above beta above alpha, higher numbers first.</summary>
    public static int VersionPriority(string v)
    {
        var m = System.Text.RegularExpressions.Regex.Match(v, @"^v(\d+)(?:(alpha|beta)(\d+))?$");
        if (!m.Success) return 0;
        int major = int.Parse(m.Groups[1].Value);
        int stage = m.Groups[2].Value switch { "alpha" => 1, "beta" => 2, _ => 3 };
        int minor = m.Groups[3].Success ? int.Parse(m.Groups[3].Value) : 0;
        return stage * 1_000_000 + major * 1000 + minor;
    }

    /// <summary>Serves (or re-serves) the types a CRD declares. Returns the new types.</summary>
    public IReadOnlyList<ResourceType> ApplyCrd(JsonObject crd)
    {
        var types = TypesOfCrd(crd);
        var name = crd["metadata"]?["name"]?.GetValue<string>() ?? "";
        lock (_gate)
        {
            _byCrd[name] = types;
            Rebuild();
        }
        return types;
    }

    public void RemoveCrd(string name)
    {
        lock (_gate)
        {
            if (_byCrd.Remove(name)) Rebuild();
        }
    }

    private void Rebuild()
    {
        var list = new List<ResourceType>(_builtins);
        foreach (var t in _byCrd.Values.SelectMany(x => x))
            if (list.All(b => !(b.Group == t.Group && b.Version == t.Version && b.Plural == t.Plural)))
                list.Add(t);
        _all = list;
    }

    public static List<ResourceType> TypesOfCrd(JsonObject crd)
    {
        var spec = crd["spec"] as JsonObject ?? new JsonObject();
        var names = spec["names"] as JsonObject ?? new JsonObject();
        string group = spec["group"]?.GetValue<string>() ?? "";
        string plural = names["plural"]?.GetValue<string>() ?? "";
        string kind = names["kind"]?.GetValue<string>() ?? "";
        string singular = names["singular"]?.GetValue<string>() ?? kind.ToLowerInvariant();
        var shortNames = (names["shortNames"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToArray() ?? Array.Empty<string>();
        var categories = (names["categories"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToArray() ?? Array.Empty<string>();
        bool namespaced = (spec["scope"]?.GetValue<string>() ?? "Namespaced") == "Namespaced";
        var result = new List<ResourceType>();
        if (group.Length == 0 || plural.Length == 0 || kind.Length == 0) return result;
        foreach (var vn in spec["versions"] as JsonArray ?? new JsonArray())
        {
            if (vn is not JsonObject v) continue;
            if (v["served"]?.GetValue<bool>() == false) continue;
            var sub = v["subresources"] as JsonObject;
            var columns = new List<PrinterColumn>();
            foreach (var c in v["additionalPrinterColumns"] as JsonArray ?? new JsonArray())
            {
                if (c is not JsonObject co) continue;
                columns.Add(new PrinterColumn(co["name"]?.GetValue<string>() ?? "", co["type"]?.GetValue<string>() ?? "string",
                    co["jsonPath"]?.GetValue<string>() ?? "", co["priority"]?.GetValue<int>() ?? 0));
            }
            result.Add(new ResourceType
            {
                Group = group, Version = v["name"]?.GetValue<string>() ?? "v1", Plural = plural, Singular = singular,
                Kind = kind, Namespaced = namespaced, ShortNames = shortNames, Categories = categories,
                HasStatus = sub?["status"] is not null, HasScale = sub?["scale"] is not null,
                PrinterColumns = columns, FromCrd = true,
                Schema = (v["schema"]?["openAPIV3Schema"] ?? spec["validation"]?["openAPIV3Schema"])?.DeepClone() as JsonObject,
            });
        }
        return result;
    }
}
