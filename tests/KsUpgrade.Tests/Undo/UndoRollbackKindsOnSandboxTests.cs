using System.Text.Json.Nodes;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Undo;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Tests.Reliability;
using Xunit.Abstractions;
using HelmTool = KsUpgrade.Tests.Seeds.HelmTool;

namespace KsUpgrade.Tests.Undo;

/// <summary>
/// <see cref="UndoRollbackKindsTests"/> with real helm 3 on the sandbox: the 3.4 ks-core release holds the cluster
/// gateway's v1alpha1 Gateway (as a 3.4 chart rendering it would), and the upgrade's gateway job replaces the gateway CRD
/// by a v2alpha1-only one. helm rollback would stop on "no matches for kind Gateway in version v1alpha1"; Undo serves
/// v1alpha1 again from the backed-up definition first, and the round trip holds: the pre-upgrade state, Preflight passing.
/// </summary>
public sealed class UndoRollbackKindsOnSandboxTests
{
    private const string Ns = "kubesphere-system";
    private const string GatewayName = "kubesphere-router-kubesphere-system";
    private const string GatewayCrd = "gateways.gateway.kubesphere.io";
    private readonly ITestOutputHelper _output;
    public UndoRollbackKindsOnSandboxTests(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// The upgraded sandbox host whose 3.4 ks-core revision holds the v1alpha1 Gateway, and whose gateway CRD the
    /// upgrade's gateway job left v2alpha1-only; with the pre-upgrade state.
    /// </summary>
    private static async Task<(UpgradeSandbox Sb, KsCluster Host, KubeSphereState Before)> UpgradedAsync()
    {
        var sb = await UpgradeSandbox.StartAsync();
        var host = await sb.ConnectHostAsync();
        var view = sb.Host.Cluster("host");
        var deployed = view.List("v1", "secrets", Ns)
            .Where(s => HelmReleaseSecret.IsReleaseSecret(s) && s.Str("metadata", "labels", "name") == "ks-core" && s.Str("metadata", "labels", "status") == "deployed")
            .Single();
        var release = HelmReleaseSecret.Decode(deployed).Json;
        release["manifest"] = release.Str("manifest") + $"---\n# Source: ks-core/templates/gateway.yaml\napiVersion: gateway.kubesphere.io/v1alpha1\nkind: Gateway\nmetadata:\n  name: {GatewayName}\n  namespace: kubesphere-controls-system\n";
        var secret = HelmReleaseSecret.Encode(release);
        secret["metadata"]!["labels"]!["createdAt"] = deployed.Str("metadata", "labels", "createdAt");
        view.Upsert(secret);
        var gateway = view.Get("gateway.kubesphere.io/v1alpha1", "gateways", "kubesphere-controls-system", GatewayName)!;
        K8s.HelmManaged(gateway, "ks-core", Ns);
        view.Upsert(gateway);
        var before = KubeSphereState.Of(sb.Host.StateOf("host"));

        var upgrade = await sb.RunHostUpgradeAsync(host, new RecordingEngineLog(), gatewayJob: true, CancellationToken.None);
        Assert.True(upgrade.Succeeded, upgrade.StepsText + " " + upgrade.Error);
        var crd = view.Get("apiextensions.k8s.io/v1", "customresourcedefinitions", null, GatewayCrd)!;
        Assert.DoesNotContain(crd["spec"]!["versions"]!.AsArray(), v => v.Str("name") == "v1alpha1"); // what helm rollback would stop on
        return (sb, host, before);
    }

    [KsUpgrade.Tests.Seeds.HelmFact]
    public async Task A_34_kind_whose_CRD_the_upgrade_replaced_is_served_again_for_helm_rollback_and_the_round_trip_holds()
    {
        var (sb, host, before) = await UpgradedAsync();
        await using var _ = sb;

        var undone = await UndoProof.Undo(sb, host, new RecordingEngineLog(), HelmTool.Path).RunAsync(CancellationToken.None);
        foreach (var s in undone.Steps) _output.WriteLine($"{s.Name} {s.Status}: {s.Detail}");
        Assert.True(undone.Succeeded);
        Assert.Contains(undone.Plan, l => l.StartsWith("HelmRollback: Serve v1alpha1 of CustomResourceDefinition gateways.gateway.kubesphere.io again before the rollback", StringComparison.Ordinal));
        Assert.Contains("1 CustomResourceDefinitions served again for helm from the backup", Assert.Single(undone.Steps, s => s.Name == nameof(UndoStepId.HelmRollback)).Detail);

        var diff = await UndoProof.DifferenceFromAsync(sb, before);
        Assert.True(diff.Length == 0, diff);
        Assert.Null(await UndoProof.PreflightProblemAsync(sb, host, HelmTool.Path));
    }

    /// <summary>
    /// A CRD that keeps changing under Undo (409 Conflict on every update of it) while Undo serves the 3.4 version again:
    /// Undo reads it again and retries up to its restore attempts, then stops with the declared ErrorId of a lasting
    /// conflict (ApiError, ResourceBusy) naming the next command; it never retries for ever.
    /// </summary>
    [KsUpgrade.Tests.Seeds.HelmFact]
    public async Task A_CRD_update_that_always_conflicts_stops_Undo_after_its_restore_attempts_with_a_declared_ErrorId()
    {
        var (sb, host, _) = await UpgradedAsync();
        await using var __ = sb;
        var rule = sb.Host.AddFault(new KsUpgrade.Sandbox.Faults.FaultRule
        {
            Verb = "update", Resource = "customresourcedefinitions", Name = GatewayCrd, Cluster = "host", ConcurrentWrite = true, Times = null,
        });
        var updates = 0;
        void OnMatch(KsUpgrade.Sandbox.Faults.FaultRuleMatch m)
        {
            if (m.Rule.Id == rule.Id) Interlocked.Increment(ref updates);
        }
        sb.Host.Faults.Matched += OnMatch;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90)); // a hang ends as Stopped, which fails the test
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => UndoProof.Undo(sb, host, new RecordingEngineLog(), HelmTool.Path).RunAsync(cts.Token));
        sb.Host.Faults.Matched -= OnMatch;
        _output.WriteLine($"{e.ErrorId} {e.Category}: {e.Message} / {e.Remedy}; {updates} updates");
        Assert.Equal(ErrorIds.ApiError, e.ErrorId);
        Assert.Equal(KsErrorCategory.ResourceBusy, e.Category);
        Assert.Contains("Undo-KsUpgrade", e.Remedy);
        Assert.Equal(ClusterUndo.RestoreAttempts, updates);
    }
}
