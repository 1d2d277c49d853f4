using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Diagnostics;

namespace KsUpgrade.Engine.Upgrade.Wiring;

/// <summary>The upgrade's pre-flight and post-upgrade checks: Test-KsCluster's engine on the same cluster.</summary>
public sealed class ClusterCheckerUpgradeChecks : IUpgradeChecks
{
    private readonly KsCluster _cluster;
    private readonly ClusterTestOptions _options;
    private readonly IEngineLog _log;

    public ClusterCheckerUpgradeChecks(KsCluster cluster, ClusterTestOptions options, IEngineLog log)
    {
        _cluster = cluster;
        _options = options;
        _log = log;
    }

    /// <summary>The last report, for callers that want the details.</summary>
    public KsClusterReport? LastReport { get; private set; }

    public Task<CheckOutcome> PreflightAsync(CancellationToken ct) => RunAsync(KsCheckPhase.Preflight, ct);

    public Task<CheckOutcome> PostUpgradeAsync(CancellationToken ct) => RunAsync(KsCheckPhase.PostUpgrade, ct);

    private async Task<CheckOutcome> RunAsync(KsCheckPhase phase, CancellationToken ct)
    {
        var report = await ClusterTest.RunAsync(_cluster, _options with { Phase = phase }, _log, ct).ConfigureAwait(false);
        LastReport = report;
        return Outcome(report);
    }

    /// <summary>Failed when any check failed; one message per failed check (or, when none failed, per warning).</summary>
    public static CheckOutcome Outcome(KsClusterReport report)
    {
        var failed = report.Checks.Where(c => c.Status == KsCheckStatus.Failed).ToList();
        var shown = failed.Count > 0 ? failed : report.Checks.Where(c => c.Status == KsCheckStatus.Warning).ToList();
        return new CheckOutcome(failed.Count > 0, shown.Select(c => $"{c.Id}: {c.Message}" + (string.IsNullOrEmpty(c.Remedy) || failed.Count == 0 ? "" : $" ({c.Remedy})")).ToList());
    }
}
