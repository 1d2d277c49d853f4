namespace KsUpgrade.Tests;

/// <summary>The upgrade guide's example ks-core-values.yaml (tests/fixtures/ks-core-values.yaml), shared by the suites.</summary>
internal static class GuideValues
{
    private static readonly Lazy<string> Content = new(() => File.ReadAllText(Path));

    public static string Path => System.IO.Path.Combine(Seeds.HelmTool.FixturesDir(), "ks-core-values.yaml");

    public static string Text => Content.Value;

    /// <summary>The same values with upgrade.persistenceVolume.storageClassName set.</summary>
    public static string WithStorageClass(string storageClass) =>
        Text.Replace("storageClassName: \"\"", $"storageClassName: \"{storageClass}\"", StringComparison.Ordinal);
}
