using System.Collections.Concurrent;
using KsUpgrade.Engine;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Undo;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Reliability;
using KsUpgrade.Tests.Upgrade.Fakes;
using KsUpgrade.Tests.Upgrade.Sandbox;
using HelmTool = KsUpgrade.Tests.Seeds.HelmTool;

namespace KsUpgrade.Tests.Undo;

/// <summary>
/// What the Undo proofs share: the engine's upgrade and Undo on a sandbox with a given helm, the round trip's checks
/// (the KubeSphere state back to the pre-upgrade state, Test-KsCluster Preflight passing) and a runner that starts a
/// class's cells side by side (each in its own sandbox; they mostly wait on helm and jobs), as the fault matrix does.
/// </summary>
internal static class UndoProof
{
    public static string Helm(int major) => major == 3 ? HelmTool.Path : KsUpgrade.Tests.Sandbox.Helm4Runner.Path;

    public static ClusterUndo Undo(UpgradeSandbox sb, KsCluster host, IEngineLog log, string helm, string? backupPath = null) =>
        new(KubeApi.For(host, log.Verbose), new RealHelm(helm, sb.Host.KubeconfigPath, "host"), log,
            new UndoOptions { BackupPath = backupPath, PollInterval = TimeSpan.FromMilliseconds(100), HelmTimeout = TimeSpan.FromMinutes(2) });

    /// <summary>The host upgrade as <see cref="UpgradeSandbox.RunHostUpgradeAsync(KsCluster, IEngineLog, CancellationToken)"/> runs it, with the given helm.</summary>
    public static async Task<RunOutcome> UpgradeAsync(UpgradeSandbox sb, KsCluster host, IEngineLog log, string helm, CancellationToken ct)
    {
        if (helm == HelmTool.Path) return await sb.RunHostUpgradeAsync(host, log, ct);
        var upgrade = new ClusterUpgrade(KubeApi.For(host, log.Verbose), sb.Parameters(),
            new RealHelm(helm, sb.Host.KubeconfigPath, "host"), new FakeChecks(), log) { PollInterval = TimeSpan.FromMilliseconds(100) };
        try
        {
            return new RunOutcome(await upgrade.RunAsync(ct), null);
        }
        catch (Exception e)
        {
            var recording = log as RecordingEngineLog ?? (log as StopAfterStepLog)?.Inner;
            return new RunOutcome(recording?.Outputs.OfType<KsUpgradeResult>().LastOrDefault(), e);
        }
    }

    /// <summary>
    /// Where the KubeSphere-owned state differs from <paramref name="before"/> once the restored workloads rolled out
    /// (the sandbox's pods become ready after a while): empty as soon as it is equal, else the difference after 60 s.
    /// </summary>
    public static async Task<string> DifferenceFromAsync(UpgradeSandbox sb, KubeSphereState before)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var after = KubeSphereState.Of(sb.Host.StateOf("host"));
            var diff = StateNormaliser.Difference(before.Objects, after.Objects, 40);
            if (diff.Length == 0 && before.DeployedRelease != after.DeployedRelease)
                diff = $"deployed ks-core: before '{before.DeployedRelease}', now '{after.DeployedRelease}'";
            if (diff.Length == 0 || DateTime.UtcNow > deadline) return diff;
            await Task.Delay(500);
        }
    }

    /// <summary>Test-KsCluster -Phase Preflight as the cmdlet runs it (the engine's check runner), with the upgrade's values.</summary>
    public static Task<KsClusterReport> PreflightAsync(UpgradeSandbox sb, KsCluster host, string helm) =>
        ClusterTest.RunAsync(host, new ClusterTestOptions { Phase = KsCheckPhase.Preflight, HelmPath = helm, ValuesPath = sb.Parameters().ValuesPath },
            new RecordingEngineLog(), CancellationToken.None);

    /// <summary>The Preflight checks that warn on the untouched 3.4 sandbox (Id and message), taken once per process.</summary>
    private static readonly Lazy<Task<Dictionary<string, string>>> BaselineWarnings = new(async () =>
    {
        await using var sb = await UpgradeSandbox.StartAsync();
        var report = await PreflightAsync(sb, await sb.ConnectHostAsync(), HelmTool.Path);
        if (!report.Passed)
            throw new InvalidOperationException("Preflight fails on the untouched sandbox: " + string.Join("; ", report.Checks.Where(c => c.Status == KsCheckStatus.Failed).Select(c => $"{c.Id}: {c.Message}")));
        return report.Checks.Where(c => c.Status == KsCheckStatus.Warning).ToDictionary(c => c.Id, c => c.Message);
    });

    /// <summary>
    /// Null when Preflight passes after Undo: every check Passed or Skipped, or a Warning the untouched sandbox shows too
    /// (same check, same message); else what is wrong.
    /// </summary>
    public static async Task<string?> PreflightProblemAsync(UpgradeSandbox sb, KsCluster host, string helm)
    {
        var baseline = await BaselineWarnings.Value;
        var report = await PreflightAsync(sb, host, helm);
        var problems = report.Checks
            .Where(c => c.Status == KsCheckStatus.Failed || (c.Status == KsCheckStatus.Warning && baseline.GetValueOrDefault(c.Id) != c.Message))
            .Select(c => $"{c.Id} {c.Status}: {c.Message}").ToList();
        if (report.Phase != KsCheckPhase.Preflight) problems.Insert(0, $"Test-KsCluster chose phase {report.Phase}");
        return problems.Count == 0 ? null : "Preflight after Undo: " + string.Join("; ", problems);
    }

    /// <summary>The upgrade again, from the start, to success (the first backup is kept aside: a backup is never overwritten).</summary>
    public static async Task<string?> UpgradeAgainProblemAsync(UpgradeSandbox sb, KsCluster host, string helm)
    {
        if (Directory.Exists(sb.BackupPath)) Directory.Move(sb.BackupPath, sb.BackupPath + "-" + Guid.NewGuid().ToString("N")[..8]);
        var again = await UpgradeAsync(sb, host, new RecordingEngineLog(), helm, CancellationToken.None);
        if (!again.Succeeded) return $"the upgrade after Undo failed: {(again.Error as KsUpgradeException)?.ErrorId} {again.Error?.Message} ({again.StepsText})";
        var journal = (await UpgradeJournal.ReadAsync(KubeApi.For(host), CancellationToken.None))?.State;
        var notDone = ClusterUpgrade.StepNames.Where(n => journal?.Step(n)?.Status != JournalStatus.Succeeded).ToList();
        return notDone.Count == 0 ? null : $"the upgrade after Undo succeeded but its journal does not say succeeded for {string.Join(", ", notDone)}";
    }

    /// <summary>Starts every cell of a class once, side by side within <see cref="FaultMatrixBase.CellConcurrency"/>; a cell's task is its note.</summary>
    public sealed class CellRunner<TCell> where TCell : notnull
    {
        private readonly SemaphoreSlim _slots = new(Math.Max(2, FaultMatrixBase.CellConcurrency / 2));
        private readonly ConcurrentDictionary<TCell, Lazy<Task<string>>> _runs = new();
        private readonly Func<TCell, Task<string>> _run;

        public CellRunner(Func<TCell, Task<string>> run) => _run = run;

        public Task<string> Start(TCell cell) => _runs.GetOrAdd(cell, c => new Lazy<Task<string>>(() => Task.Run(async () =>
        {
            await _slots.WaitAsync();
            try { return await _run(c); }
            finally { _slots.Release(); }
        }))).Value;

        /// <summary>Starts all <paramref name="cells"/> and awaits <paramref name="cell"/>.</summary>
        public Task<string> RunAsync(TCell cell, IEnumerable<TCell> cells)
        {
            foreach (var c in cells) _ = Start(c);
            return Start(cell);
        }
    }
}
