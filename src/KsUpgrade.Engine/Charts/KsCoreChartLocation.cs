namespace KsUpgrade.Engine.Charts;

/// <summary>Where the ks-core chart comes from when -Chart is not given.</summary>
public static class KsCoreChartLocation
{
    /// <summary>The official ks-core 1.1.5 chart, as upgrade.sh pulls it. (Since mid-2025 that host may answer HTML: pass a local -Chart.)</summary>
    public const string DefaultUrl = "https://charts.kubesphere.io/main/ks-core-1.1.5.tgz";

    /// <summary>upgrade.sh's convention first (./charts/ks-core unpacked in the working directory), else the official URL.</summary>
    public static string Default(string workingDirectory)
    {
        var local = Path.Combine(workingDirectory, "charts", "ks-core");
        return File.Exists(Path.Combine(local, "Chart.yaml")) ? local : DefaultUrl;
    }
}
