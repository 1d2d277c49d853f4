using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.KubeSphere;

/// <summary>
/// The ks-upgrade <c>core</c> job, reduced to its observable effects on the cluster (no data migration).
/// Not modelled: the host-cluster kubeconfig rewrite, WorkspaceTemplate v1beta1 manager defaults, rollback.
/// </summary>
public static class CoreModule
{
    private const string Ns = KsUpgradeRun.Ns;
    private static readonly string[] CoreDeployments = { "ks-apiserver", "ks-controller-manager", "ks-console", "ks-installer" };

    public static void Prepare(KsUpgradeRun run)
    {
        foreach (var name in CoreDeployments)
        {
            var d = run.Cluster.Get("apps/v1", "deployments", Ns, name);
            if (d is null) continue;
            d["spec"]!["replicas"] = 0;
            run.Update(d);
            run.Info("core.go:118", $"scaled deployment {Ns}/{name} to 0 replicas");
        }
        foreach (var ns in run.Cluster.List("v1", "namespaces"))
        {
            if (ns["metadata"]?["ownerReferences"] is not JsonArray refs) continue;
            var kept = refs.Where(r => r.Str("kind") != "Workspace").Select(r => r!.DeepClone()).ToList();
            if (kept.Count == refs.Count) continue;
            if (kept.Count == 0) ns["metadata"]!.AsObject().Remove("ownerReferences");
            else ns["metadata"]!["ownerReferences"] = new JsonArray(kept.ToArray());
            run.Update(ns);
        }
        BackupAndDeleteWebhooks(run, "validatingwebhookconfigurations");
        BackupAndDeleteWebhooks(run, "mutatingwebhookconfigurations");

        var tpls = run.Cluster.List("tenant.kubesphere.io/v1alpha2", "workspacetemplates");
        if (!run.HasKey("core-workspacetemplates.tenant.kubesphere.io.v1alpha2"))
            run.Save("core-workspacetemplates.tenant.kubesphere.io.v1alpha2", new JsonArray(tpls.Select(t => (JsonNode?)t.DeepClone()).ToArray()));
        var workspaces = run.Cluster.List("tenant.kubesphere.io/v1alpha1", "workspaces");
        if (!run.HasKey("core-workspace.tenant.kubesphere.io.v1alpha1"))
            run.Save("core-workspace.tenant.kubesphere.io.v1alpha1", new JsonArray(workspaces.Select(t => (JsonNode?)t.DeepClone()).ToArray()));
        foreach (var ws in workspaces.Where(w => w["spec"]?["networkIsolation"]?.GetValue<bool>() == true))
        {
            ws.Annotations()["kubesphere.io/network-isolate"] = "enabled";
            run.Update(ws);
        }

        var systemTpl = run.Cluster.Get("tenant.kubesphere.io/v1alpha2", "workspacetemplates", null, "system-workspace");
        if (run.IsHost)
        {
            // Simplification: the backup records the cluster names; the kubeconfig rewrite is not modelled.
            var clusters = run.Cluster.List("cluster.kubesphere.io/v1alpha1", "clusters");
            if (clusters.Count > 0 && !run.HasKey("core.cluster.kubeconfig"))
                run.Save("core.cluster.kubeconfig", new JsonArray(clusters.Select(c => (JsonNode?)c.Name()).ToArray()));
            if (systemTpl is not null)
            {
                var fins = systemTpl["metadata"]!["finalizers"] as JsonArray ?? new JsonArray();
                if (!fins.Any(f => f?.ToString() == "kubesphere.io/protection")) fins.Add("kubesphere.io/protection");
                systemTpl["metadata"]!["finalizers"] = fins.DeepClone();
                run.Update(systemTpl);
            }
        }
        else if (systemTpl is not null)
        {
            systemTpl["metadata"]!.AsObject().Remove("finalizers");
            systemTpl["metadata"]!.AsObject().Remove("ownerReferences");
            run.Update(systemTpl);
            run.Cluster.Delete("tenant.kubesphere.io/v1alpha2", "workspacetemplates", null, "system-workspace");
            run.Info("core.go:241", "member cluster: deleted workspacetemplate system-workspace (orphan)");
        }
        run.Info("core.go:95", "core prepare-upgrade done");
    }

    private static void BackupAndDeleteWebhooks(KsUpgradeRun run, string plural)
    {
        var list = run.Cluster.List("admissionregistration.k8s.io/v1", plural)
            .Where(w => w["webhooks"]?[0]?["clientConfig"]?["service"] is JsonObject svc
                        && svc.Str("namespace") == Ns && svc.Str("name") == "ks-controller-manager").ToList();
        var key = $"core.{plural}.admissionregistration.k8s.io";
        if (!run.HasKey(key)) run.Save(key, new JsonArray(list.Select(w => (JsonNode?)w.DeepClone()).ToArray()));
        foreach (var w in list)
        {
            run.Cluster.Delete("admissionregistration.k8s.io/v1", plural, null, w.Name());
            run.Info("core.go:160", $"deleted {plural} {w.Name()}");
        }
    }

    public static void PreUpgrade(KsUpgradeRun run)
    {
        var host = run.IsHost;
        if (!host && run.Cluster.Get("tenant.kubesphere.io/v1alpha2", "workspacetemplates", null, "system-workspace") is not null)
            throw new KsUpgradeFailure("workspacetemplate system-workspace exists in a member cluster, please run prepare-upgrade first");

        if (run.StorageClaim() is { } pvc && pvc.Str("spec", "volumeName") is { Length: > 0 } pvName
            && run.Cluster.Get("v1", "persistentvolumes", null, pvName) is { } pv)
        {
            pv["spec"]!["persistentVolumeReclaimPolicy"] = "Retain";
            run.Update(pv);
            run.Info("core.go:301", $"set reclaimPolicy Retain on persistentvolume {pvName}");
        }

        if (!run.HasKey("kubesphere-config"))
        {
            var cfg = run.Cluster.Get("v1", "configmaps", Ns, "kubesphere-config").Str("data", "kubesphere.yaml");
            if (cfg is not null) run.Save("kubesphere-config", JsonValue.Create(cfg));
        }

        if (host)
        {
            foreach (var c in run.Cluster.List("cluster.kubesphere.io/v1alpha1", "clusters"))
            {
                if (c.Str("metadata", "labels", "cluster-role.kubesphere.io/host") is not null) continue;
                c.Labels()["kubesphere.io/managed"] = "true";
                c.Annotations()["kubesphere.io/config-hash"] = "cbf29ce484222325";
                SetCondition(c, "KSCoreReady", "True", "KSCoreReady", "KS Core is available now");
                SetCondition(c, "Schedulable", "False", "Upgrading", "Not schedulable now");
                run.Update(c);
                run.Info("core.go:352", $"cluster {c.Name()}: set KSCoreReady=True and Schedulable=False (Upgrading)");
            }
        }

        if (!run.HasKey("core.resource.kubesphere.system"))
        {
            var deployments = run.Cluster.List("apps/v1", "deployments", Ns);
            run.Save("core.resource.kubesphere.system", new JsonArray(deployments.Select(d => (JsonNode?)d.DeepClone()).ToArray()));
            if (run.Cluster.Delete("apps/v1", "deployments", Ns, "ks-installer"))
                run.Info("core.go:377", "deleted deployment kubesphere-system/ks-installer");
        }

        foreach (var ns in run.Cluster.List("v1", "namespaces"))
        {
            var labels = ns["metadata"]?["labels"] as JsonObject;
            if (labels?["kubesphere.io/workspace"] is null || labels["kubesphere.io/devopsproject"] is not null) continue;
            if (labels.Str("kubesphere.io/managed") == "true") continue;
            labels["kubesphere.io/managed"] = "true";
            run.Update(ns);
        }
        run.Info("core.go:99", "core pre-upgrade done");
    }

    public static void SetCondition(JsonObject obj, string type, string status, string reason, string message)
    {
        var conds = obj.Child("status")["conditions"] as JsonArray;
        if (conds is null) obj["status"]!["conditions"] = conds = new JsonArray();
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        var existing = conds.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == type);
        if (existing is null) conds.Add(existing = new JsonObject { ["type"] = type });
        if (existing.Str("status") != status) existing["lastTransitionTime"] = now;
        existing["status"] = status;
        existing["reason"] = reason;
        existing["message"] = message;
        existing["lastUpdateTime"] = now;
    }
}
