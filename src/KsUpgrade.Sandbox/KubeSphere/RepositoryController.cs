using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Sandbox.KubeSphere;

/// <summary>
/// KubeSphere 4's Repository controller (ks-controller-manager), reduced to what a cluster shows of it: a Repository
/// (kubesphere.io/v1alpha1) without <c>status.lastSyncTime</c> is synced — the time is written — once the museum that
/// serves it answers, i.e. Deployment kubesphere-system/extensions-museum has an available replica. A museum that never
/// becomes available (an image that cannot be pulled, per the fault plan) leaves the Repository unsynced, as on a real cluster.
/// </summary>
public static class RepositoryController
{
    public static void Reconcile(ISandboxClusterView cluster, DateTime now)
    {
        IReadOnlyList<JsonObject> repos;
        try { repos = cluster.List("kubesphere.io/v1alpha1", "repositories"); }
        catch (Exception) { return; } // not served: KubeSphere 3.4
        foreach (var repo in repos)
        {
            if (repo["metadata"]?["deletionTimestamp"] is not null) continue;
            var synced = repo.Str("status", "lastSyncTime");
            if (!string.IsNullOrEmpty(synced)) continue;
            var museum = cluster.Get("apps/v1", "deployments", "kubesphere-system", "extensions-museum");
            if (museum?["status"]?["availableReplicas"] is not JsonValue v || !v.TryGetValue<int>(out var n) || n < 1) continue;
            var copy = (JsonObject)repo.DeepClone();
            var status = copy["status"] as JsonObject ?? new JsonObject();
            status["lastSyncTime"] = now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
            copy["status"] = status;
            cluster.Upsert(copy);
        }
    }
}
