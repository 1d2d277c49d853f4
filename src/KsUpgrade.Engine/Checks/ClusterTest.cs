using KsUpgrade.Engine.Charts;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Checks;

/// <summary>What Test-KsCluster was given.</summary>
public sealed record ClusterTestOptions
{
    public KsCheckPhase? Phase { get; init; }
    public string? ValuesPath { get; init; }
    /// <summary>Chart directory or .tgz whose objects are checked for helm adoption conflicts.</summary>
    public string? Chart { get; init; }
    public string? HelmPath { get; init; }
    /// <summary>Run by the upgrade's Preflight/PostCheck steps (<see cref="CheckRequest.RunByUpgrade"/>).</summary>
    public bool RunByUpgrade { get; init; }
}

/// <summary>Test-KsCluster: wires the cluster reader, helm probe, values and chart into the check engine.</summary>
public static class ClusterTest
{
    public const int ProgressActivityId = 4101;

    public static async Task<KsClusterReport> RunAsync(KsCluster cluster, ClusterTestOptions options, IEngineLog log, CancellationToken ct)
    {
        var client = ClusterConnector.Client(cluster);
        var values = options.ValuesPath is null ? null : LocalValuesInspector.Inspect(options.ValuesPath);
        var chartResources = options.Chart is null ? null : await RenderChartResourcesAsync(options, log, ct).ConfigureAwait(false);
        var request = new CheckRequest
        {
            Phase = options.Phase,
            Values = values,
            ChartResources = chartResources,
            Helm = new ProcessHelmProbe(options.HelmPath),
            Cluster = cluster,
            RunByUpgrade = options.RunByUpgrade,
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
            report = await new ClusterChecker(new KubeClusterReader(client), null).RunAsync(request, progress, ct).ConfigureAwait(false);
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

    /// <summary>The objects the chart would create: rendered client-side with the values file; null (check skipped) when helm is missing.</summary>
    private static async Task<IReadOnlyList<ChartResourceRef>?> RenderChartResourcesAsync(ClusterTestOptions options, IEngineLog log, CancellationToken ct)
    {
        using var chart = ChartSource.Resolve(options.Chart!);
        var helmPath = HelmLocator.TryFind(options.HelmPath);
        if (helmPath is null)
        {
            log.Warning("helm was not found, so the chart cannot be rendered: the ChartAdoption check is skipped.");
            return null;
        }
        var request = new HelmTemplateRequest
        {
            ReleaseName = KsCoreChartValues.ReleaseName,
            Namespace = KsCoreChartValues.Namespace,
            Chart = chart.Path,
            ValueFiles = options.ValuesPath is null ? Array.Empty<string>() : new[] { options.ValuesPath },
            IsUpgrade = true,
        };
        string rendered;
        try
        {
            rendered = await new HelmClient(helmPath).TemplateAsync(request, ct).ConfigureAwait(false);
        }
        catch (KsUpgradeException e)
        {
            log.Warning($"The chart could not be rendered ({e.Message}): the ChartAdoption check is skipped.");
            return null;
        }
        return HelmManifest.Split(rendered, chart.Origin)
            .Where(d => d.Hook is null)
            .Select(d => new ChartResourceRef(d.ApiVersion, d.Kind, d.Namespace, d.Name))
            .ToList();
    }

    /// <summary>IProgress that reports on the caller's thread (no synchronization context hop).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
