using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;

namespace KsUpgrade.Sandbox.Authorization;

/// <summary>The API server's 403 for a denied request: a Status with reason Forbidden and its exact message wording.</summary>
public static class Forbidden
{
    /// <summary>e.g. secrets is forbidden: User "x" cannot list resource "secrets" in API group "" at the cluster scope</summary>
    public static string Message(RequestAttributes a, string reason)
    {
        var user = a.User.User;
        string what;
        if (!a.IsResourceRequest)
            what = $"User \"{user}\" cannot {a.Verb} path \"{a.Path}\"";
        else if (a.Namespace.Length > 0)
            what = $"User \"{user}\" cannot {a.Verb} resource \"{a.ResourceWithSubresource}\" in API group \"{a.ApiGroup}\" in the namespace \"{a.Namespace}\"";
        else
            what = $"User \"{user}\" cannot {a.Verb} resource \"{a.ResourceWithSubresource}\" in API group \"{a.ApiGroup}\" at the cluster scope";
        if (reason.Length > 0) what += ": " + reason;
        if (!a.IsResourceRequest) return "forbidden: " + what;
        var qualified = a.ApiGroup.Length == 0 ? a.Resource : a.Resource + "." + a.ApiGroup;
        return a.Name.Length == 0 ? $"{qualified} is forbidden: {what}" : $"{qualified} \"{a.Name}\" is forbidden: {what}";
    }

    public static ApiException Exception(RequestAttributes a, string reason)
    {
        var details = new JsonObject();
        if (a.IsResourceRequest)
        {
            if (a.Name.Length > 0) details["name"] = a.Name;
            if (a.ApiGroup.Length > 0) details["group"] = a.ApiGroup;
            details["kind"] = a.Resource;
        }
        return new ApiException(403, "Forbidden", Message(a, reason), details);
    }
}
