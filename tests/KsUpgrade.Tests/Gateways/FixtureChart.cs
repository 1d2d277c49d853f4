using KsUpgrade.Tests.Seeds;

namespace KsUpgrade.Tests.Gateways;

/// <summary>The repository's ks-core fixture charts and the real helm (see Seeds/HelmTool).</summary>
internal static class FixtureChart
{
    public static string KsCore => Path.Combine(HelmTool.FixturesDir(), "ks-core");
    public static string KsCore114 => Path.Combine(HelmTool.FixturesDir(), "ks-core-1.1.4");
    public static string Helm => HelmTool.Path;
}
