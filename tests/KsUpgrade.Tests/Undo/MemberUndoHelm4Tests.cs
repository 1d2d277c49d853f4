using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Undo;
using KsUpgrade.Tests.Reliability;
using Xunit.Abstractions;

namespace KsUpgrade.Tests.Undo;

/// <summary>
/// A member's Undo with helm 4, from a stop point of the fault matrix (issue 19, Proof), in one sandbox: the host and the
/// member upgraded with helm 4.1.4, the member's upgrade stopped in the middle of HelmUpgrade (the matrix's
/// StoppedMidStep cell for the member: ks-core left pending-upgrade) -> Undo-KsUpgrade -HostCluster with helm 4 -> the
/// member's KubeSphere-owned state equals its state before its upgrade, the host shows it on 3.4 and tainted -> the
/// member upgrade runs again to success with helm 4.
/// </summary>
public sealed class MemberUndoHelm4Tests
{
    private const string Member = ScenarioSteps.MemberCluster;
    private readonly ITestOutputHelper _output;
    public MemberUndoHelm4Tests(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// creationTimestamp has whole seconds: an object the upgrade created in the second its backup started (helm 4's
    /// PrepareJob applies the new CRDs moments after a member's backup) is created since the backup, not older than it.
    /// </summary>
    [Fact]
    public void An_object_created_in_the_second_the_backup_started_is_created_since_the_backup()
    {
        var started = DateTimeOffset.Parse("2026-12-06T09:47:17.300Z");
        static System.Text.Json.Nodes.JsonObject At(string time) => new() { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["creationTimestamp"] = time } };
        Assert.True(UndoObjects.CreatedSince(At("2026-12-06T09:47:17Z"), started));
        Assert.True(UndoObjects.CreatedSince(At("2026-12-06T09:47:18Z"), started));
        Assert.False(UndoObjects.CreatedSince(At("2026-12-06T09:47:16Z"), started));
        Assert.False(UndoObjects.CreatedSince(new System.Text.Json.Nodes.JsonObject(), started));
    }

    [KsUpgrade.Tests.Seeds.HelmFact]
    public async Task A_member_upgrade_stopped_in_helm_upgrade_is_undone_with_helm_4_and_upgraded_again()
    {
        var helm = UndoProof.Helm(4);
        await using var sb = await UpgradeSandbox.StartAsync();
        var host = await sb.ConnectHostAsync();
        var member = await sb.ConnectAsync(Member);
        var hostUpgrade = await UndoProof.UpgradeAsync(sb, host, new RecordingEngineLog(), helm, CancellationToken.None);
        Assert.True(hostUpgrade.Succeeded, hostUpgrade.StepsText + " " + hostUpgrade.Error);
        var before = KubeSphereState.Of(sb.Host.StateOf(Member));

        // the member upgrade stopped while helm 4 was in its upgrade (its pre-upgrade hook Job being created)
        var cell = new FaultCell(FaultKind.StoppedMidStep, "HelmUpgrade", Scenario.Member);
        using (var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            var rule = sb.Host.AddFault(cell.Rule()!);
            using var trigger = FaultTrigger.Arm(cell, sb, rule, cts);
            var run1 = await sb.RunMemberUpgradeAsync(member, host, new RecordingEngineLog(), cts.Token, helm);
            Assert.Null(trigger!.Run1Problem(run1)); // stopped (KsUpgrade.Stopped), ks-core left pending-upgrade on the member
            sb.Host.ClearFaults();
        }

        var undone = await MemberUndoOnSandboxTests.Undo(sb, member, new RecordingEngineLog(), host, helm: helm).RunAsync(CancellationToken.None);
        foreach (var s in undone.Steps) _output.WriteLine($"{s.Name} {s.Status}: {s.Detail}");
        foreach (var l in undone.NotRestored) _output.WriteLine("not restored: " + l);
        Assert.True(undone.Succeeded);
        var rollback = Assert.Single(undone.Steps, s => s.Name == nameof(UndoStepId.HelmRollback));
        Assert.Equal(KsUpgradeStepStatus.Succeeded, rollback.Status);
        Assert.Contains("(pending-upgrade) marked failed", rollback.Detail);
        await MemberUndoOnSandboxTests.AssertMemberBackAsync(sb, before);
        await MemberUndoOnSandboxTests.AssertHostSeesMemberOn34Async(host);
        Assert.Null(await UpgradeJournal.ReadAsync(KubeApi.For(member, _ => { }), CancellationToken.None));

        // the member upgrade again, from the start (its first backup kept aside: a backup is never overwritten)
        Directory.Move(sb.BackupPathOf(Member), sb.BackupPathOf(Member) + "-first");
        var again = await sb.RunMemberUpgradeAsync(member, host, new RecordingEngineLog(), CancellationToken.None, helm);
        Assert.True(again.Succeeded, again.StepsText + " " + again.Error);
    }
}
