using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Sandbox.KubeSphere;

/// <summary>
/// KubeSphere 4's InstallPlan controller (ks-controller-manager), reduced to what a cluster shows of it: an enabled
/// InstallPlan (kubesphere.io/v1alpha1) gets <c>status.state: Installed</c> and <c>status.enabled: true</c> (the
/// extension's chart is not run); with <c>spec.clusterScheduling.placement</c>, each member Cluster it names (or every
/// member, for a clusterSelector) gets <c>status.clusterSchedulingStatuses.&lt;cluster&gt;.state: Installed</c> only once
/// it is schedulable — Ready and without a <c>Schedulable</c> condition, as KubeSphere skips a cluster the upgrade still
/// taints. A disabled plan is left as it is. No timestamps are written (the fault matrix compares settled states).
/// </summary>
public static class InstallPlanController
{
    public const string Installed = "Installed";

    public static void Reconcile(ISandboxClusterView cluster)
    {
        IReadOnlyList<JsonObject> plans;
        try { plans = cluster.List("kubesphere.io/v1alpha1", "installplans"); }
        catch (Exception) { return; } // InstallPlan is not served: KubeSphere 3.4
        foreach (var plan in plans)
        {
            if (plan["metadata"]?["deletionTimestamp"] is not null) continue;
            if (plan["spec"]?["enabled"] is JsonValue en && en.TryGetValue<bool>(out var enabled) && !enabled) continue;
            var status = plan["status"] as JsonObject ?? new JsonObject();
            var changed = false;
            if (status.Str("state") != Installed) { status["state"] = Installed; changed = true; }
            if (status["enabled"] is not JsonValue e || !e.TryGetValue<bool>(out var on) || !on) { status["enabled"] = true; changed = true; }
            foreach (var member in PlacedMembers(cluster, plan))
            {
                var per = status["clusterSchedulingStatuses"] as JsonObject;
                if (per?[member]?.Str("state") == Installed) continue;
                per ??= (JsonObject)(status["clusterSchedulingStatuses"] = new JsonObject());
                per[member] = new JsonObject { ["state"] = Installed };
                changed = true;
            }
            if (!changed) continue;
            var copy = (JsonObject)plan.DeepClone();
            copy["status"] = status.DeepClone();
            cluster.Upsert(copy);
        }
    }

    /// <summary>The schedulable member clusters the plan's clusterScheduling places it on.</summary>
    private static IEnumerable<string> PlacedMembers(ISandboxClusterView cluster, JsonObject plan)
    {
        if (plan["spec"]?["clusterScheduling"]?["placement"] is not JsonObject placement) yield break;
        IReadOnlyList<JsonObject> clusters;
        try { clusters = cluster.List("cluster.kubesphere.io/v1alpha1", "clusters"); }
        catch (Exception) { yield break; }
        var named = (placement["clusters"] as JsonArray)?.Select(n => n?.GetValue<string>()).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var c in clusters)
        {
            var name = c.Str("metadata", "name");
            if (name is null || c["metadata"]?["labels"]?["cluster-role.kubesphere.io/host"] is not null) continue;
            if (named is not null && !named.Contains(name)) continue;
            var conditions = c["status"]?["conditions"] as JsonArray ?? new JsonArray();
            var ready = conditions.Any(x => x.Str("type") == "Ready" && x.Str("status") == "True");
            var tainted = conditions.Any(x => x.Str("type") == "Schedulable");
            if (ready && !tainted) yield return name;
        }
    }
}
