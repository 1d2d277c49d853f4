using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Checks.Preflight;
using KsUpgrade.Engine.Diagnostics;

namespace KsUpgrade.Engine.Upgrade.Wiring;

/// <summary>The upgrade's Preflight and PostCheck steps over Test-KsCluster's engine (<see cref="ClusterTest"/>).</summary>
public sealed class ClusterTestChecks : IUpgradeChecks
{
    private readonly KsCluster _cluster;
    private readonly UpgradeParameters _parameters;
    private readonly string? _helmPath;
    private readonly IEngineLog _log;
    private readonly IReadOnlyList<ClusterTestPeer> _peers;

    /// <summary>The post-upgrade checks' bar: its own activity, so the pre-flight's finished bar is not re-used.</summary>
    public const int PostUpgradeProgressActivityId = ClusterTest.ProgressActivityId + 1;

    private NestedProgress? _preflightProgress;
    private NestedProgress? _postUpgradeProgress;

    /// <param name="host">A member's host (-HostCluster): JwtSecretConsistent compares the two in both steps.</param>
    public ClusterTestChecks(KsCluster cluster, UpgradeParameters parameters, string? helmPath, IEngineLog log, KsCluster? host = null)
    {
        _cluster = cluster;
        _parameters = parameters;
        _helmPath = helmPath;
        _log = log;
        _peers = host is null ? Array.Empty<ClusterTestPeer>() : new[] { new ClusterTestPeer(host, KsClusterRole.Host) };
    }

    public async Task<CheckOutcome> PreflightAsync(ChartRenderFindings? render, CancellationToken ct) =>
        Outcome(await ClusterTest.RunAsync(_cluster, new ClusterTestOptions
        {
            Phase = KsCheckPhase.Preflight,
            ValuesPath = _parameters.ValuesPath,
            Chart = _parameters.Chart,
            HelmPath = _helmPath,
            ChartRender = render, // rendered by the upgrade itself, with its own --sets: not rendered twice
            RunByUpgrade = true,
            ChartLocation = _parameters.ChartOrigin ?? _parameters.Chart,
            HelmTimeout = _parameters.Timeout,
            ExtensionVersion = _parameters.ExtensionVersion,
            Peers = _peers,
        }, _preflightProgress ??= new NestedProgress(_log, ClusterTest.ProgressActivityId), ct).ConfigureAwait(false));

    /// <summary>
    /// The PostUpgrade checks. The post-check step may run them several times while the cluster settles, so what a run
    /// reports as a Warning goes to the Verbose stream here; the step reports the outcome.
    /// </summary>
    public async Task<CheckOutcome> PostUpgradeAsync(CancellationToken ct) =>
        Outcome(await ClusterTest.RunAsync(_cluster, new ClusterTestOptions
        {
            Phase = KsCheckPhase.PostUpgrade,
            HelmPath = _helmPath,
            Chart = _parameters.Chart, // the chart and app version expected deployed are this chart's
            RunByUpgrade = true,
            Peers = _peers,
        }, new WarningsAsVerbose(_postUpgradeProgress ??= new NestedProgress(_log, PostUpgradeProgressActivityId)), ct).ConfigureAwait(false));

    /// <summary>
    /// Failed when any check failed; the messages name each failed check (and warnings); FailingPods: the owners of the
    /// failing system pods SystemPodsHealthy listed (the pre-flight baseline).
    /// </summary>
    public static CheckOutcome Outcome(KsClusterReport report) => new(!report.Passed,
        report.Checks.Where(c => c.Status is KsCheckStatus.Failed or KsCheckStatus.Warning)
            .Select(c => $"{c.Id} {c.Status.ToString().ToLowerInvariant()}: {c.Message}").ToList())
    {
        FailingPods = SystemPods.FailingOwners(report["SystemPodsHealthy"]),
        FailedChecks = report.FailedChecks,
    };

    /// <summary>
    /// Test-KsCluster's bar inside an upgrade: a child of the upgrade's bar (ParentActivityId), under its own activity id,
    /// and never moving back: the post-check runs the checks again while the cluster settles, and a later run continues
    /// from where the bar stands instead of restarting at 0%.
    /// </summary>
    private sealed class NestedProgress(IEngineLog inner, int activityId) : ForwardingEngineLog(inner)
    {
        private int _max = -1;

        public override void Progress(int id, string activity, string status, int percent = -1, bool completed = false, int parentId = -1)
        {
            if (id != ClusterTest.ProgressActivityId)
            {
                Inner.Progress(id, activity, status, percent, completed, parentId);
                return;
            }
            _max = Math.Max(_max, percent);
            Inner.Progress(activityId, activity, status, _max, completed, ClusterUpgrade.ProgressId);
        }
    }

    private sealed class WarningsAsVerbose(IEngineLog inner) : ForwardingEngineLog(inner)
    {
        public override void Warning(string message) => Inner.Verbose(message);
    }
}
