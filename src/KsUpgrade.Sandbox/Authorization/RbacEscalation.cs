using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Authorization;

/// <summary>
/// Kubernetes' RBAC escalation prevention, applied when a Role, ClusterRole, RoleBinding or ClusterRoleBinding is
/// written (after the request itself was authorized):
/// <list type="bullet">
/// <item>a role may only grant rules its author already holds (in the role's namespace), unless the author may
/// <c>escalate</c> that role; an update that leaves the rules as they were is always allowed;</item>
/// <item>a binding may only refer to a role whose rules its author holds (in the binding's namespace), unless the
/// author may <c>bind</c> that role; an update that keeps the roleRef is always allowed.</item>
/// </list>
/// system:masters is exempt, as on a real API server. Rule coverage follows Kubernetes: every verb × group × resource
/// (× name) of the new rules must be matched by a held rule, where "*" is only covered by "*".
/// </summary>
public static class RbacEscalation
{
    private const string Group = "rbac.authorization.k8s.io";

    /// <summary>Throws the API server's 403 when <paramref name="user"/> may not write <paramref name="obj"/>; <paramref name="existing"/> is the stored object of an update.</summary>
    public static void Check(SimulatedCluster cluster, SandboxIdentity user, ResourceType t, string? ns, JsonObject obj, JsonObject? existing)
    {
        if (user.IsAdmin || t.Group != Group) return;
        var name = ObjectMeta.Str(obj, "metadata", "name") ?? "";
        var scope = ns ?? "";
        switch (t.Plural)
        {
            case "roles" or "clusterroles":
                if (obj["aggregationRule"] is JsonObject) return; // the aggregation controller fills its rules, not the author
                if (existing is not null && JsonNode.DeepEquals(existing["rules"], obj["rules"])) return;
                if (May(cluster, user, "escalate", t.Plural, scope, name)) return;
                ConfirmHeld(cluster, user, t, scope, name, Rules(obj));
                return;
            case "rolebindings" or "clusterrolebindings":
                if (existing is not null && JsonNode.DeepEquals(existing["roleRef"], obj["roleRef"])) return;
                var roleKind = ObjectMeta.Str(obj, "roleRef", "kind") ?? "";
                var roleName = ObjectMeta.Str(obj, "roleRef", "name") ?? "";
                var rolePlural = roleKind == "ClusterRole" ? "clusterroles" : "roles";
                if (May(cluster, user, "bind", rolePlural, scope, roleName)) return;
                var policy = RbacPolicy.Of(cluster);
                var binding = new Binding(t.Kind, scope, name, roleKind, roleName, Array.Empty<Subject>());
                var granted = policy.RulesOf(binding, out var error)
                    ?? throw Forbidden(t, name, $"{Describe(user)} is attempting to grant RBAC permissions not currently held: {error}");
                ConfirmHeld(cluster, user, t, scope, name, granted);
                return;
        }
    }

    private static bool May(SimulatedCluster cluster, SandboxIdentity user, string verb, string plural, string ns, string name) =>
        RbacAuthorizer.Authorize(cluster, RequestAttributes.ForResource(user, verb, Group, "v1", plural, null, ns, name)).Allowed;

    private static void ConfirmHeld(SimulatedCluster cluster, SandboxIdentity user, ResourceType t, string ns, string name, IReadOnlyList<PolicyRule> wanted)
    {
        var (held, _, errors) = RbacAuthorizer.RulesFor(cluster, user, ns);
        var uncovered = wanted.SelectMany(Breakdown).Where(w => !held.Any(h => Covers(h, w))).ToList();
        if (uncovered.Count == 0) return;
        var message = $"{Describe(user)} is attempting to grant RBAC permissions not currently held:\n{string.Join("\n", uncovered.Select(Compact))}";
        if (errors.Length > 0) message += $"; resolution errors: [{errors}]";
        throw Forbidden(t, name, message);
    }

    /// <summary>One rule per verb × group × resource (× name), and per verb × non-resource URL; "*" stays literal.</summary>
    private static IEnumerable<PolicyRule> Breakdown(PolicyRule r)
    {
        foreach (var verb in r.Verbs)
        {
            foreach (var group in r.ApiGroups)
                foreach (var resource in r.Resources)
                {
                    if (r.ResourceNames.Count == 0) yield return Simple(verb, group, resource, null);
                    else foreach (var n in r.ResourceNames) yield return Simple(verb, group, resource, n);
                }
            foreach (var url in r.NonResourceUrls)
                yield return PolicyRule.NonResource(new[] { verb }, new[] { url });
        }
    }

    private static PolicyRule Simple(string verb, string group, string resource, string? name) =>
        new(new[] { verb }, new[] { group }, new[] { resource }, name is null ? Array.Empty<string>() : new[] { name }, Array.Empty<string>());

    /// <summary>Does held rule <paramref name="h"/> grant everything simple rule <paramref name="w"/> does?</summary>
    private static bool Covers(PolicyRule h, PolicyRule w)
    {
        if (!h.Verbs.Contains("*") && !h.Verbs.Contains(w.Verbs[0])) return false;
        if (w.NonResourceUrls.Count > 0)
        {
            var url = w.NonResourceUrls[0];
            return h.NonResourceUrls.Any(u => u == "*" || u == url || (u.EndsWith('*') && url.StartsWith(u[..^1], StringComparison.Ordinal)));
        }
        if (!h.ApiGroups.Contains("*") && !h.ApiGroups.Contains(w.ApiGroups[0])) return false;
        var resource = w.Resources[0];
        var resourceCovered = h.Resources.Contains("*") || h.Resources.Contains(resource)
            || (resource.IndexOf('/') is var slash and > 0 && h.Resources.Contains("*/" + resource[(slash + 1)..]));
        if (!resourceCovered) return false;
        return h.ResourceNames.Count == 0 || (w.ResourceNames.Count == 1 && h.ResourceNames.Contains(w.ResourceNames[0]));
    }

    /// <summary>As Kubernetes prints a rule in this error: {APIGroups:[""], Resources:["pods"], Verbs:["get"]}.</summary>
    private static string Compact(PolicyRule r)
    {
        static string List(IEnumerable<string> v) => "[" + string.Join(" ", v.Select(s => "\"" + s + "\"")) + "]";
        var parts = new List<string>();
        if (r.ApiGroups.Count > 0) parts.Add("APIGroups:" + List(r.ApiGroups));
        if (r.Resources.Count > 0) parts.Add("Resources:" + List(r.Resources));
        if (r.ResourceNames.Count > 0) parts.Add("ResourceNames:" + List(r.ResourceNames));
        if (r.NonResourceUrls.Count > 0) parts.Add("NonResourceURLs:" + List(r.NonResourceUrls));
        parts.Add("Verbs:" + List(r.Verbs));
        return "{" + string.Join(", ", parts) + "}";
    }

    private static string Describe(SandboxIdentity user) =>
        $"user \"{user.User}\" (groups=[{string.Join(" ", user.Groups.Select(g => "\"" + g + "\""))}])";

    private static IReadOnlyList<PolicyRule> Rules(JsonObject role) =>
        (role["rules"] as JsonArray ?? new JsonArray()).Select(PolicyRule.FromJson).ToList();

    private static ApiException Forbidden(ResourceType t, string name, string message) =>
        new(403, "Forbidden", $"{t.GroupResource} \"{name}\" is forbidden: {message}",
            new JsonObject { ["name"] = name, ["group"] = Group, ["kind"] = t.Plural });
}
