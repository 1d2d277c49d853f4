using KsUpgrade.Engine;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Reliability;
using Xunit.Abstractions;

namespace KsUpgrade.Tests.Undo;

/// <summary>
/// The round trip from every point the fault matrix can stop the host upgrade at (issue 19, Proof): the upgrade stopped
/// after a step (<see cref="FaultKind.StoppedAfterStep"/>), in the middle of one (<see cref="FaultKind.StoppedMidStep"/>,
/// the fault matrix's tap and trigger), helm killed once it wrote its pending-upgrade record (<see cref="FaultKind.HelmKilled"/>),
/// or finished (<c>Completed</c>, also with helm 4) -> Undo-KsUpgrade's engine -> the KubeSphere-owned state equals the
/// pre-upgrade state (<see cref="KubeSphereState"/>) -> Test-KsCluster Preflight passes (all checks Passed or Skipped,
/// or warnings the untouched sandbox shows too) -> the upgrade runs again to success.
/// </summary>
public abstract class UndoRoundTripBase
{
    private readonly ITestOutputHelper _output;
    protected UndoRoundTripBase(ITestOutputHelper output) => _output = output;

    public sealed record Cell(string Fault, string Step, int HelmMajor = 3)
    {
        public override string ToString() => Fault == "Completed" ? $"Completed (helm {HelmMajor})" : $"{Fault}@{Step}";
    }

    protected static IEnumerable<object[]> Rows(IEnumerable<Cell> cells) => cells.Select(c => new object[] { c.Fault, c.Step, c.HelmMajor });

    private protected async Task RunAsync(UndoProof.CellRunner<Cell> runner, IEnumerable<Cell> all, string fault, string step, int helmMajor)
    {
        var note = await runner.RunAsync(new Cell(fault, step, helmMajor), all);
        _output.WriteLine(note);
    }

    protected static async Task<string> RoundTripAsync(Cell cell)
    {
        var helm = UndoProof.Helm(cell.HelmMajor);
        await using var sb = await UpgradeSandbox.StartAsync();
        var host = await sb.ConnectHostAsync();
        var before = KubeSphereState.Of(sb.Host.StateOf("host"));

        // the upgrade, stopped where the cell says (the fault matrix's faults and triggers)
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        RunOutcome run1;
        string what;
        if (cell.Fault == "Completed")
        {
            run1 = await UndoProof.UpgradeAsync(sb, host, new RecordingEngineLog(), helm, cts.Token);
            Assert.True(run1.Succeeded, $"{cell}: the upgrade failed: {run1.Error?.Message} ({run1.StepsText})");
            what = "upgrade completed";
        }
        else
        {
            var kind = Enum.Parse<FaultKind>(cell.Fault);
            var fc = new FaultCell(kind, cell.Step);
            IEngineLog log1 = kind == FaultKind.StoppedAfterStep ? new StopAfterStepLog(cell.Step, cts) : new RecordingEngineLog();
            var rule = kind == FaultKind.StoppedMidStep ? sb.Host.AddFault(fc.Rule()!) : null;
            using var trigger = FaultTrigger.Arm(fc, sb, rule, cts);
            run1 = await UndoProof.UpgradeAsync(sb, host, log1, helm, cts.Token);
            if (log1 is StopAfterStepLog stop)
            {
                Assert.True(stop.Fired, $"{cell}: the upgrade never reported {cell.Step} succeeded: {run1.Error?.Message} ({run1.StepsText})");
                // after HelmUpgrade only PostCheck is left, which may finish before it sees the stop
                if (run1.Error is null) Assert.True(run1.Succeeded, run1.StepsText);
                else Assert.Equal(ErrorIds.Stopped, (run1.Error as KsUpgradeException)?.ErrorId);
                what = run1.Error is null ? $"upgrade completed (stopped after {cell.Step}, it finished PostCheck first)" : $"upgrade stopped after {cell.Step}";
            }
            else
            {
                Assert.Null(trigger!.Run1Problem(run1));
                what = $"upgrade {trigger.What}";
            }
            sb.Host.ClearFaults();
        }
        var journal = (await UpgradeJournal.ReadAsync(KubeApi.For(host), CancellationToken.None))?.State;
        Assert.NotNull(journal);
        var done = ClusterUpgrade.StepNames.Where(n => journal!.IsDone(n)).ToList();
        what += $" (journal: {string.Join(", ", done)} done; ks-core latest {(await Engine.Helm.HelmReleaseReader.LatestAsync(KubeApi.For(host), KsNames.KubeSphereSystem, KsNames.KsCoreRelease))?.Status})";

        // Undo
        var log = new RecordingEngineLog();
        var undone = await UndoProof.Undo(sb, host, log, helm).RunAsync(CancellationToken.None);
        Assert.True(undone.Succeeded, $"{cell}: {what}; Undo: " + string.Join("; ", undone.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}")));

        var diff = await UndoProof.DifferenceFromAsync(sb, before);
        Assert.True(diff.Length == 0, $"{cell}: {what}; after Undo the KubeSphere state differs from the pre-upgrade state: {diff}");
        Assert.Null(await UndoProof.PreflightProblemAsync(sb, host, helm));
        Assert.Null(await UndoProof.UpgradeAgainProblemAsync(sb, host, helm));
        return $"{cell}: {what}; Undo: {string.Join(", ", undone.Steps.Select(s => $"{s.Name} {s.Status}"))}; pre-upgrade state back, Preflight passed, upgraded again";
    }
}

/// <summary>The upgrade stopped after or in the middle of each step before helm upgrade (their cells run side by side).</summary>
public sealed class UndoRoundTripStopTests : UndoRoundTripBase
{
    public UndoRoundTripStopTests(ITestOutputHelper output) : base(output) { }

    private static readonly string[] Steps = { "StopInstaller", "EtcdEndpoints", "RemoveOldRedis", "RedisFlags", "PrepareJob", "ApplyCrds" };

    private static IEnumerable<Cell> All()
    {
        foreach (var step in Steps) yield return new Cell(nameof(FaultKind.StoppedAfterStep), step);
        // RedisFlags makes no request of its own the matrix targets (ScenarioSteps): the stop after it is its cell
        foreach (var step in Steps.Where(s => s != "RedisFlags")) yield return new Cell(nameof(FaultKind.StoppedMidStep), step);
    }

    public static IEnumerable<object[]> Cells => Rows(All());
    private static readonly UndoProof.CellRunner<Cell> Runner = new(RoundTripAsync);

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Undo_from_where_the_upgrade_stopped_gives_back_the_pre_upgrade_state_and_the_upgrade_runs_again(string fault, string step, int helmMajor) =>
        RunAsync(Runner, All(), fault, step, helmMajor);
}

/// <summary>
/// The upgrade stopped in helm upgrade (after it, in its middle: the release left pending-upgrade; helm killed once it
/// wrote its pending-upgrade record) and completed with helm 4 (with helm 3 it is <see cref="UndoOnSandboxTests"/>'s).
/// </summary>
public sealed class UndoRoundTripHelmTests : UndoRoundTripBase
{
    public UndoRoundTripHelmTests(ITestOutputHelper output) : base(output) { }

    private static IEnumerable<Cell> All() => new[]
    {
        new Cell(nameof(FaultKind.StoppedAfterStep), "HelmUpgrade"),
        new Cell(nameof(FaultKind.StoppedMidStep), "HelmUpgrade"),
        new Cell(nameof(FaultKind.HelmKilled), "HelmUpgrade"),
        new Cell("Completed", "", 4),
    };

    public static IEnumerable<object[]> Cells => Rows(All());
    private static readonly UndoProof.CellRunner<Cell> Runner = new(RoundTripAsync);

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Undo_from_where_the_upgrade_stopped_gives_back_the_pre_upgrade_state_and_the_upgrade_runs_again(string fault, string step, int helmMajor) =>
        RunAsync(Runner, All(), fault, step, helmMajor);
}
