using KsUpgrade.Engine.Charts;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Checks;

/// <summary>What Test-KsCluster was given.</summary>
public sealed record ClusterTestOptions
{
    public KsCheckPhase? Phase { get; init; }
    public string? ValuesPath { get; init; }
    /// <summary>Chart directory or .tgz whose objects are checked for helm adoption conflicts.</summary>
    public string? Chart { get; init; }
    public string? HelmPath { get; init; }
    /// <summary>The upgrade's own render proof of <see cref="Chart"/> (the upgrade passes it: the chart is not rendered again).</summary>
    public ChartRenderFindings? ChartRender { get; init; }
    /// <summary>Renders the local chart (its path is passed) as the upgrade would, against this cluster; null: ChartRenders and ChartAdoption are skipped.</summary>
    public Func<string, CancellationToken, Task<ChartRenderFindings>>? RenderChart { get; init; }
    /// <summary>Check Ids not to run (-ExcludeCheck): reported as Skipped; an unknown Id is KsUpgrade.CheckIdUnknown.</summary>
    public IReadOnlyList<string>? ExcludedChecks { get; init; }
    /// <summary>Run by the upgrade's Preflight/PostCheck steps (<see cref="CheckRequest.RunByUpgrade"/>).</summary>
    public bool RunByUpgrade { get; init; }
    /// <summary>
    /// The chart the upgrade will use, for ChartAvailable: given, it wins; else with <see cref="WorkingDirectory"/> the
    /// upgrade's default (./charts/ks-core, else the official URL); else not known.
    /// </summary>
    public string? ChartLocation { get; init; }
    /// <summary>PowerShell's current directory, where the upgrade looks for ./charts/ks-core.</summary>
    public string? WorkingDirectory { get; init; }
    /// <summary>The helm --timeout the upgrade will use (null: its default).</summary>
    public TimeSpan? HelmTimeout { get; init; }
    /// <summary>
    /// Test-KsCluster -ProbeImages: the image settings whose images a short-lived Job pulls (null: not probed, the run
    /// only reads). The cmdlet sets it only after ShouldProcess.
    /// </summary>
    public KsCoreImageSettings? ProbeImages { get; init; }
    /// <summary>Why -ProbeImages did not run (e.g. -WhatIf), shown by the skipped ImagesPullable.</summary>
    public string? ProbeImagesSkipped { get; init; }
    /// <summary>How long the probe waits for the kubelet to pull every image.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How often the probe polls its pod.</summary>
    public TimeSpan ProbePollInterval { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>The extensions museum tag the upgrade will deploy (-ExtensionVersion; null: its default).</summary>
    public string? ExtensionVersion { get; init; }
    /// <summary>The other clusters of the setup (-MemberCluster / -HostCluster), for JwtSecretConsistent.</summary>
    public IReadOnlyList<ClusterTestPeer> Peers { get; init; } = Array.Empty<ClusterTestPeer>();
}

/// <summary>Another cluster given to Test-KsCluster, and as what (Host for -HostCluster, Member for -MemberCluster).</summary>
public sealed record ClusterTestPeer(KsCluster Cluster, KsClusterRole Role);

/// <summary>Test-KsCluster: wires the cluster reader, helm probe, values and chart into the check engine.</summary>
public static class ClusterTest
{
    public const int ProgressActivityId = 4101;

    public static async Task<KsClusterReport> RunAsync(KsCluster cluster, ClusterTestOptions options, IEngineLog log, CancellationToken ct)
    {
        var excluded = CheckIds.ForExclude(options.ExcludedChecks);
        var api = KubeApi.For(cluster, log.Verbose);
        var values = options.ValuesPath is null ? null : LocalValuesInspector.Inspect(options.ValuesPath);
        var (render, skipped, target) = options.Chart is null ? (null, null, null) : await RenderChartAsync(options, ct).ConfigureAwait(false);
        var probe = options.ProbeImages is { } images
            ? await ProbeImagesAsync(cluster, api, images, render, values, options, log, ct).ConfigureAwait(false)
            : null;
        var defaults = new CheckRequest();
        var request = new CheckRequest
        {
            Phase = options.Phase,
            Values = values,
            ChartRender = render,
            ChartRenderSkipped = skipped,
            ChartResources = render is { Failed: false } ? render.Resources : null,
            Helm = new ProcessHelmProbe(options.HelmPath),
            Cluster = cluster,
            // the chart given is the chart expected deployed (PostUpgrade), not a constant
            TargetChartVersion = target?.Version ?? defaults.TargetChartVersion,
            TargetAppVersion = target?.AppVersion ?? defaults.TargetAppVersion,
            RunByUpgrade = options.RunByUpgrade,
            ExcludedChecks = excluded,
            ChartLocation = options.ChartLocation ?? options.Chart
                ?? (options.WorkingDirectory is { } cwd ? KsCoreChartLocation.Default(cwd) : null),
            HelmTimeout = options.HelmTimeout,
            ExtensionsMuseumTag = options.ExtensionVersion ?? options.ProbeImages?.ExtensionVersion,
            ImageProbe = probe,
            ImageProbeSkipped = options.ProbeImagesSkipped,
            Peers = options.Peers.Select(p => new PeerCluster(p.Cluster.Context, p.Role,
                new KubeClusterReader(KubeApi.For(p.Cluster, log.Verbose)))).ToList(),
        };
        var activity = $"Test-KsCluster {cluster.Context}";
        var progress = new SynchronousProgress<CheckProgress>(p =>
        {
            log.Progress(ProgressActivityId, activity, p.Activity, p.PercentComplete);
            if (p.Result is { Status: KsCheckStatus.Failed } failed)
                log.Warning($"{failed.Id} failed on {cluster.Context}: {failed.Message}");
        });
        KsClusterReport report;
        try
        {
            report = await new ClusterChecker(new KubeClusterReader(api), null).RunAsync(request, progress, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not KsUpgradeException)
        {
            throw ApiErrors.Map(e, cluster.Context, cluster.Server, "checking the cluster", ct);
        }
        log.Progress(ProgressActivityId, activity, "done", 100, completed: true);
        log.Verbose($"{cluster.Context}: {report.Phase} {(report.Passed ? "passed" : "FAILED")} " +
                    $"({report.Checks.Count(c => c.Status == KsCheckStatus.Failed)} failed, {report.Checks.Count(c => c.Status == KsCheckStatus.Warning)} warnings) in {report.Duration.TotalSeconds:0.00} s.");
        return report;
    }

    /// <summary>
    /// With -Chart: the chart's Chart.yaml (the versions PostUpgrade expects) and, for Preflight, the render proof
    /// (ChartRenders; its release objects feed ChartAdoption). A chart that cannot be read stops Test-KsCluster.
    /// </summary>
    private static async Task<(ChartRenderFindings? Render, string? Skipped, ChartMetadata? Target)> RenderChartAsync(ClusterTestOptions options, CancellationToken ct)
    {
        using var chart = ChartSource.Resolve(options.Chart!);
        if (options.Phase == KsCheckPhase.PostUpgrade) return (null, null, chart.Metadata);
        if (options.ChartRender is not null) return (options.ChartRender, null, chart.Metadata);
        if (options.RenderChart is null) return (null, "The chart was not rendered (no renderer given).", chart.Metadata);
        if (options.ValuesPath is null) return (null, "-Chart needs -ValuesPath: the chart is rendered with the values the upgrade will use.", chart.Metadata);
        if (HelmLocator.TryFind(options.HelmPath) is null) return (null, "helm was not found, so the chart cannot be rendered (HelmVersion says why).", chart.Metadata);
        return (await options.RenderChart(chart.Path, ct).ConfigureAwait(false), null, chart.Metadata);
    }

    /// <summary>
    /// -ProbeImages: the images of the run (those the rendered chart runs, else those the parameters name), pulled by a
    /// short-lived Job with the values' global.imagePullSecrets.
    /// </summary>
    private static async Task<ImagePullProbeResult> ProbeImagesAsync(KsCluster cluster, IKubeApi api, KsCoreImageSettings images,
        ChartRenderFindings? render, ValuesFindings? values, ClusterTestOptions options, IEngineLog log, CancellationToken ct)
    {
        images.Validate();
        var secrets = values?.ImagePullSecrets ?? Array.Empty<string>();
        try
        {
            var fromChart = render is { Failed: false, Images.Count: > 0 };
            var result = await ImagePullProbe.RunAsync(api, log, ImagePullProbe.ImagesFor(images, render), secrets, options.ProbeTimeout, options.ProbePollInterval, ct).ConfigureAwait(false);
            return fromChart ? result : result with { NotProbed = ImagePullProbe.NotProbedWithoutChart };
        }
        catch (Exception e) when (e is not KsUpgradeException and not OperationCanceledException)
        {
            throw ApiErrors.Map(e, cluster.Context, cluster.Server, "probing the images", ct);
        }
    }

    /// <summary>IProgress that reports on the caller's thread (no synchronization context hop).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
