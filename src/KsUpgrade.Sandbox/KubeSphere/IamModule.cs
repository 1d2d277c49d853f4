using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.KubeSphere;

/// <summary>
/// The ks-upgrade <c>iam</c> job. Modelled: the prepare-phase Helm adoption (ownership metadata on the objects the
/// 4.1 chart takes over, stubs appended to the deployed ks-core release manifest) and the phase markers.
/// Not modelled: the v1alpha2 → v1beta1 IAM migration of pre/post-upgrade (only backups and markers are written).
/// </summary>
public static class IamModule
{
    private const string Ns = KsUpgradeRun.Ns;

    /// <summary>The objects the 4.1 chart owns that 3.4 created outside Helm (apiVersion, plural, kind, namespace, name).</summary>
    public static readonly (string ApiVersion, string Plural, string Kind, string? Ns, string Name)[] AdoptedObjects =
        new (string, string, string, string?, string)[] { ("v1", "configmaps", "ConfigMap", Ns, "kubesphere-config") }
            .Concat(new[] { "anonymous", "authenticated", "platform-admin", "platform-regular", "platform-self-provisioner", "pre-registration" }
                .Select(n => ("iam.kubesphere.io/v1alpha2", "globalroles", "GlobalRole", (string?)null, n)))
            .Concat(new[] { "admin", "anonymous", "authenticated", "pre-registration" }
                .Select(n => ("iam.kubesphere.io/v1alpha2", "globalrolebindings", "GlobalRoleBinding", (string?)null, n)))
            .Append(("tenant.kubesphere.io/v1alpha2", "workspacetemplates", "WorkspaceTemplate", null, "system-workspace"))
            .ToArray();

    public static void Prepare(KsUpgradeRun run)
    {
        const string marker = "iam-upgrade-status-prepare-upgrade";
        if (run.HasKey(marker))
        {
            run.Info("iam.go:88", "iam prepare-upgrade already done, skip");
            return;
        }
        foreach (var (apiVersion, plural, _, ns, name) in AdoptedObjects)
        {
            var o = run.Cluster.Get(apiVersion, plural, ns, name);
            if (o is null) continue;
            K8s.HelmManaged(o, "ks-core", Ns);
            run.Update(o);
        }
        run.Info("iam.go:131", "fixed helm managed resource annotations");

        if (run.Cluster.Get("iam.kubesphere.io/v1alpha2", "globalrolebindings", null, "admin") is { } grb)
        {
            grb.Labels()["iam.kubesphere.io/user-ref"] = "admin";
            run.Update(grb);
        }

        var deployed = run.ReleaseHistory(Ns, "ks-core").FirstOrDefault(h => h.Release.Status == "deployed");
        if (deployed.Release is not null)
        {
            var json = deployed.Release.Json;
            var original = json.Str("manifest") ?? "";
            var manifest = original;
            var added = 0;
            foreach (var (apiVersion, _, kind, ns, name) in AdoptedObjects.Append(("kubesphere.io/v1alpha1", "repositories", "Repository", null, "extensions-museum")))
            {
                if (original.Contains($"name: {name}\n")) continue; // ks-upgrade matches on the name string alone
                manifest += $"---\napiVersion: {apiVersion}\nkind: {kind}\nmetadata:\n  name: {name}\n" + (ns is null ? "" : $"  namespace: {ns}\n");
                added++;
            }
            json["manifest"] = manifest;
            var secret = HelmReleaseSecret.Encode(json);
            // a revision helm rollback wrote has no createdAt label: none is invented (a null label is invalid)
            if (deployed.Secret.Str("metadata", "labels", "createdAt") is { } createdAt) secret["metadata"]!["labels"]!["createdAt"] = createdAt;
            else secret["metadata"]!["labels"]!.AsObject().Remove("createdAt");
            secret["metadata"]!["labels"]!["modifiedAt"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
            run.Update(secret);
            run.Info("iam.go:190", $"appended {added} resources to release ks-core revision {deployed.Release.Revision}");
        }
        run.Save(marker, new JsonObject { ["status"] = "success", ["time"] = DateTime.UtcNow.ToString("O") });
    }

    public static void PreUpgrade(KsUpgradeRun run)
    {
        const string marker = "iam-upgrade-status-pre-upgrade";
        if (run.HasKey(marker)) { run.Info("iam.go:88", "iam pre-upgrade already done, skip"); return; }
        foreach (var plural in new[] { "users", "globalroles", "globalrolebindings", "workspaceroles", "workspacerolebindings", "groups", "groupbindings" })
        {
            var items = run.Cluster.List("iam.kubesphere.io/v1alpha2", plural);
            run.Save($"iam-{plural}", new JsonArray(items.Select(i => (JsonNode?)i.Name()).ToArray()));
        }
        run.Save(marker, new JsonObject { ["status"] = "success", ["time"] = DateTime.UtcNow.ToString("O") });
    }

    public static void PostUpgrade(KsUpgradeRun run)
    {
        const string marker = "iam-upgrade-status-post-upgrade";
        if (run.HasKey(marker)) { run.Info("iam.go:88", "iam post-upgrade already done, skip"); return; }
        run.Save(marker, new JsonObject { ["status"] = "success", ["time"] = DateTime.UtcNow.ToString("O") });
    }
}
