namespace KsUpgrade.Sandbox.Authorization;

/// <summary>
/// What a request asks to do, as the Kubernetes authorizers see it: a resource request (verb, API group, resource,
/// subresource, namespace, name) or a non-resource request (verb, path).
/// </summary>
public sealed record RequestAttributes
{
    public required SandboxIdentity User { get; init; }
    /// <summary>get, list, watch, create, update, patch, delete, deletecollection; for paths the lowercase HTTP method.</summary>
    public required string Verb { get; init; }
    public bool IsResourceRequest { get; init; }
    /// <summary>The path of a non-resource request (after the /clusters/&lt;name&gt; prefix), e.g. /version.</summary>
    public string Path { get; init; } = "";
    public string ApiGroup { get; init; } = "";
    public string ApiVersion { get; init; } = "";
    public string Resource { get; init; } = "";
    public string Subresource { get; init; } = "";
    /// <summary>Empty for cluster-scoped requests (and for requests across all namespaces).</summary>
    public string Namespace { get; init; } = "";
    /// <summary>The object's name; for list/watch, the name a metadata.name field selector asks for.</summary>
    public string Name { get; init; } = "";

    /// <summary>"pods" or "pods/log".</summary>
    public string ResourceWithSubresource => Subresource.Length == 0 ? Resource : Resource + "/" + Subresource;

    public static RequestAttributes ForResource(SandboxIdentity user, string verb, string group, string version, string resource,
        string? subresource, string? ns, string? name) => new()
    {
        User = user, Verb = verb, IsResourceRequest = true, ApiGroup = group, ApiVersion = version, Resource = resource,
        Subresource = subresource ?? "",
        // A namespace is its own namespace (GET /api/v1/namespaces/x is in namespace x), as in the API server's request info.
        Namespace = ns ?? (resource == "namespaces" && group.Length == 0 && name is not null ? name : ""),
        Name = name ?? "",
    };

    public static RequestAttributes ForPath(SandboxIdentity user, string verb, string path) => new()
    {
        User = user, Verb = verb, IsResourceRequest = false, Path = path,
    };
}

/// <summary>An authorizer's answer; Reason names the binding that allowed, or why nothing did (may be empty).</summary>
public sealed record AuthorizationDecision(bool Allowed, string Reason);
