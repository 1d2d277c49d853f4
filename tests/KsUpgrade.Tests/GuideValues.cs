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

    /// <summary>
    /// The smallest values the sandbox upgrade tests use: upgrade enabled, the core and iam jobs (the simulated ks-upgrade
    /// runs only these), the validator on. No trailing newline, so a test can append more jobs.
    /// </summary>
    public const string CoreAndIam = """
        upgrade:
          enabled: true
          config:
            storage:
              local:
                path: /tmp/ks-upgrade
            validator:
              ksVersion:
                enabled: true
            jobs:
              core:
                enabled: true
                priority: 10000
              iam:
                enabled: true
                priority: 999
        """;
}
