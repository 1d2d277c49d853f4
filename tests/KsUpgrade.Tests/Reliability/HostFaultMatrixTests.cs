using System.Reflection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Seeds;
using Xunit.Abstractions;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// The host-upgrade fault matrix (issue 8): each cell injects one fault at one mutating step, runs the upgrade, clears
/// the faults and runs it again with the same parameters. A cell survives (run 1 succeeded), stops cleanly (run 1 ended
/// with a known ErrorId and run 2 reached the clean final state) or is broken (anything else, which fails the test).
/// </summary>
public abstract class HostFaultMatrixBase
{
    private readonly ITestOutputHelper _output;
    protected HostFaultMatrixBase(ITestOutputHelper output) => _output = output;

    private static readonly HashSet<string> KnownErrorIds = typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Concat(typeof(UpgradeErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static | BindingFlags.NonPublic))
        .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!).ToHashSet();

    public static IEnumerable<object[]> CellsOf(params string[] steps) => CellsOf(FaultGroups.FirstMatrix, steps);

    public static IEnumerable<object[]> CellsOf(IReadOnlyCollection<FaultKind> faults, params string[] steps) =>
        FaultCell.All().Where(c => faults.Contains(c.Fault) && steps.Contains(c.Step) && !KnownBroken.ContainsKey(c)).Select(c => new object[] { c.Fault, c.Step });

    /// <summary>
    /// Cells found broken, with what was seen; they are kept out of the green run (and listed in the table) until fixed.
    /// Remove an entry to run that cell again.
    /// </summary>
    public static readonly IReadOnlyDictionary<FaultCell, string> KnownBroken = new Dictionary<FaultCell, string>
    {
    };

    protected async Task RunCellAsync(FaultKind fault, string step)
    {
        var cell = new FaultCell(fault, step);
        var reference = await ReferenceState.GetAsync();
        var (outcome, note) = await ClassifyAsync(cell, reference);
        FaultMatrix.Record(cell, outcome, note);
        _output.WriteLine($"{cell}: {outcome} — {note}");
        _output.WriteLine("");
        _output.WriteLine(FaultMatrix.Table());
        Assert.True(outcome != CellOutcome.Broken, $"{cell} is broken: {note}");
    }

    private async Task<(CellOutcome, string)> ClassifyAsync(FaultCell cell, List<string> reference)
    {
        await using var sandbox = await UpgradeSandbox.StartAsync();
        var cluster = await sandbox.ConnectHostAsync();
        var api = KubeApi.For(cluster);

        // run 1, with the fault
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        IEngineLog log1 = new RecordingEngineLog();
        if (cell.Fault == FaultKind.StoppedAfterStep) log1 = new StopAfterStepLog(cell.Step, cts);
        else if (cell.Fault == FaultKind.JobFailed) sandbox.Host.FailJob("prepare-upgrade", "host");
        var rule = cell.Rule() is { } r ? sandbox.Host.AddFault(r) : null;
        using var trigger = FaultTrigger.Arm(cell, sandbox, rule, cts);
        var run1 = await sandbox.RunHostUpgradeAsync(cluster, log1, cts.Token);
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
        else if (run1.Error is not KsUpgradeException ke)
            return (CellOutcome.Broken, $"run 1 threw {run1.Error.GetType().Name}: {run1.Error.Message}");
        else if (string.IsNullOrEmpty(ke.ErrorId) || !KnownErrorIds.Contains(ke.ErrorId))
            return (CellOutcome.Broken, $"run 1 stopped with an unknown ErrorId '{ke.ErrorId}': {ke.Message}");
        else
        {
            var failedStep = run1.Result?.Steps.FirstOrDefault(s => s.Status == KsUpgradeStepStatus.Failed)?.Name;
            run1Note = $"run 1 stopped with {ke.ErrorId} at {failedStep ?? "?"}";
            // the journal tells the truth: the step that failed is recorded failed (or stopped), not done
            var journal1 = (await UpgradeJournal.ReadAsync(api, CancellationToken.None))?.State;
            if (failedStep is not null && journal1?.Step(failedStep) is { } rec && JournalStatus.IsDone(rec.Status))
                return (CellOutcome.Broken, $"{run1Note}, but the journal records {failedStep} as {rec.Status}");
        }

        if (trigger?.What is { } what) run1Note += $" ({what})";
        var backup1 = BackupSnapshot.Take(sandbox.BackupPath);
        if (backup1 is not null && BackupSnapshot.VerifyManifest(sandbox.BackupPath) is { } bad1)
            return (CellOutcome.Broken, $"{run1Note}; backup of run 1 not intact: {bad1}");

        // run 2: no fault, same parameters (resume)
        sandbox.Host.ClearFaults();
        var run2 = await sandbox.RunHostUpgradeAsync(cluster, new RecordingEngineLog(), CancellationToken.None);
        if (!run2.Succeeded)
            return (CellOutcome.Broken, $"{run1Note}; run 2 failed: {run2.Error?.GetType().Name} {(run2.Error as KsUpgradeException)?.ErrorId} {run2.Error?.Message} ({run2.StepsText})");

        var journal = (await UpgradeJournal.ReadAsync(api, CancellationToken.None))?.State;
        if (journal is null) return (CellOutcome.Broken, $"{run1Note}; no journal after run 2");
        var notDone = ClusterUpgrade.StepNames.Where(n => journal.Step(n)?.Status != JournalStatus.Succeeded).ToList();
        if (notDone.Count > 0)
            return (CellOutcome.Broken, $"{run1Note}; the journal does not say succeeded for {string.Join(", ", notDone.Select(n => $"{n} ({journal.Step(n)?.Status ?? "absent"})"))}");
        if (trigger?.Run2Problem(journal, ref run1Note) is { } problem2) return (CellOutcome.Broken, $"{run1Note}; {problem2}");

        if (BackupSnapshot.VerifyManifest(sandbox.BackupPath) is { } bad2)
            return (CellOutcome.Broken, $"{run1Note}; backup after run 2 not intact: {bad2}");
        if (backup1?.ChangedIn(BackupSnapshot.Take(sandbox.BackupPath)) is { } changed)
            return (CellOutcome.Broken, $"{run1Note}; run 2 overwrote the backup of run 1: {changed}");
        if (Directory.Exists(sandbox.BackupPath + ".partial"))
            return (CellOutcome.Broken, $"{run1Note}; a partial backup folder was left behind");

        var diff = StateNormaliser.Difference(reference, StateNormaliser.Normalise(sandbox.Host.StateOf("host"), out var failedRevisions));
        if (diff.Length > 0) return (CellOutcome.Broken, $"{run1Note}; the final state differs from a clean run: {diff}");
        if (failedRevisions > 0) run1Note += $" (helm history keeps {failedRevisions} failed revision(s) of the broken attempt)";

        return run1.Error is null
            ? (CellOutcome.Survived, run1Note)
            : (CellOutcome.StoppedCleanly, run1Note + "; run 2 resumed to the clean final state" + (backup1 is null ? "" : ", backup of run 1 kept"));
    }
}

// Split into classes so xunit runs them in parallel (one collection each).
public sealed class HostFaultMatrixBackupTests : HostFaultMatrixBase
{
    public HostFaultMatrixBackupTests(ITestOutputHelper output) : base(output) { }
    public static IEnumerable<object[]> Cells => CellsOf("Backup", "StopInstaller", "EtcdEndpoints");

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}

public sealed class HostFaultMatrixRedisAndJobTests : HostFaultMatrixBase
{
    public HostFaultMatrixRedisAndJobTests(ITestOutputHelper output) : base(output) { }
    public static IEnumerable<object[]> Cells => CellsOf("RemoveOldRedis", "PrepareJob");

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}

public sealed class HostFaultMatrixCrdsAndHelmTests : HostFaultMatrixBase
{
    public HostFaultMatrixCrdsAndHelmTests(ITestOutputHelper output) : base(output) { }
    public static IEnumerable<object[]> Cells => CellsOf("ApplyCrds", "HelmUpgrade");

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}

/// <summary>A theory skipped when helm v3.17.3 is not cached (as HelmFact).</summary>
public sealed class HelmTheoryAttribute : TheoryAttribute
{
    public HelmTheoryAttribute()
    {
        if (HelmTool.Path is null)
            Skip = "helm v3.17.3 not found: set KSUPGRADE_HELM3 or run `bash /work/wt/get-helm.sh`";
    }
}
