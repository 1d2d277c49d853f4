using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Members;
using KsUpgrade.Engine.Upgrade;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// A cell of the host or member matrix: the fault in run 1, then run 2 with the same parameters; the journal, the
/// backup and the whole final state (of the upgraded cluster, and for a member of the host too) are checked.
/// </summary>
internal static class UpgradeCells
{
    public static async Task<(CellOutcome, string)> ClassifyAsync(FaultCell cell)
    {
        var member = cell.Scenario == Scenario.Member;
        var reference = await ReferenceState.GetAsync(cell.Scenario);
        var start = member ? await ReferenceState.MemberStartAsync() : null;
        // a watch can only be cut after an event: helm must be watching its hook Job before the Job completes (at the
        // seed's half-second jobs a loaded machine sometimes let the Job finish first, and helm's list saw it done)
        if (start is not null && cell.Fault == FaultKind.WatchCut) start = start.WithJobRunSeconds(3);
        await using var sandbox = await UpgradeSandbox.StartAsync(start);
        var target = member ? ScenarioSteps.MemberCluster : "host";
        var hostCluster = await sandbox.ConnectHostAsync();
        var cluster = member ? await sandbox.ConnectAsync(target) : hostCluster;
        var api = KubeApi.For(cluster);
        var backupPath = sandbox.BackupPathOf(target);
        Task<RunOutcome> Run(IEngineLog log, CancellationToken ct) => member
            ? sandbox.RunMemberUpgradeAsync(cluster, hostCluster, log, ct)
            : sandbox.RunHostUpgradeAsync(cluster, log, ct);

        // run 1, with the fault
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        IEngineLog log1 = new RecordingEngineLog();
        if (cell.Fault == FaultKind.StoppedAfterStep) log1 = new StopAfterStepLog(cell.Step, cts);
        else if (cell.Fault == FaultKind.JobFailed) sandbox.Host.FailJob(ScenarioSteps.Target(cell.Scenario, cell.Step).Job!, target);
        var rule = cell.Rule() is { } r ? sandbox.Host.AddFault(r) : null;
        using var trigger = FaultTrigger.Arm(cell, sandbox, rule, cts);
        var run1 = await Run(log1, cts.Token);
        if (trigger?.Run1Problem(run1) is { } problem) return (CellOutcome.Broken, problem);
        // the cell is only meaningful if its fault was hit: a limited rule is gone once all its times were used; a run
        // that survived must have used them all, a run that stopped (helm does not retry) at least one
        if (rule?.Times is not null && sandbox.Host.Faults.Rules.FirstOrDefault(x => x.Id == rule.Id) is { } left
            && (run1.Error is null || left.Times == rule.Times))
            return (CellOutcome.Broken, $"the fault was not used up in run 1 ({left.Times} of {rule.Times} left): it does not target what {cell.Step} calls");
        if (cell.Fault is FaultKind.Persistent500 or FaultKind.JobFailed && run1.Error is null)
            return (CellOutcome.Broken, $"run 1 succeeded although {cell.Fault} stays until cleared: the fault does not reach {cell.Step}");
        if (log1 is StopAfterStepLog { Fired: false })
            return (CellOutcome.Broken, $"run 1 never reported {cell.Step} succeeded: {run1.Error?.Message} ({run1.StepsText})");

        string run1Note;
        if (run1.Error is null)
        {
            if (!run1.Succeeded) return (CellOutcome.Broken, "run 1 returned a result that did not succeed: " + run1.StepsText);
            run1Note = "run 1 succeeded";
        }
        else if (FaultMatrixBase.UnknownStop(run1.Error) is { } unknown)
            return (CellOutcome.Broken, unknown);
        else
        {
            var ke = (KsUpgradeException)run1.Error;
            var failedStep = run1.FailedStepName;
            run1Note = $"run 1 stopped with {ke.ErrorId} at {failedStep ?? "?"}";
            // the journal tells the truth: the step that failed is recorded failed (or stopped), not done
            var journal1 = (await UpgradeJournal.ReadAsync(api, CancellationToken.None))?.State;
            if (failedStep is not null && journal1?.Step(failedStep) is { } rec && JournalStatus.IsDone(rec.Status))
                return (CellOutcome.Broken, $"{run1Note}, but the journal records {failedStep} as {rec.Status}");
            // -HostCluster removes the taint only after the member's upgrade succeeded
            if (member && run1.Result?.Succeeded != true && !await SchedulableOnHostAsync(hostCluster, target))
                return (CellOutcome.Broken, $"{run1Note}, but the member's Schedulable condition is already gone from the host");
        }

        if (trigger?.What is { } what) run1Note += $" ({what})";
        var backup1 = BackupSnapshot.Take(backupPath);
        if (backup1 is not null && BackupSnapshot.VerifyManifest(backupPath) is { } bad1)
            return (CellOutcome.Broken, $"{run1Note}; backup of run 1 not intact: {bad1}");

        // run 2: no fault, same parameters (resume)
        sandbox.Host.ClearFaults();
        var run2 = await Run(new RecordingEngineLog(), CancellationToken.None);
        if (!run2.Succeeded)
            return (CellOutcome.Broken, $"{run1Note}; run 2 failed: {run2.Error?.GetType().Name} {(run2.Error as KsUpgradeException)?.ErrorId} {run2.Error?.Message} ({run2.StepsText})");

        var journal = (await UpgradeJournal.ReadAsync(api, CancellationToken.None))?.State;
        if (journal is null) return (CellOutcome.Broken, $"{run1Note}; no journal after run 2");
        var notDone = ClusterUpgrade.StepNames.Where(n => journal.Step(n)?.Status != JournalStatus.Succeeded).ToList();
        if (notDone.Count > 0)
            return (CellOutcome.Broken, $"{run1Note}; the journal does not say succeeded for {string.Join(", ", notDone.Select(n => $"{n} ({journal.Step(n)?.Status ?? "absent"})"))}");
        if (trigger?.Run2Problem(journal, ref run1Note) is { } problem2) return (CellOutcome.Broken, $"{run1Note}; {problem2}");
        if (member)
        {
            if (await SchedulableOnHostAsync(hostCluster, target))
                return (CellOutcome.Broken, $"{run1Note}; run 2 succeeded but {target} still has its Schedulable condition on the host");
        }

        if (BackupSnapshot.VerifyManifest(backupPath) is { } bad2)
            return (CellOutcome.Broken, $"{run1Note}; backup after run 2 not intact: {bad2}");
        if (backup1?.ChangedIn(BackupSnapshot.Take(backupPath)) is { } changed)
            return (CellOutcome.Broken, $"{run1Note}; run 2 overwrote the backup of run 1: {changed}");
        if (Directory.Exists(backupPath + ".partial"))
            return (CellOutcome.Broken, $"{run1Note}; a partial backup folder was left behind");

        // eventually: KubeSphere's cluster controller writes the clusters' versions on the host one resync after the upgrade
        var diff = await reference.SettledDifferenceAsync(sandbox);
        reference.Difference(sandbox, out var failedRevisions);
        if (diff.Length > 0) return (CellOutcome.Broken, $"{run1Note}; the final state differs from a clean run: {diff}");
        if (failedRevisions > 0) run1Note += $" (helm history keeps {failedRevisions} failed revision(s) of the broken attempt)";

        return run1.Error is null
            ? (CellOutcome.Survived, run1Note)
            : (CellOutcome.StoppedCleanly, run1Note + "; run 2 resumed to the clean final state" + (backup1 is null ? "" : ", backup of run 1 kept"));
    }

    private static async Task<bool> SchedulableOnHostAsync(KsCluster host, string member) =>
        (await MemberClusters.ListAsync(host, member, new RecordingEngineLog(), CancellationToken.None)).Single().Tainted;
}
