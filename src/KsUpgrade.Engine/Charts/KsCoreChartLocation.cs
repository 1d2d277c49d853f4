namespace KsUpgrade.Engine.Charts;

/// <summary>Where the ks-core chart comes from when -Chart is not given.</summary>
public static class KsCoreChartLocation
{
    /// <summary>The official ks-core 1.1.5 chart, as upgrade.sh pulls it. (Since mid-2025 that host may answer HTML: pass a local -Chart.)</summary>
    public const string DefaultUrl = "https://charts.kubesphere.io/main/ks-core-1.1.5.tgz";

    /// <summary>Where the default looks for a local chart, relative to the current location (upgrade.sh's convention).</summary>
    public static readonly string LocalRelativePath = Path.Combine("charts", "ks-core");

    /// <summary>upgrade.sh's convention first (./charts/ks-core unpacked in the working directory), else the official URL.</summary>
    public static string Default(string workingDirectory)
    {
        var local = Path.Combine(workingDirectory, LocalRelativePath);
        return File.Exists(Path.Combine(local, "Chart.yaml")) ? local : DefaultUrl;
    }

    /// <summary>
    /// The download of the default URL failed: says that -Chart was not given, so the default was used, and where a local
    /// chart would have been taken from.
    /// </summary>
    public static KsUpgradeException DefaultDownloadFailed(KsUpgradeException e) =>
        new(e.ErrorId, e.Category,
            $"-Chart was not given and there is no chart at .{Path.DirectorySeparatorChar}{LocalRelativePath} (a folder with Chart.yaml, under the current location), " +
            $"so the default, the official chart {DefaultUrl}, was downloaded, and that failed: {e.Message}", DefaultUrl, e)
        {
            Remedy = $"Keep a local copy of the ks-core 1.1.5 chart (that site has been unreliable since mid-2025): unpack it to .{Path.DirectorySeparatorChar}{LocalRelativePath} " +
                     "under the current location, or pass -Chart <folder, .tgz or https URL>; then run the same command again.",
        };
}
