namespace KsUpgrade.Engine.Checks;

/// <summary>What Test-KsCluster was asked to do.</summary>
public sealed class CheckRequest
{
    /// <summary>Null: automatic (Preflight on a v3.x cluster, PostUpgrade on a v4.x cluster).</summary>
    public KsCheckPhase? Phase { get; init; }

    /// <summary>Values findings from the helm layer (Values/UpgradeValues.Load). Wins over <see cref="ValuesPath"/>.</summary>
    public ValuesFindings? Values { get; init; }

    /// <summary>A ks-core-values.yaml to inspect (with <see cref="LocalValuesInspector"/>) when <see cref="Values"/> is null.</summary>
    public string? ValuesPath { get; init; }

    /// <summary>The objects the target chart will create (from Charts/ChartSource); null skips ChartAdoption.</summary>
    public IReadOnlyList<ChartResourceRef>? ChartResources { get; init; }

    /// <summary>The verdict of rendering the chart as the upgrade will (null: ChartRenders is skipped).</summary>
    public ChartRenderFindings? ChartRender { get; init; }

    /// <summary>Why the chart was not rendered (shown by the skipped ChartRenders check).</summary>
    public string? ChartRenderSkipped { get; init; }

    /// <summary>The ks-core chart version PostUpgrade expects deployed (the chart's Chart.yaml when one is given).</summary>
    public string TargetChartVersion { get; init; } = "1.1.5";

    /// <summary>The ks-core appVersion PostUpgrade expects deployed (the chart's Chart.yaml when one is given).</summary>
    public string TargetAppVersion { get; init; } = "v4.1.3";

    /// <summary>Finds helm. Null: <see cref="ProcessHelmProbe"/> on PATH.</summary>
    public IHelmProbe? Helm { get; init; }

    /// <summary>The cluster being checked: copied into the report, and its versions and role are filled in.</summary>
    public KsCluster? Cluster { get; init; }

    /// <summary>
    /// The checks run inside Invoke-KsHostUpgrade/Invoke-KsMemberUpgrade (its Preflight and PostCheck steps): the upgrade
    /// handles its own journal, so UpgradeInProgress is Skipped.
    /// </summary>
    public bool RunByUpgrade { get; init; }

    /// <summary>
    /// Check Ids not to run (Test-KsCluster -ExcludeCheck, as <see cref="CheckIds.ForExclude"/> spells them): each is in the
    /// report as Skipped, saying so, and listed in <see cref="KsClusterReport.ExcludedChecks"/>.
    /// </summary>
    public IReadOnlyCollection<string> ExcludedChecks { get; init; } = Array.Empty<string>();

    /// <summary>Skip the inventory's object counts (saves one small LIST per counted kind).</summary>
    public bool SkipObjectCounts { get; init; }

    /// <summary>
    /// The ks-core chart the upgrade will use: the -Chart given, else ./charts/ks-core when it exists, else
    /// <see cref="Charts.KsCoreChartLocation.DefaultUrl"/> (the official URL, gone since mid-2025). Null: not known to
    /// this run (ChartAvailable is Skipped).
    /// </summary>
    public string? ChartLocation { get; init; }

    /// <summary>The helm --timeout the upgrade will use (Invoke-KsHostUpgrade -Timeout); null: its default, 30 minutes.</summary>
    public TimeSpan? HelmTimeout { get; init; }

    /// <summary>What Test-KsCluster -ProbeImages found (null: not probed; ImagesPullable is Skipped).</summary>
    public ImagePullProbeResult? ImageProbe { get; init; }

    /// <summary>Why the images were not probed (ImagesPullable's Skipped message), e.g. -WhatIf.</summary>
    public string? ImageProbeSkipped { get; init; }

    /// <summary>The extensions museum image tag the upgrade deploys (-ExtensionVersion); null: the upgrades' default.</summary>
    public string? ExtensionsMuseumTag { get; init; }

    /// <summary>The other clusters of the same multicluster setup (-MemberCluster on a host, -HostCluster on a member), for JwtSecretConsistent.</summary>
    public IReadOnlyList<PeerCluster> Peers { get; init; } = Array.Empty<PeerCluster>();
}

/// <summary>Another cluster of the same multicluster setup and the reader to read it with.</summary>
/// <param name="Name">How the report names it (its context).</param>
/// <param name="Role">What it was given as: Host (-HostCluster) or Member (-MemberCluster).</param>
public sealed record PeerCluster(string Name, KsClusterRole Role, IClusterReader Reader);

/// <summary>Progress of a run: Activity says what is happening; Result is set when a check has just finished.</summary>
public sealed record CheckProgress(string Activity, int Completed, int Total, KsCheckResult? Result = null)
{
    /// <summary>0 until the checks are counted (reading the cluster comes first: never 100% before 0%).</summary>
    public int PercentComplete => Total == 0 ? 0 : (int)(100.0 * Completed / Total);
}
