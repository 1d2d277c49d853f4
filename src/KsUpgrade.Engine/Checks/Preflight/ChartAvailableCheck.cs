using KsUpgrade.Engine.Charts;

namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// The ks-core chart the upgrade will use is at hand: -Chart, or ./charts/ks-core (upgrade.sh's convention). Without
/// either the upgrade would fall back to the official chart URL, and that download site (with the Docker Hub images)
/// has been gone since mid-2025 (upgrade-painpoints.md §1.1, first two rows).
/// </summary>
public sealed class ChartAvailableCheck : ClusterCheck
{
    public const string CheckId = "ChartAvailable";
    public override string Id => CheckId;
    public override string Title => "The ks-core chart is at hand";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var chart = ctx.Request.ChartLocation;
        if (chart is null)
            return Task.FromResult(Skipped("The chart this run would use is not known (the engine was called without it)."));
        if (string.Equals(chart, KsCoreChartLocation.DefaultUrl, StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(Failed(
                $"No -Chart was given and there is no ./charts/ks-core, so the upgrade would download {KsCoreChartLocation.DefaultUrl}; that site has answered HTML instead of the chart since mid-2025, and the KubeSphere images on Docker Hub are gone too.",
                "Get the ks-core 1.1.5 chart from a mirror and pass it with -Chart <folder or .tgz> (or unpack it into ./charts/ks-core where you run the upgrade), "
                + "and pass -ImageRegistry <your registry mirror> (and -ExtensionImageRegistry) to Invoke-KsHostUpgrade / Invoke-KsMemberUpgrade; then run Test-KsCluster -Chart <chart> again.",
                chart));
        return Task.FromResult(Passed($"The upgrade will use the chart {chart}.", chart));
    }
}
