using KsUpgrade.Engine.Kube;

using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Upgrade.Steps;

/// <summary>
/// Step 5 (upgrade-reference §2 step 6): uninstall release ks-redis natively (delete the objects of its manifest, then its
/// release secrets), delete PVCs labelled app=redis-ha, and delete deploy/svc redis, secret redis-secret,
/// configmap redis-configmap, pvc redis-pvc only where NOT labelled app.kubernetes.io/managed-by=Helm.
/// </summary>
internal sealed class RemoveOldRedisStep : IUpgradeStep
{
    public const string OldRelease = "ks-redis";
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";

    public UpgradeStepId Id => UpgradeStepId.RemoveOldRedis;
    public bool Mutating => true;

    internal sealed record Deletion(ResourceKind Kind, string? Namespace, string Name, string Why)
    {
        public string Display => $"Delete {Kind.Kind} {KubeJson.Ref(Namespace, Name)} ({Why})";
    }

    /// <summary>The fixed objects upgrade.sh deletes unless Helm manages them.</summary>
    internal static readonly (ResourceKind Kind, string Name)[] Named =
    {
        (ResourceKind.Deployments, "redis"),
        (ResourceKind.Services, "redis"),
        (ResourceKind.Secrets, "redis-secret"),
        (ResourceKind.ConfigMaps, "redis-configmap"),
        (ResourceKind.PersistentVolumeClaims, "redis-pvc"),
    };

    public async Task<StepPlan> PlanAsync(UpgradeContext c, CancellationToken ct)
    {
        const string ns = KsNames.KubeSphereSystem;
        var deletions = new List<Deletion>();
        var kept = new List<string>();
        void Add(Deletion d)
        {
            if (!deletions.Any(x => x.Kind.FullName == d.Kind.FullName && x.Namespace == d.Namespace && x.Name == d.Name)) deletions.Add(d);
        }

        var revisions = await HelmReleaseReader.HistoryAsync(c.Api, ns, OldRelease, ct).ConfigureAwait(false);
        var manifest = revisions.LastOrDefault(r => r.Manifest.Length > 0)?.Manifest;
        if (manifest is not null)
        {
            foreach (var doc in YamlJson.ReadDocuments(manifest))
            {
                var apiVersion = doc.Str("apiVersion");
                var kindName = doc.Str("kind");
                if (apiVersion is null || kindName is null) continue;
                var kind = await c.Api.KindOfAsync(apiVersion, kindName, ct).ConfigureAwait(false);
                if (kind is null) continue;
                var objNs = kind.Namespaced ? doc.Namespace() ?? ns : null;
                var live = await c.Api.GetAsync(kind, objNs, doc.Name(), ct).ConfigureAwait(false);
                if (live is null) continue;
                if (live.Annotation("helm.sh/resource-policy") == "keep") { kept.Add($"{kind.Kind} {KubeJson.Ref(objNs, doc.Name())} (helm.sh/resource-policy: keep)"); continue; }
                Add(new Deletion(kind, objNs, doc.Name(), $"release {OldRelease}"));
            }
        }
        foreach (var r in revisions)
            Add(new Deletion(ResourceKind.Secrets, ns, r.SecretName, $"release {OldRelease} revision {r.Revision}"));

        foreach (var pvc in await c.Api.ListAllAsync(ResourceKind.PersistentVolumeClaims, ns, "app=redis-ha", ct).ConfigureAwait(false))
            Add(new Deletion(ResourceKind.PersistentVolumeClaims, ns, pvc.Name(), "labelled app=redis-ha"));

        foreach (var (kind, name) in Named)
        {
            var live = await c.Api.GetAsync(kind, ns, name, ct).ConfigureAwait(false);
            if (live is null) continue;
            if (IsHelmManaged(live)) { kept.Add($"{kind.Kind} {ns}/{name} (managed by Helm)"); continue; }
            Add(new Deletion(kind, ns, name, "old redis, not managed by Helm"));
        }

        foreach (var k in kept) c.Log.Verbose($"RemoveOldRedis: keeping {k}.");
        if (deletions.Count == 0)
            return StepPlan.Nothing("old redis", kept.Count == 0 ? "no old redis objects" : $"only Helm-managed redis objects left: {string.Join(", ", kept)}");
        return new StepPlan("old redis in kubesphere-system", deletions.Select(d => d.Display).ToList()) { State = deletions };
    }

    internal static bool IsHelmManaged(System.Text.Json.Nodes.JsonObject obj) =>
        string.Equals(obj.Label(ManagedByLabel), "Helm", StringComparison.Ordinal);

    public async Task<string> RunAsync(UpgradeContext c, StepPlan plan, CancellationToken ct)
    {
        var deleted = new List<string>();
        foreach (var d in (List<Deletion>)plan.State!)
        {
            if (await c.Api.DeleteAsync(d.Kind, d.Namespace, d.Name, "Background", ct).ConfigureAwait(false))
            {
                deleted.Add($"{d.Kind.Kind} {d.Name}");
                c.Log.Verbose($"Deleted {d.Kind.Kind} {KubeJson.Ref(d.Namespace, d.Name)}.");
            }
        }
        return deleted.Count == 0 ? "nothing left to delete" : "deleted " + string.Join(", ", deleted);
    }
}
