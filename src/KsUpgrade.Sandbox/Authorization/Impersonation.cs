using Microsoft.AspNetCore.Http;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Authorization;

/// <summary>
/// Impersonate-User / Impersonate-Group headers (kubectl --as / --as-group): the caller must be allowed the verb
/// "impersonate" on users, groups or the ServiceAccount; the request then runs as that identity. A ServiceAccount user
/// gets its service-account groups when no group is given; every impersonated identity is in system:authenticated.
/// </summary>
public static class Impersonation
{
    public const string UserHeader = "Impersonate-User";
    public const string GroupHeader = "Impersonate-Group";

    /// <summary>The identity the request runs as: the caller, or the one it impersonates (checked with the cluster's RBAC).</summary>
    public static SandboxIdentity Resolve(HttpContext ctx, SimulatedCluster cluster, SandboxIdentity caller)
    {
        var user = ctx.Request.Headers[UserHeader].ToString();
        var groups = ctx.Request.Headers[GroupHeader].Where(g => !string.IsNullOrEmpty(g)).Select(g => g!).ToList();
        if (string.IsNullOrEmpty(user))
        {
            if (groups.Count > 0)
                throw Api.ApiException.BadRequest("requested impersonation of groups without impersonating a user");
            return caller;
        }
        var target = new SandboxIdentity { Name = caller.Name, User = user, Groups = Array.Empty<string>() };
        var sa = target.ServiceAccount;
        Check(cluster, sa is { } s
            ? RequestAttributes.ForResource(caller, "impersonate", "", "v1", "serviceaccounts", null, s.Namespace, s.Name)
            : RequestAttributes.ForResource(caller, "impersonate", "", "v1", "users", null, null, user));
        foreach (var g in groups)
            Check(cluster, RequestAttributes.ForResource(caller, "impersonate", "", "v1", "groups", null, null, g));
        if (groups.Count == 0 && sa is { } account)
            groups.AddRange(new[] { SandboxIdentity.ServiceAccountsGroup, SandboxIdentity.ServiceAccountsGroup + ":" + account.Namespace });
        if (!groups.Contains(SandboxIdentity.AuthenticatedGroup)) groups.Add(SandboxIdentity.AuthenticatedGroup);
        return target with { Groups = groups };
    }

    private static void Check(SimulatedCluster cluster, RequestAttributes a)
    {
        var decision = RbacAuthorizer.Authorize(cluster, a);
        if (!decision.Allowed) throw Forbidden.Exception(a, decision.Reason);
    }
}
