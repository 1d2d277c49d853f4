using KsUpgrade.Engine;
using KsUpgrade.Engine.Helm;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Backup;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Undo;
using KsUpgrade.Tests.Reliability;

using KsUpgrade.Tests.Upgrade.Sandbox;
using Xunit.Abstractions;
using HelmTool = KsUpgrade.Tests.Seeds.HelmTool;

namespace KsUpgrade.Tests.Undo;

/// <summary>
/// Undo-KsUpgrade on the sandbox with the fixture chart and real helm 3: a completed host upgrade is undone and the
/// KubeSphere-owned state equals the pre-upgrade state (<see cref="KubeSphereState"/>), Test-KsCluster Preflight passes,
/// the upgrade then runs again to success; a stop in the middle of Undo (after RestoreCrds) and a re-run finish it.
/// </summary>
public sealed class UndoOnSandboxTests
{
    private readonly ITestOutputHelper _output;
    public UndoOnSandboxTests(ITestOutputHelper output) => _output = output;

    private static ClusterUndo Undo(UpgradeSandbox sb, KsCluster host, IEngineLog log) => UndoProof.Undo(sb, host, log, HelmTool.Path);

    [KsUpgrade.Tests.Seeds.HelmFact]
    public async Task A_completed_host_upgrade_is_undone_to_the_pre_upgrade_state_and_the_upgrade_runs_again()
    {
        await using var sb = await UpgradeSandbox.StartAsync();
        var host = await sb.ConnectHostAsync();
        var before = KubeSphereState.Of(sb.Host.StateOf("host"));
        var revisionBefore = KubeSphereState.DeployedRevision(sb.Host.StateOf("host"));
        Assert.Contains(before.Objects, o => o.Contains("\"kind\":\"Gateway\"", StringComparison.Ordinal)); // 3.4 gateways, which the upgrade's CRD deletion takes away

        var first = await sb.RunHostUpgradeAsync(host, new RecordingEngineLog(), gatewayJob: true, CancellationToken.None); // the guide's values: the gateway job deletes the 3.4 gateways with their CRD
        Assert.True(first.Succeeded, first.StepsText + " " + first.Error);
        Assert.NotEqual(before.Objects, KubeSphereState.Of(sb.Host.StateOf("host")).Objects); // the upgrade changed what Undo must give back

        // -WhatIf: the plan, and nothing changed
        var whatIfLog = new RecordingEngineLog { Approve = false };
        var stateBeforeWhatIf = KubeSphereState.Of(sb.Host.StateOf("host"));
        var plan = await Undo(sb, host, whatIfLog).RunAsync(CancellationToken.None);
        foreach (var l in plan.Plan) _output.WriteLine("plan: " + l);
        foreach (var l in plan.NotRestored) _output.WriteLine("not restored: " + l);
        Assert.Equal(stateBeforeWhatIf.Objects, KubeSphereState.Of(sb.Host.StateOf("host")).Objects); // (Nodes' heartbeats move on: the KubeSphere state is compared)
        Assert.Null(await KubeApi.For(host, _ => { }).GetAsync(ResourceKind.ConfigMaps, "kubesphere-system", UpgradeJournal.UndoConfigMapName, CancellationToken.None));
        Assert.Contains(plan.Plan, l => l.StartsWith($"HelmRollback: helm rollback ks-core to revision {revisionBefore} ", StringComparison.Ordinal));
        Assert.Contains(plan.Plan, l => l.Contains("Re-create Deployment kubesphere-system/ks-installer", StringComparison.Ordinal));
        Assert.Contains(plan.Plan, l => l.Contains("CustomResourceDefinition installplans.kubesphere.io", StringComparison.Ordinal));
        Assert.Contains(plan.Plan, l => l.Contains("Restore ClusterConfiguration kubesphere-system/ks-installer (spec.etcd.endpointIps 'localhost')", StringComparison.Ordinal));
        Assert.Contains(plan.Plan, l => l.Contains("Delete PersistentVolumeClaim kubesphere-system/ks-upgrade (created since the backup)", StringComparison.Ordinal));
        Assert.Contains(plan.NotRestored, l => l.StartsWith("Images: ", StringComparison.Ordinal));
        foreach (var claim in plan.Plan.Where(l => l.Contains("Re-create PersistentVolumeClaim", StringComparison.Ordinal)))
            Assert.Contains(plan.NotRestored, l => l.StartsWith(claim[(claim.IndexOf("PersistentVolumeClaim", StringComparison.Ordinal))..].Replace(" empty", ""), StringComparison.Ordinal));
        Assert.Contains(plan.Steps, s => s.Status == KsUpgradeStepStatus.WhatIf);

        // Undo stopped in the middle (after RestoreCrds: the 3.4 CRDs are back, their objects not yet): journaled, then finished by a re-run
        using (var cts = new CancellationTokenSource())
        {
            var stopping = new StopAfterStepLog(StopAfterStepLog.UpgradeStep(nameof(UndoStepId.RestoreCrds)), cts);
            var stopped = await Assert.ThrowsAsync<KsUpgradeException>(() => Undo(sb, host, stopping).RunAsync(cts.Token));
            Assert.True(stopping.Fired);
            Assert.Equal(ErrorIds.Stopped, stopped.ErrorId);
            var undoJournal = await UpgradeJournal.ReadAsync(KubeApi.For(host, _ => { }), UpgradeJournal.UndoConfigMapName, CancellationToken.None);
            Assert.NotNull(undoJournal);
            Assert.True(undoJournal!.State.IsDone(nameof(UndoStepId.RestoreCrds)));
        }

        var log = new RecordingEngineLog();
        var undone = await Undo(sb, host, log).RunAsync(CancellationToken.None);
        Assert.Contains(undone.Steps, s => s.Name == nameof(UndoStepId.RestoreCrds) && s.Status == KsUpgradeStepStatus.Skipped && s.Detail.StartsWith("done by an earlier run", StringComparison.Ordinal));
        Assert.Contains(log.Records, r => r.Message.StartsWith("Resuming the Undo", StringComparison.Ordinal));
        foreach (var s in undone.Steps) _output.WriteLine($"{s.Name} {s.Status}: {s.Detail}");
        Assert.True(undone.Succeeded);
        Assert.Equal(revisionBefore, undone.HelmRevision);

        // the restored workloads roll out (the sandbox's pods become ready after a while)
        var after = KubeSphereState.Of(sb.Host.StateOf("host"));
        for (var wait = 0; wait < 60 && StateNormaliser.Difference(before.Objects, after.Objects).Length > 0; wait++)
        {
            await Task.Delay(1000);
            after = KubeSphereState.Of(sb.Host.StateOf("host"));
        }
        var diff = StateNormaliser.Difference(before.Objects, after.Objects, 40);
        Assert.True(diff.Length == 0, diff);
        Assert.Equal(before.DeployedRelease, after.DeployedRelease);
        Assert.Null(await KubeApi.For(host, _ => { }).GetAsync(ResourceKind.ConfigMaps, "kubesphere-system", UpgradeJournal.ConfigMapName, CancellationToken.None));
        // Test-KsCluster Preflight passes (only the warnings the untouched sandbox shows too)
        Assert.Null(await UndoProof.PreflightProblemAsync(sb, host, HelmTool.Path));

        // the upgrade again, from the start (a new backup: the first one is kept, never overwritten)
        Directory.Move(sb.BackupPath, sb.BackupPath + "-first");
        var again = await sb.RunHostUpgradeAsync(host, new RecordingEngineLog(), gatewayJob: true, CancellationToken.None);
        Assert.True(again.Succeeded, again.StepsText + " " + again.Error);
    }
}

/// <summary>
/// The KubeSphere-owned state Undo restores, from a sandbox state: the objects of the sets the upgrade's backup holds
/// (upgrade.sh's and Undo's: system namespaces' config and workloads, cc, IAM, tenant, namespaces, KubeSphere CRDs and
/// webhooks, kubesphere-system's Services, PVCs, ServiceAccounts and Jobs), normalised by <see cref="StateNormaliser"/>;
/// helm's release Secrets are compared by what is deployed (chart and app version), since a rollback adds revisions.
/// Declared exceptions: a PVC's volume and provisioner annotation (a re-created claim is bound to a new, empty volume) and a Deployment's
/// deployment.kubernetes.io/revision (Kubernetes counts every rollout: the upgrade's and Undo's add two) and the name of
/// the ReplicaSet its conditions name (a re-created Deployment has new ReplicaSets; the sandbox names them by its own hash).
/// The values the chart generates on each render (<see cref="GeneratedValues"/>) are masked by the normaliser; Undo must
/// give back the recorded ones, so all but the generated certificates (<see cref="Certificates"/>: the webhook CA bundles
/// and ks-controller-manager-webhook-cert, which the rolled-back chart's render may issue anew) are compared again, by
/// SHA-256, as one synthetic entry each (kind <see cref="GeneratedValueKind"/>): the jwtSecret in kubesphere-config and
/// the redis passwords.
/// </summary>
public sealed partial record KubeSphereState(List<string> Objects, string DeployedRelease)
{
    [System.Text.RegularExpressions.GeneratedRegex("ReplicaSet \"[^\"]+\"")]
    private static partial System.Text.RegularExpressions.Regex ReplicaSetName();

    private static readonly string[] NamespacedKinds = { "ConfigMap", "Secret", "StatefulSet", "Deployment", "DaemonSet" };
    private static readonly string[] SystemKinds = { "Service", "PersistentVolumeClaim", "ServiceAccount", "Job" };
    private static readonly string[] ClusterKinds = { "ClusterConfiguration", "User", "GlobalRole", "GlobalRoleBinding", "WorkspaceRole", "WorkspaceRoleBinding",
        "Group", "GroupBinding", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding", "WorkspaceTemplate", "Workspace", "Namespace" };

    /// <summary>The generated values Undo's comparison leaves masked: certificates (kind, name or null for all, path).</summary>
    public static readonly IReadOnlyList<GeneratedValues.Field> Certificates = GeneratedValues.Fields
        .Where(f => f.Kind is "ValidatingWebhookConfiguration" or "MutatingWebhookConfiguration" || f.Name == "ks-controller-manager-webhook-cert").ToList();

    public const string GeneratedValueKind = "RestoredGeneratedValue";

    /// <summary>The generated values that are not certificates, of one object, as synthetic entries holding their SHA-256.</summary>
    public static IEnumerable<JsonObject> GeneratedValueEntries(JsonObject o)
    {
        var kind = o.Str("kind");
        foreach (var f in GeneratedValues.Fields.Except(Certificates))
        {
            if (f.Kind != kind || (f.Name is not null && f.Name != o.Name())) continue;
            JsonNode? node = o;
            foreach (var key in f.Path) node = node?[key];
            var value = node?.GetValue<string>();
            if (value is not null && f.Within is not null)
            {
                if (kind == "Secret") value = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(value));
                value = f.Within.Match(value) is { Success: true } m ? m.Groups[2].Value : null;
            }
            var hash = value is null ? "(absent)" : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)));
            yield return new JsonObject
            {
                ["apiVersion"] = "ksupgrade.tests/v1",
                ["kind"] = GeneratedValueKind,
                ["metadata"] = new JsonObject { ["namespace"] = o.Namespace(), ["name"] = $"{kind}/{o.Name()}/{string.Join(".", f.Path)}" },
                ["sha256"] = hash,
            };
        }
    }

    /// <summary>The ks-core revision deployed in a sandbox state.</summary>
    public static int DeployedRevision(JsonObject state) =>
        state["objects"]!.AsArray().OfType<JsonObject>()
            .Where(o => o.Str("kind") == "Secret" && o.Str("type") == "helm.sh/release.v1" && o.Label("name") == KsNames.KsCoreRelease && o.Label("status") == "deployed")
            .Select(o => int.Parse(o.Label("version")!)).Single();

    public static KubeSphereState Of(JsonObject state)
    {
        var objects = state["objects"]!.AsArray().OfType<JsonObject>().ToList();
        var systemNamespaces = objects.Where(o => o.Str("kind") == "Namespace" && o.Label("kubesphere.io/workspace") == "system-workspace")
            .Select(o => o.Name()).Append(BackupPlan.DevopsWorkerNamespace).ToHashSet(StringComparer.Ordinal);
        bool Keep(JsonObject o)
        {
            var kind = o.Str("kind") ?? "";
            var (group, _) = ResourceKind.SplitApiVersion(o.Str("apiVersion") ?? "");
            if (kind == "Secret" && o.Str("type") == "helm.sh/release.v1") return false;
            if (kind == "ConfigMap" && UpgradeJournal.IsJournal(o.Name())) return false;
            if (kind == "CustomResourceDefinition") return BackupPlan.IsKubeSphereGroup(o.Str("spec", "group"));
            if (kind is "ValidatingWebhookConfiguration" or "MutatingWebhookConfiguration") return BackupPlan.IsKubeSphereWebhook(o);
            if (group == "gateway.kubesphere.io") return true; // the 3.4 Gateways and Nginx CRs the upgrade's CRD deletion takes with it; 4.1's v2 Gateways
            if (o.Namespace() == KsNames.KubeSphereSystem && SystemKinds.Contains(kind)) return true;
            if (o.Namespace() is { } ns && systemNamespaces.Contains(ns) && NamespacedKinds.Contains(kind) && group is "" or "apps") return true;
            return ClusterKinds.Contains(kind) && group is "" or "installer.kubesphere.io" or "iam.kubesphere.io" or "tenant.kubesphere.io" or "rbac.authorization.k8s.io";
        }
        var kept = objects.Where(Keep).Select(o => (JsonObject)o.DeepClone()).ToList();
        foreach (var o in kept)
        {
            if (o.Str("kind") == "Deployment")
            {
                (o["metadata"]?["annotations"] as JsonObject)?.Remove("deployment.kubernetes.io/revision");
                foreach (var c in (o["status"]?["conditions"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
                    if (c.Str("message") is { } m) c["message"] = ReplicaSetName().Replace(m, "ReplicaSet \"<name>\"");
            }
            if (o.Str("kind") == "PersistentVolumeClaim")
            {
                (o["spec"] as JsonObject)?.Remove("volumeName");
                o.Remove("status");
                (o["metadata"]?["annotations"] as JsonObject)?.Remove("pv.kubernetes.io/bind-completed");
                (o["metadata"]?["annotations"] as JsonObject)?.Remove("pv.kubernetes.io/bound-by-controller");
                (o["metadata"]?["annotations"] as JsonObject)?.Remove("volume.kubernetes.io/storage-provisioner");
            }
        }
        var generated = kept.SelectMany(GeneratedValueEntries).Select(e => e.ToJsonString()).ToList(); // before the normaliser masks them
        var normalised = StateNormaliser.Normalise(new JsonObject { ["objects"] = new JsonArray(kept.Select(o => (JsonNode?)o).ToArray()) });
        normalised.AddRange(generated);
        normalised.Sort(StringComparer.Ordinal);
        var deployed = objects.Where(o => o.Str("kind") == "Secret" && o.Str("type") == "helm.sh/release.v1"
                                          && o.Label("name") == KsNames.KsCoreRelease && o.Label("status") == "deployed")
            .Select(o => HelmReleaseDecoder.DecodeSecretData(o.Str("data", "release")))
            .Select(r => $"{r?.Str("chart", "metadata", "version")} {r?.Str("chart", "metadata", "appVersion")}").ToList();
        return new KubeSphereState(normalised, string.Join(";", deployed));
    }
}
