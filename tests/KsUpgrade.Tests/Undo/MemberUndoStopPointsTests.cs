using KsUpgrade.Engine;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Tests.Reliability;
using Xunit.Abstractions;

namespace KsUpgrade.Tests.Undo;

/// <summary>
/// A member's Undo from every point the fault matrix can stop its upgrade at before helm upgrade (issue 19, Proof), one
/// after another in one sandbox so the host is upgraded once: the member's upgrade stopped after each step and in the
/// middle of each (the fault matrix's tap and trigger), undone with
/// -HostCluster, its KubeSphere-owned state equal to its state before its upgrade and the host showing it on 3.4 and
/// tainted each time; at the end the member upgrade runs again to success. The stops in and after helm upgrade are
/// <see cref="MemberUndoHelm4Tests"/>' (mid-HelmUpgrade, helm 4) and <see cref="MemberUndoOnSandboxTests"/>' (after
/// HelmUpgrade, and completed).
/// </summary>
public sealed class MemberUndoStopPointsTests
{
    private const string Member = ScenarioSteps.MemberCluster;
    private static readonly string[] Steps = { "StopInstaller", "EtcdEndpoints", "RemoveOldRedis", "RedisFlags", "PrepareJob", "ApplyCrds" };
    private readonly ITestOutputHelper _output;
    public MemberUndoStopPointsTests(ITestOutputHelper output) => _output = output;

    [KsUpgrade.Tests.Seeds.HelmFact]
    public async Task A_member_upgrade_stopped_after_or_in_each_step_before_helm_is_undone_to_its_pre_upgrade_state()
    {
        await using var sb = await UpgradeSandbox.StartAsync();
        var host = await sb.ConnectHostAsync();
        var member = await sb.ConnectAsync(Member);
        var hostUpgrade = await sb.RunHostUpgradeAsync(host, new RecordingEngineLog(), CancellationToken.None);
        Assert.True(hostUpgrade.Succeeded, hostUpgrade.StepsText + " " + hostUpgrade.Error);
        var before = KubeSphereState.Of(sb.Host.StateOf(Member));
        var memberApi = KubeApi.For(member, _ => { });

        // after each step, then in the middle of each (RedisFlags makes no request of its own the matrix targets)
        var cells = Steps.Select(s => new FaultCell(FaultKind.StoppedAfterStep, s, Scenario.Member))
            .Concat(Steps.Where(s => s != "RedisFlags").Select(s => new FaultCell(FaultKind.StoppedMidStep, s, Scenario.Member))).ToList();
        for (var i = 0; i < cells.Count; i++)
        {
            var cell = cells[i];
            var step = cell.ToString();
            using (var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
            {
                if (cell.Fault == FaultKind.StoppedAfterStep)
                {
                    var stop = new StopAfterStepLog(cell.Step, cts);
                    var run = await sb.RunMemberUpgradeAsync(member, host, stop, cts.Token);
                    Assert.True(stop.Fired, $"{step}: the member upgrade never reported {cell.Step} succeeded: {run.Error?.Message} ({run.StepsText})");
                    Assert.Equal(ErrorIds.Stopped, (run.Error as KsUpgradeException)?.ErrorId);
                }
                else
                {
                    var rule = sb.Host.AddFault(cell.Rule()!);
                    using var trigger = FaultTrigger.Arm(cell, sb, rule, cts);
                    var run = await sb.RunMemberUpgradeAsync(member, host, new RecordingEngineLog(), cts.Token);
                    Assert.Null(trigger!.Run1Problem(run)); // stopped in the middle of the step
                    sb.Host.ClearFaults();
                }
            }
            var journal = (await UpgradeJournal.ReadAsync(memberApi, CancellationToken.None))?.State;
            Assert.NotNull(journal);
            Assert.Equal(cell.Fault == FaultKind.StoppedAfterStep, journal!.IsDone(cell.Step));

            var undone = await MemberUndoOnSandboxTests.Undo(sb, member, new RecordingEngineLog(), host).RunAsync(CancellationToken.None);
            _output.WriteLine($"{step}; Undo: {string.Join(", ", undone.Steps.Select(s => $"{s.Name} {s.Status}"))}");
            Assert.True(undone.Succeeded, $"{step}: " + string.Join("; ", undone.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}")));
            await MemberUndoOnSandboxTests.AssertMemberBackAsync(sb, before);
            await MemberUndoOnSandboxTests.AssertHostSeesMemberOn34Async(host);
            Assert.Null(await UpgradeJournal.ReadAsync(memberApi, CancellationToken.None));
            // the next upgrade takes its own backup (a backup is never overwritten): this one is kept aside
            Directory.Move(sb.BackupPathOf(Member), sb.BackupPathOf(Member) + "-" + i);
        }

        var again = await sb.RunMemberUpgradeAsync(member, host, new RecordingEngineLog(), CancellationToken.None);
        Assert.True(again.Succeeded, again.StepsText + " " + again.Error);
    }
}
