using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Authorization;

/// <summary>
/// Kubernetes RBAC on a simulated cluster: system:masters may do everything; anyone else is allowed what a
/// ClusterRoleBinding (anywhere) or a RoleBinding (in the request's namespace) of a matching subject grants.
/// Nothing is denied explicitly; what no rule allows is forbidden.
/// </summary>
public static class RbacAuthorizer
{
    public static AuthorizationDecision Authorize(SimulatedCluster cluster, RequestAttributes a) => Authorize(RbacPolicy.Of(cluster), a);

    public static AuthorizationDecision Authorize(RbacPolicy policy, RequestAttributes a)
    {
        if (a.User.IsAdmin) return new AuthorizationDecision(true, $"allowed as a member of group \"{SandboxIdentity.MastersGroup}\"");
        var errors = new List<string>();
        // Non-resource paths are granted by ClusterRoleBindings only (the namespace is empty).
        foreach (var binding in policy.BindingsFor(a.IsResourceRequest ? a.Namespace : ""))
        {
            var subject = binding.Subjects.FirstOrDefault(s => s.Matches(a.User));
            if (subject is null) continue;
            var rules = policy.RulesOf(binding, out var error);
            if (rules is null)
            {
                if (error is not null && !errors.Contains(error)) errors.Add(error);
                continue;
            }
            if (rules.Any(r => r.Allows(a)))
                return new AuthorizationDecision(true,
                    $"RBAC: allowed by {binding.Describe()} of {binding.RoleKind} \"{binding.RoleName}\" to {subject.Describe()}");
        }
        return new AuthorizationDecision(false, errors.Count == 0 ? "" : "RBAC: [" + string.Join(", ", errors) + "]");
    }

    /// <summary>
    /// The rules that apply to a user in a namespace (SelfSubjectRulesReview): every rule of every matching
    /// ClusterRoleBinding plus, when <paramref name="ns"/> is given, its RoleBindings'. Incomplete when a role is missing.
    /// </summary>
    public static (IReadOnlyList<PolicyRule> Rules, bool Incomplete, string Error) RulesFor(SimulatedCluster cluster, SandboxIdentity user, string ns)
    {
        if (user.IsAdmin) return (BootstrapPolicy.ClusterRoles["cluster-admin"], false, "");
        var policy = RbacPolicy.Of(cluster);
        var rules = new List<PolicyRule>();
        var errors = new List<string>();
        foreach (var binding in policy.BindingsFor(ns))
        {
            if (!binding.Subjects.Any(s => s.Matches(user))) continue;
            var granted = policy.RulesOf(binding, out var error);
            if (granted is null) { if (error is not null) errors.Add(error); continue; }
            rules.AddRange(granted);
        }
        return (rules, errors.Count > 0, string.Join(", ", errors));
    }
}
