using KsUpgrade.Engine.Charts;
using KsUpgrade.Engine.Diagnostics;

namespace KsUpgrade.Engine.Upgrade.Wiring;

/// <summary>
/// Link 2 of 4 (UpgradeRun → UpgradeWiring → ClusterUpgrade → StepExecutor), called by <see cref="UpgradeRun"/> only.
/// Invoke-KsHostUpgrade / Invoke-KsMemberUpgrade with the real parts: the chart resolved by ChartSource (a URL is
/// downloaded to a temporary copy; the journal keys it on the archive's SHA-256 and shows the URL; -ChartSha256 is verified before anything else runs), helm through HelmClient, checks through ClusterTest.
/// </summary>
public static class UpgradeWiring
{
    public static async Task<KsUpgradeResult> RunAsync(KsCluster cluster, UpgradeParameters parameters, IEngineLog log,
        string? helmPath = null, KsCluster? host = null, CancellationToken ct = default)
    {
        using var chart = await ChartSource.ResolveAsync(parameters.Chart, parameters.ChartSha256, cancellationToken: ct).ConfigureAwait(false);
        var local = parameters with
        {
            Chart = chart.Path,
            ChartSha256 = null, // verified above; chart.Path is the extracted directory
            // the journal keys the chart on the archive's bytes (null for a folder: its files); a caller that already extracted
            // the archive (Invoke-KsUpgrade resolves the chart once for the fleet) passes the archive's digest along
            ChartArchiveSha256 = chart.ArchiveSha256 ?? parameters.ChartArchiveSha256,
            ChartOrigin = parameters.ChartOrigin ?? (Directory.Exists(parameters.Chart) || File.Exists(parameters.Chart) ? Path.GetFullPath(parameters.Chart) : parameters.Chart),
        };
        var upgrade = ClusterUpgrade.For(cluster, local, HelmClientUpgradeHelm.For(cluster, helmPath),
            new ClusterTestChecks(cluster, local, helmPath, log, host), log, host: host);
        return await upgrade.RunAsync(ct).ConfigureAwait(false);
    }
}
