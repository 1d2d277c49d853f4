using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Authorization;

/// <summary>One rule of a Role or ClusterRole, with the Kubernetes RBAC matching semantics.</summary>
public sealed record PolicyRule(
    IReadOnlyList<string> Verbs,
    IReadOnlyList<string> ApiGroups,
    IReadOnlyList<string> Resources,
    IReadOnlyList<string> ResourceNames,
    IReadOnlyList<string> NonResourceUrls)
{
    private const string All = "*";

    public static PolicyRule FromJson(JsonNode? rule) => new(
        Strings(rule?["verbs"]), Strings(rule?["apiGroups"]), Strings(rule?["resources"]),
        Strings(rule?["resourceNames"]), Strings(rule?["nonResourceURLs"]));

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["verbs"] = Array(Verbs) };
        if (ApiGroups.Count > 0) o["apiGroups"] = Array(ApiGroups);
        if (Resources.Count > 0) o["resources"] = Array(Resources);
        if (ResourceNames.Count > 0) o["resourceNames"] = Array(ResourceNames);
        if (NonResourceUrls.Count > 0) o["nonResourceURLs"] = Array(NonResourceUrls);
        return o;
    }

    public bool Allows(RequestAttributes a) => a.IsResourceRequest
        ? VerbMatches(a.Verb) && ApiGroupMatches(a.ApiGroup) && ResourceMatches(a.ResourceWithSubresource, a.Subresource) && ResourceNameMatches(a.Name)
        : VerbMatches(a.Verb) && NonResourceUrlMatches(a.Path);

    private bool VerbMatches(string verb) => Verbs.Any(v => v == All || v == verb);

    private bool ApiGroupMatches(string group) => ApiGroups.Any(g => g == All || g == group);

    /// <summary>"*", the exact "resource[/subresource]", or "*/subresource".</summary>
    private bool ResourceMatches(string combined, string subresource)
    {
        foreach (var r in Resources)
        {
            if (r == All || r == combined) return true;
            if (subresource.Length > 0 && r.Length == subresource.Length + 2 && r.StartsWith("*/", StringComparison.Ordinal)
                && r.EndsWith(subresource, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    /// <summary>No resourceNames: any name; otherwise only a request for one of those names (never a plain list or create).</summary>
    private bool ResourceNameMatches(string name) => ResourceNames.Count == 0 || (name.Length > 0 && ResourceNames.Contains(name));

    /// <summary>"*", the exact path, or a prefix ending in "*" ("/apis/*").</summary>
    private bool NonResourceUrlMatches(string path)
    {
        foreach (var u in NonResourceUrls)
        {
            if (u == All || u == path) return true;
            if (u.EndsWith('*') && path.StartsWith(u[..^1], StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private static IReadOnlyList<string> Strings(JsonNode? node) => node is JsonArray a
        ? a.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).Where(s => s is not null).Select(s => s!).ToList()
        : System.Array.Empty<string>();

    private static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());

    public static PolicyRule Resource(string[] verbs, string[] groups, string[] resources) =>
        new(verbs, groups, resources, System.Array.Empty<string>(), System.Array.Empty<string>());

    public static PolicyRule NonResource(string[] verbs, string[] urls) =>
        new(verbs, System.Array.Empty<string>(), System.Array.Empty<string>(), System.Array.Empty<string>(), urls);
}

/// <summary>A subject of a binding: User, Group or ServiceAccount.</summary>
public sealed record Subject(string Kind, string Name, string? Namespace)
{
    public static Subject FromJson(JsonNode? s) => new(Str(s?["kind"]) ?? "", Str(s?["name"]) ?? "", Str(s?["namespace"]));

    public bool Matches(SandboxIdentity who) => Kind switch
    {
        "User" => Name == who.User,
        "Group" => who.Groups.Contains(Name, StringComparer.Ordinal),
        "ServiceAccount" => !string.IsNullOrEmpty(Namespace)
                            && who.User == SandboxIdentity.ServiceAccountUserPrefix + Namespace + ":" + Name,
        _ => false,
    };

    /// <summary>As the RBAC authorizer names subjects in its reasons: User "x", Group "y", ServiceAccount "ns/name".</summary>
    public string Describe() => Kind == "ServiceAccount" ? $"ServiceAccount \"{Namespace}/{Name}\"" : $"{Kind} \"{Name}\"";

    internal static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

/// <summary>A ClusterRoleBinding (Namespace empty) or RoleBinding.</summary>
public sealed record Binding(string Kind, string Namespace, string Name, string RoleKind, string RoleName, IReadOnlyList<Subject> Subjects)
{
    public static Binding FromJson(string kind, JsonObject o) => new(
        kind,
        Subject.Str(o["metadata"]?["namespace"]) ?? "",
        Subject.Str(o["metadata"]?["name"]) ?? "",
        Subject.Str(o["roleRef"]?["kind"]) ?? "",
        Subject.Str(o["roleRef"]?["name"]) ?? "",
        (o["subjects"] as JsonArray ?? new JsonArray()).Select(Subject.FromJson).ToList());

    /// <summary>RoleBinding "ns/name" or ClusterRoleBinding "name", as in RBAC reasons.</summary>
    public string Describe() => Namespace.Length == 0 ? $"{Kind} \"{Name}\"" : $"{Kind} \"{Name}/{Namespace}\"";
}
