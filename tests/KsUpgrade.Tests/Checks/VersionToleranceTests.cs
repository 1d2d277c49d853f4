using KsUpgrade.Engine.Checks;

namespace KsUpgrade.Tests.Checks;

public class VersionToleranceTests
{
    [Theory]
    [InlineData("v1.26.15+k3s1", 1, 26, 15)]
    [InlineData("1.21.0-rc.1", 1, 21, 0)]
    [InlineData("v3.4.1", 3, 4, 1)]
    [InlineData("V4.1", 4, 1, 0)]
    [InlineData("v1.28.9-eks-036c24b", 1, 28, 9)]
    public void Parses_MajorMinorPatch_IgnoringPrefixAndSuffix(string text, int major, int minor, int patch)
    {
        Assert.True(LooseVersion.TryParse(text, out var v));
        Assert.Equal(new LooseVersion(major, minor, patch), v);
    }

    [Theory]
    [InlineData("")]
    [InlineData("latest")]
    [InlineData(null)]
    public void Rejects_NonVersions(string? text) => Assert.False(LooseVersion.TryParse(text, out _));

    [Fact]
    public void Compares_Numerically()
    {
        Assert.True(LooseVersion.Parse("v1.9.0") < LooseVersion.Parse("v1.10.0"));
        Assert.True(LooseVersion.Parse("v3.13.0") > LooseVersion.Parse("v3.9.9"));
        Assert.True(LooseVersion.Parse("v3.4.0-rc.1") >= LooseVersion.Parse("3.4.0"));
    }

    private static async Task<KsClusterReport> RunWith(Action<InMemoryClusterReader> change, string helmVersion = "v3.17.3")
    {
        var r = FakeClusters.HealthyKs341Host();
        change(r);
        var req = new CheckRequest { Helm = new FixedHelmProbe(HelmProbeResult.Of("/usr/bin/helm", helmVersion)) };
        return await new ClusterChecker(r).RunAsync(req, null, CancellationToken.None);
    }

    [Theory]
    [InlineData("v1.26.15+k3s1")]
    [InlineData("v1.21.0-rc.1")]
    [InlineData("v1.30.2-gke.1587003")]
    public async Task KubernetesVersions_WithSuffixes_Pass(string version)
    {
        var report = await RunWith(r => r.ServerVersion = version);
        Assert.Equal(KsCheckStatus.Passed, report["KubernetesVersion"]!.Status);
        Assert.Equal(KsCheckStatus.Passed, report["KubernetesVersionSupported"]!.Status);
    }

    [Theory]
    [InlineData("v1.31.0+k3s1")]
    [InlineData("v1.33.1")]
    public async Task KubernetesNewerThanTested_Warns(string version)
    {
        var report = await RunWith(r => r.ServerVersion = version);
        Assert.Equal(KsCheckStatus.Passed, report["KubernetesVersion"]!.Status);
        var supported = report["KubernetesVersionSupported"]!;
        Assert.Equal(KsCheckStatus.Warning, supported.Status);
        Assert.Contains("v1.21-v1.30", supported.Message);
    }

    [Fact]
    public async Task KubeSphereRc_AndHelmRc_AreTolerated()
    {
        var report = await RunWith(
            r => r.CustomObjects[CustomKind.ClusterConfiguration.CrdName][0] = FakeClusters.Cc("v3.4.1-rc.1", "host", "localhost"),
            helmVersion: "v3.13.0-rc.1");
        Assert.Equal(KsCheckStatus.Passed, report["KubeSphereVersion"]!.Status);
        Assert.Equal(KsCheckStatus.Passed, report["HelmVersion"]!.Status);
    }

    [Fact]
    public async Task UnreadableServerVersion_Fails()
    {
        var report = await RunWith(r => r.ServerVersion = "unknown");
        Assert.Equal(KsCheckStatus.Failed, report["KubernetesVersion"]!.Status);
        Assert.Equal(KsCheckStatus.Skipped, report["KubernetesVersionSupported"]!.Status);
    }
}
