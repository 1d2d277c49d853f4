using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Engine.Upgrade.Wiring;

namespace KsUpgrade.Tests.Upgrade;

public sealed class WiringTests
{
    private static readonly HelmClientUpgradeHelm Helm = new(new HelmClient("/opt/helm/helm"), HelmKubeAccess.FromKubeconfigFile("/tmp/kubeconfig", "host"));

    [Fact]
    public void Template_call_maps_to_the_helm_layer_request()
    {
        var call = new HelmTemplateCall("ks-core", "kubesphere-system", "/charts/ks-core", "templates/prepare-upgrade-job.yaml", new[] { "/v.yaml" },
            new[] { new HelmSetValue("upgrade.prepare", "true"), new HelmSetValue("global.tag", "v4.1.3") }, true);
        var r = Helm.Map(call);
        Assert.Equal("ks-core", r.ReleaseName);
        Assert.Equal(new[] { "templates/prepare-upgrade-job.yaml" }, r.ShowOnly);
        Assert.True(r.DryRunServer);
        Assert.Equal(new[] { "upgrade.prepare=true", "global.tag=v4.1.3" }, r.Sets.Select(s => s.ToArgument()));
        Assert.Equal(new[] { "/v.yaml" }, r.ValueFiles);
        Assert.NotNull(r.Kube);
    }

    [Fact]
    public void Upgrade_plan_shows_the_helm_layer_command_line()
    {
        var call = new HelmUpgradeCall("ks-core", "kubesphere-system", "/charts/ks-core", new[] { "/v.yaml" },
            new[] { new HelmSetValue("ksExtensionRepository.image.tag", "v1.1.5") }, true, TimeSpan.FromMinutes(30));
        var text = Helm.DescribeUpgrade(call);
        Assert.StartsWith("/opt/helm/helm upgrade", text);
        Assert.Contains("ksExtensionRepository.image.tag=v1.1.5", text);
        Assert.Contains("--wait", text);
        var r = Helm.Map(call);
        Assert.Equal(TimeSpan.FromMinutes(30), r.Timeout);
        Assert.True(r.Wait);
    }

    [Fact]
    public void Check_report_becomes_an_outcome_naming_failed_checks()
    {
        var report = new KsClusterReport
        {
            Checks = new[]
            {
                new KsCheckResult { Id = "NodesReady", Status = KsCheckStatus.Failed, Message = "node-2 NotReady" },
                new KsCheckResult { Id = "DefaultStorageClass", Status = KsCheckStatus.Passed, Message = "local" },
                new KsCheckResult { Id = "HelmVersion", Status = KsCheckStatus.Warning, Message = "old" },
            },
        };
        var outcome = ClusterTestChecks.Outcome(report);
        Assert.True(outcome.Failed);
        Assert.Equal(new[] { "NodesReady failed: node-2 NotReady", "HelmVersion warning: old" }, outcome.Messages);
        Assert.False(ClusterTestChecks.Outcome(new KsClusterReport { Checks = new[] { report.Checks[1] } }).Failed);
    }

    [Fact]
    public void The_journal_keys_a_downloaded_chart_on_its_archive_digest_not_its_temporary_copy()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ksup-wiring-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var values = Path.Combine(dir, "v.yaml");
            File.WriteAllText(values, "upgrade:\n  enabled: true\n");
            var sha = new string('a', 64);
            var a = new UpgradeParameters { ValuesPath = values, Chart = "/tmp/copy-1/ks-core", ChartOrigin = "https://example.invalid/ks-core-1.1.5.tgz", ChartArchiveSha256 = sha };
            var b = a with { Chart = "/tmp/copy-2/ks-core" };
            Assert.Equal(a.Normalized(), b.Normalized());
            Assert.Equal("sha256:" + sha, a.Normalized()["ChartDigest"]);
            Assert.StartsWith("sha256:", a.Normalized()["ValuesSha256"]);
            Assert.DoesNotContain(a.Normalized().Values, v => v.Contains(dir));
            Assert.Equal("https://example.invalid/ks-core-1.1.5.tgz", a.Sources()["Chart"]);
            Assert.NotEqual(a.Normalized(), (a with { ChartArchiveSha256 = new string('b', 64) }).Normalized());
        }
        finally { Directory.Delete(dir, true); }
    }
}
