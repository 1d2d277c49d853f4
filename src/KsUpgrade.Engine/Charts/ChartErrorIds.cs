namespace KsUpgrade.Engine.Charts;

/// <summary>ErrorIds of the chart layer (in addition to <see cref="ErrorIds"/> and <see cref="Helm.HelmErrorIds"/>). Never rename one.</summary>
public static class ChartErrorIds
{
    /// <summary>
    /// The chart archive's SHA-256 is not the one -ChartSha256 expects (category SecurityError). The chart was not used:
    /// nothing was extracted for helm and nothing in the cluster changed.
    /// </summary>
    public const string ChartDigestMismatch = "KsUpgrade.ChartDigestMismatch";
}
