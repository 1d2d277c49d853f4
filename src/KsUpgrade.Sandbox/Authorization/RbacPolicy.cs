using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api.Selectors;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Authorization;

/// <summary>
/// A cluster's RBAC objects compiled for evaluation: ClusterRoles (aggregated ones resolved), Roles, ClusterRoleBindings
/// and RoleBindings, merged with the <see cref="BootstrapPolicy"/>. Compiled once per store resource version.
/// </summary>
public sealed class RbacPolicy
{
    private const string Group = "rbac.authorization.k8s.io";
    private static readonly ConditionalWeakTable<SimulatedCluster, RbacPolicy> Cache = new();

    public long ResourceVersion { get; }
    public IReadOnlyDictionary<string, IReadOnlyList<PolicyRule>> ClusterRoles { get; }
    public IReadOnlyDictionary<(string Namespace, string Name), IReadOnlyList<PolicyRule>> Roles { get; }
    public IReadOnlyList<Binding> ClusterRoleBindings { get; }
    public IReadOnlyDictionary<string, IReadOnlyList<Binding>> RoleBindingsByNamespace { get; }

    private RbacPolicy(long rv, IReadOnlyDictionary<string, IReadOnlyList<PolicyRule>> clusterRoles,
        IReadOnlyDictionary<(string, string), IReadOnlyList<PolicyRule>> roles, IReadOnlyList<Binding> crbs,
        IReadOnlyDictionary<string, IReadOnlyList<Binding>> rbs)
    {
        ResourceVersion = rv; ClusterRoles = clusterRoles; Roles = roles; ClusterRoleBindings = crbs; RoleBindingsByNamespace = rbs;
    }

    /// <summary>The cluster's current policy (recompiled when anything in the store changed since the last one).</summary>
    public static RbacPolicy Of(SimulatedCluster cluster)
    {
        lock (cluster.Store.Gate)
        {
            var rv = cluster.Store.CurrentResourceVersion;
            if (Cache.TryGetValue(cluster, out var cached) && cached.ResourceVersion == rv) return cached;
            var compiled = Compile(cluster.Store, rv);
            Cache.AddOrUpdate(cluster, compiled);
            return compiled;
        }
    }

    private static RbacPolicy Compile(ObjectStore store, long rv)
    {
        var storedClusterRoles = store.List("clusterroles." + Group, null).Select(e => e.Obj).ToList();
        var clusterRoles = new Dictionary<string, IReadOnlyList<PolicyRule>>(BootstrapPolicy.ClusterRoles, StringComparer.Ordinal);
        foreach (var cr in storedClusterRoles)
            clusterRoles[ObjectMeta.Name(cr)] = RulesOf(cr);
        // aggregationRule: the rules of every ClusterRole whose labels match one of the selectors (one level, as the
        // controller resolves it into the stored rules).
        foreach (var cr in storedClusterRoles)
        {
            if (cr["aggregationRule"]?["clusterRoleSelectors"] is not JsonArray selectors) continue;
            var parsed = selectors.Select(s => LabelSelector.FromJson(s as JsonObject)).ToList();
            var rules = new List<PolicyRule>(RulesOf(cr));
            foreach (var other in storedClusterRoles)
            {
                if (ReferenceEquals(other, cr) || other["aggregationRule"] is JsonObject) continue;
                var labels = other["metadata"]?["labels"] as JsonObject;
                if (labels is null || !parsed.Any(p => p.Requirements.Count > 0 && p.Matches(labels))) continue;
                rules.AddRange(RulesOf(other));
            }
            clusterRoles[ObjectMeta.Name(cr)] = rules;
        }

        var roles = new Dictionary<(string, string), IReadOnlyList<PolicyRule>>();
        foreach (var (_, r) in store.List("roles." + Group, null))
            roles[(ObjectMeta.Namespace(r), ObjectMeta.Name(r))] = RulesOf(r);

        var stored = store.List("clusterrolebindings." + Group, null).Select(e => Binding.FromJson("ClusterRoleBinding", e.Obj)).ToList();
        var names = stored.Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        var crbs = BootstrapPolicy.ClusterRoleBindings.Where(b => !names.Contains(b.Name)).Concat(stored).ToList();

        var rbs = store.List("rolebindings." + Group, null)
            .Select(e => Binding.FromJson("RoleBinding", e.Obj))
            .GroupBy(b => b.Namespace, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<Binding>)g.ToList(), StringComparer.Ordinal);
        return new RbacPolicy(rv, clusterRoles, roles, crbs, rbs);
    }

    private static IReadOnlyList<PolicyRule> RulesOf(JsonObject role) =>
        (role["rules"] as JsonArray ?? new JsonArray()).Select(PolicyRule.FromJson).ToList();

    /// <summary>The rules a binding grants; null (with the RBAC error text) when its role does not exist.</summary>
    public IReadOnlyList<PolicyRule>? RulesOf(Binding b, out string? error)
    {
        error = null;
        if (b.RoleKind == "ClusterRole")
        {
            if (ClusterRoles.TryGetValue(b.RoleName, out var rules)) return rules;
            error = $"clusterrole.rbac.authorization.k8s.io \"{b.RoleName}\" not found";
            return null;
        }
        if (b.RoleKind == "Role" && b.Namespace.Length > 0)
        {
            if (Roles.TryGetValue((b.Namespace, b.RoleName), out var rules)) return rules;
            error = $"role.rbac.authorization.k8s.io \"{b.RoleName}\" not found";
            return null;
        }
        error = $"unsupported roleRef kind \"{b.RoleKind}\"";
        return null;
    }

    /// <summary>The bindings that can grant a request in <paramref name="ns"/>: every ClusterRoleBinding, then the namespace's RoleBindings.</summary>
    public IEnumerable<Binding> BindingsFor(string ns)
    {
        foreach (var b in ClusterRoleBindings) yield return b;
        if (ns.Length > 0 && RoleBindingsByNamespace.TryGetValue(ns, out var rbs))
            foreach (var b in rbs) yield return b;
    }
}
