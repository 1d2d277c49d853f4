using KsUpgrade.Engine.Charts;

namespace KsUpgrade.Engine.Upgrade;

/// <summary>Reads a chart directory or .tgz through the chart layer (<see cref="ChartSource"/>): Chart.yaml and every crds/ folder, subcharts included.</summary>
public sealed class LocalChartReader : IUpgradeChart
{
    public Task<UpgradeChartInfo> ReadAsync(string chart, CancellationToken ct)
    {
        if (!Directory.Exists(chart) && !File.Exists(chart))
            throw new KsUpgradeException(ErrorIds.ChartNotFound, KsErrorCategory.ObjectNotFound,
                $"The chart '{chart}' is neither a directory nor a file.", chart)
                { Remedy = "Pass -Chart with the ks-core chart directory or .tgz (download it first when offline)." };
        using var local = ChartSource.Resolve(chart);
        var crds = local.ReadCrds().Select(c => new Upgrade.ChartCrd(c.Path, c.Yaml)).ToList();
        return Task.FromResult(new UpgradeChartInfo(local.Metadata.Name, local.Metadata.Version, local.Metadata.AppVersion, crds));
    }
}
