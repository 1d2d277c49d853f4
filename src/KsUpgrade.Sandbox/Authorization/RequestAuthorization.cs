using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Api.Selectors;
using Microsoft.AspNetCore.Http;

namespace KsUpgrade.Sandbox.Authorization;

/// <summary>Turns a sandbox request into the attributes the authorizer judges.</summary>
public static class RequestAuthorization
{
    /// <param name="info">The parsed resource path, or null for a non-resource path (discovery, /version, /openapi).</param>
    /// <param name="path">The path after the /clusters/&lt;name&gt; prefix.</param>
    /// <param name="verb">The request's Kubernetes verb (get, list, watch, create, …).</param>
    public static RequestAttributes AttributesOf(HttpContext ctx, SandboxIdentity user, RequestInfo? info, string path, string verb)
    {
        if (info is null)
            return RequestAttributes.ForPath(user, ctx.Request.Method.ToLowerInvariant(), path.Length == 0 ? "/" : path);
        var name = info.Name;
        // A list or watch for one name (fieldSelector=metadata.name=x) is authorized for that name, as kubectl get x -w is.
        if (name is null && verb is "list" or "watch")
        {
            try { name = FieldSelector.Parse(HttpIo.Query(ctx, "fieldSelector")).ExactName; }
            catch (ApiException) { name = null; }
        }
        return RequestAttributes.ForResource(user, verb, info.Group, info.Version, info.Resource, info.Subresource, info.Namespace, name);
    }
}
