namespace KsUpgrade.Engine.Upgrade;

/// <summary>A CRD document carried by the chart (crds/ folders of the chart and its subcharts).</summary>
public sealed record ChartCrd(string Source, string Yaml);

public sealed record UpgradeChartInfo(string Name, string Version, string? AppVersion, IReadOnlyList<ChartCrd> Crds);

/// <summary>Reads the chart the upgrade installs: its metadata and CRDs. <see cref="LocalChartReader"/> reads directories and .tgz files.</summary>
public interface IUpgradeChart
{
    /// <summary>Throws KsUpgradeException ChartNotFound / ChartInvalid.</summary>
    Task<UpgradeChartInfo> ReadAsync(string chart, CancellationToken ct);
}
