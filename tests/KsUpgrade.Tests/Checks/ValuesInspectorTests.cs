using KsUpgrade.Engine.Checks;

namespace KsUpgrade.Tests.Checks;

public class ValuesInspectorTests
{
    [Fact]
    public void HealthyValues_HaveNoFindings()
    {
        var v = LocalValuesInspector.InspectText(FakeClusters.HealthyValues, "v.yaml");
        Assert.Null(v.ParseError);
        Assert.True(v.HasUpgradeSection);
        Assert.True(v.UpgradeEnabled);
        Assert.Equal("local", v.StorageClassName);
        Assert.Equal("ks-upgrade", v.PvcName);
        Assert.Empty(v.Problems);
        Assert.Empty(v.UnknownKeys);
    }

    [Fact]
    public async Task Typos_AreUnknownKeys_AndWarn()
    {
        var yaml = FakeClusters.HealthyValues.Replace("      gateway:\n        enabled: true", "      gateway:\n        enable: true")
            + "\n  persistantVolume:\n    size: 5Gi\n";
        var v = LocalValuesInspector.InspectText(yaml, "v.yaml");
        // Near-misses of known keys are errors (the values layer suggests the right key): as written they are ignored.
        Assert.Contains(v.Problems, p => p.StartsWith("upgrade.config.jobs.gateway.enable:") && p.Contains("'enabled'"));
        Assert.Contains("upgrade.persistantVolume", v.UnknownKeys);

        var result = await new Engine.Checks.Preflight.ValuesFileCheck().RunAsync(Context(v), CancellationToken.None);
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("upgrade.config.jobs.gateway.enable", result.Message);
    }

    [Fact]
    public async Task EnabledJobWithoutExtensionVersion_IsAProblem_CoreJobsNeedNone()
    {
        var yaml = FakeClusters.HealthyValues.Replace("          version: \"1.0.5\"", "")
            + "\n      core:\n        enabled: true\n        priority: 10000\n";
        Assert.DoesNotContain("1.0.5", yaml);
        var v = LocalValuesInspector.InspectText(yaml, "v.yaml");
        var problem = Assert.Single(v.Problems);
        Assert.StartsWith("upgrade.config.jobs.gateway.extensionRef.version:", problem);

        var result = await new Engine.Checks.Preflight.ValuesFileCheck().RunAsync(Context(v), CancellationToken.None);
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("jobs.gateway", result.Message);
    }

    [Fact]
    public void UnknownJobName_IsReported()
    {
        var yaml = FakeClusters.HealthyValues + "\n      monitoring:\n        enabled: false\n";
        var v = LocalValuesInspector.InspectText(yaml, "v.yaml");
        Assert.Contains("upgrade.config.jobs.monitoring", v.UnknownKeys);
    }

    [Fact]
    public void NoUpgradeSection_AndBrokenYaml()
    {
        Assert.False(LocalValuesInspector.InspectText("global:\n  tag: v4.1.3\n").HasUpgradeSection);
        var broken = LocalValuesInspector.InspectText("upgrade:\n  enabled: [true\n");
        Assert.NotNull(broken.ParseError);
        Assert.Contains("line", broken.ParseError);
    }

    [Fact]
    public void ReadsAFile_AndReportsAMissingOne()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ks-values-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, FakeClusters.HealthyValues);
        try
        {
            Assert.True(LocalValuesInspector.Inspect(path).HasUpgradeSection);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Contains("does not exist", LocalValuesInspector.Inspect(path).ParseError);
    }

    [Fact]
    public async Task ValuesPath_IsInspectedByTheEngine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ks-values-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "upgrade: {enabled: true\n");
        try
        {
            var req = new CheckRequest { ValuesPath = path, Helm = FakeClusters.HealthyRequest().Helm };
            var report = await new ClusterChecker(FakeClusters.HealthyKs341Host()).RunAsync(req, null, CancellationToken.None);
            Assert.Equal(KsCheckStatus.Failed, report["ValuesFile"]!.Status);
            Assert.Contains(path, report["ValuesFile"]!.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static CheckContext Context(ValuesFindings v) =>
        new(new InMemoryClusterReader(), new CheckRequest { Values = v }, CancellationToken.None);
}
