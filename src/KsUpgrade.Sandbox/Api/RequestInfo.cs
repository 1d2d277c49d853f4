namespace KsUpgrade.Sandbox.Api;

/// <summary>A parsed Kubernetes API path: group, version, namespace, resource, name, subresource, and the verb.</summary>
public sealed record RequestInfo
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    public string? Namespace { get; init; }
    public required string Resource { get; init; }
    public string? Name { get; init; }
    public string? Subresource { get; init; }
    public bool WatchPath { get; init; }
    /// <summary>get, list, watch, create, update, patch, delete, deletecollection.</summary>
    public string Verb { get; set; } = "";

    /// <summary>Parses "/api/v1/..." or "/apis/g/v/..." (after the cluster prefix). Null when it is not a resource path.</summary>
    public static RequestInfo? Parse(string path, ResourceRegistry registry)
    {
        var segs = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group, version;
        int i;
        if (segs.Length >= 3 && segs[0] == "api") { group = ""; version = segs[1]; i = 2; }
        else if (segs.Length >= 4 && segs[0] == "apis") { group = segs[1]; version = segs[2]; i = 3; }
        else return null;
        bool watch = false;
        if (segs[i] == "watch") { watch = true; i++; }
        var rest = segs.Skip(i).Select(Uri.UnescapeDataString).ToArray();
        if (rest.Length == 0) return null;
        string? ns = null;
        if (rest[0] == "namespaces" && rest.Length >= 3 && !(rest.Length == 3 && rest[2] is "status" or "finalize"))
        {
            ns = rest[1];
            rest = rest[2..];
        }
        if (rest.Length == 0 || rest.Length > 3) return null;
        return new RequestInfo
        {
            Group = group, Version = version, Namespace = ns, Resource = rest[0],
            Name = rest.Length > 1 ? rest[1] : null, Subresource = rest.Length > 2 ? rest[2] : null, WatchPath = watch,
        };
    }
}
