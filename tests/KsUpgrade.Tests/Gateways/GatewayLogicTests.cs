using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Tests.Gateways;

public class GatewayLogicTests
{
    [Theory]
    [InlineData("kubesphere-router-kubesphere-system", KsGatewayScope.Cluster, "kubesphere-system")]
    [InlineData("kubesphere-router-cluster", KsGatewayScope.Cluster, "kubesphere-system")]
    [InlineData("kubesphere-router-workspace-shop-ws", KsGatewayScope.Workspace, "shop-ws")]
    [InlineData("kubesphere-router-demo-project", KsGatewayScope.Project, "demo-project")]
    public void Scope_and_namespace_come_from_the_name(string name, KsGatewayScope scope, string ns)
    {
        Assert.Equal(scope, GatewayNames.ScopeOf(name));
        Assert.Equal(ns, GatewayNames.ServedNamespaceOf(name));
    }

    internal static IReadOnlyList<KsGatewayRelease> SeedReleases(SeedCluster cluster) =>
        cluster.Objects
            .Where(o => (string?)o["kind"] == "Secret" && (string?)o["type"] == "helm.sh/release.v1")
            .Select(o => GatewayCatalog.View(HelmReleaseReader.FromSecret(o)!))
            .Where(r => r.Name.StartsWith("kubesphere-router", StringComparison.Ordinal))
            .ToList();

    [Fact]
    public void Seed_releases_merge_into_three_gateways_without_ingress_duplicates()
    {
        var host = SeedCatalog.Load("ks34-host")[0];
        var releases = SeedReleases(host);
        Assert.Equal(6, releases.Count);
        var gateways = GatewayCatalog.Merge(releases, null);
        Assert.Equal(new[] { "kubesphere-router-demo-project", "kubesphere-router-kubesphere-system", "kubesphere-router-workspace-shop-ws" },
            gateways.Select(g => g.Name));
        Assert.All(gateways, g =>
        {
            Assert.Equal(2, g.Releases.Count);
            Assert.Contains(g.Releases, r => r.Name == g.Name + "-ingress" && r.ChartName == "ingress-nginx" && r.ChartVersion == "4.2.5");
            Assert.Equal("kubesphere-controls-system", g.ReleaseNamespace);
            Assert.Equal("deployed", g.Status);
            Assert.Equal("0.1.0", g.ChartVersion);
            Assert.False(g.Upgraded);
        });
        Assert.Equal(KsGatewayScope.Workspace, gateways.Single(g => g.Name.Contains("workspace")).Scope);
    }

    private static KsGatewayRelease R(string name, int rev, string status, string chart = "gateway", string version = "0.1.0", string app = "1.16.0") =>
        new() { Name = name, Namespace = "kubesphere-controls-system", Revision = rev, Status = status, ChartName = chart, ChartVersion = version, AppVersion = app };

    [Fact]
    public void Pending_status_wins_and_v4_chart_without_ingress_release_is_upgraded()
    {
        var gws = GatewayCatalog.Merge(new[]
        {
            R("kubesphere-router-a", 2, "deployed"), R("kubesphere-router-a-ingress", 3, "pending-upgrade", "ingress-nginx", "4.2.5", "1.3.1"),
            R("kubesphere-router-b", 4, "deployed", "kubesphere-nginx-ingress", "4.12.1", "1.12.1"),
            R("kubesphere-router-c", 1, "failed"), R("kubesphere-router-c-ingress", 1, "deployed", "ingress-nginx", "4.2.5", "1.3.1"),
            R("kubesphere-router-d-ingress", 1, "deployed", "ingress-nginx", "4.2.5", "1.3.1"),
            R("kubesphere-router-e", 3, "deployed", "ingress-nginx", "4.12.1", "1.12.1"),
        }, null);
        var byName = gws.ToDictionary(g => g.Name);
        Assert.Equal("pending-upgrade", byName["kubesphere-router-a"].Status);
        Assert.True(byName["kubesphere-router-b"].Upgraded);
        Assert.Equal("4.12.1", byName["kubesphere-router-b"].ChartVersion);
        Assert.Equal("failed", byName["kubesphere-router-c"].Status);
        Assert.False(byName["kubesphere-router-c"].Upgraded);
        Assert.False(byName["kubesphere-router-d"].Upgraded);
        Assert.Equal("4.2.5", byName["kubesphere-router-d"].ChartVersion);
        Assert.True(byName["kubesphere-router-e"].Upgraded);
    }

    [Fact]
    public void Rollback_target_is_the_last_deployed_revision_before_the_pending_one()
    {
        var history = new[]
        {
            R("g", 1, "superseded"), R("g", 2, "superseded"), R("g", 3, "deployed"), R("g", 4, "failed"), R("g", 5, "pending-upgrade"),
        };
        Assert.Equal(3, GatewayUpgrade.RollbackTarget(history, 5)!.Revision);
        Assert.Equal(2, GatewayUpgrade.RollbackTarget(new[] { R("g", 1, "superseded"), R("g", 2, "superseded"), R("g", 3, "pending-rollback") }, 3)!.Revision);
        Assert.Null(GatewayUpgrade.RollbackTarget(new[] { R("g", 1, "pending-install") }, 1));
    }

    /// <summary>Lines as ks-upgrade v4.1.3 prints them (pkg/executor validator.go and executor.go, klog prefix).</summary>
    [Theory]
    [InlineData("I1125 10:01:02.000001       1 executor.go:152] [Validator] Dynamic upgrade skipping because of failed validators", true)]
    [InlineData("I1125 10:01:02.000001       1 executor.go:88] [Validator] Prepare upgrade skipping because of failed validators", true)]
    [InlineData("I1125 10:01:02.000001       1 validator.go:47] [Validator] Skip upgrade beaseuse of no deployed release history.", false)]
    [InlineData("I1125 10:01:02.000001       1 validator.go:51] [Validator] Skip upgrade beaseuse of no release history.", false)]
    [InlineData("I1125 10:01:02.000001       1 validator.go:60] [Validator] Skip upgrade because of release's version is v4.1.3", false)]
    [InlineData("I1125 10:01:02.000001       1 validator.go:38] [Validator] ks-version validator is disabled", false)]
    [InlineData("I1125 10:01:02.000001       1 validator.go:56] [Validator] Current release's version is v3.4.1", false)]
    [InlineData("gateway upgrade done", false)]
    public void One_skip_detector_for_every_job_on_real_log_lines(string line, bool skipped)
    {
        Assert.Equal(skipped, KsUpgrade.Engine.Upgrade.SkippedPhase.IsSkipLine(line));
        Assert.Equal(skipped, KsUpgrade.Engine.Upgrade.SkippedPhase.Find(new[] { "start", line, "end" }) is not null);
    }

    [Fact]
    public void Job_sets_follow_the_reference()
    {
        var options = new GatewayUpgradeOptions { Chart = "/c", ImageRegistry = "registry.local:5000", Tag = "v4.1.3", UpgradeImageTag = "v4.1.3-fix" };
        var sets = GatewayUpgrade.DynamicJobSets("kubesphere-router-demo-project", options).Select(kv => $"{kv.Key}={kv.Value}").ToList();
        Assert.Equal(new[]
        {
            "upgrade.enabled=true", "upgrade.dynamic=true", "upgrade.config.jobs.gateway.enabled=true",
            "upgrade.config.jobs.gateway.dynamicOptions.gatewayName=kubesphere-router-demo-project",
            "global.imageRegistry=registry.local:5000", "global.tag=v4.1.3", "upgrade.image.tag=v4.1.3-fix",
        }, sets);
        var args = HelmTemplateRenderer.Arguments(new DynamicJobRenderRequest { Chart = "/c", GatewayName = "g", Sets = new[] { new KeyValuePair<string, string>("a", "x,y") } });
        Assert.Equal(new[] { "template", "ks-core", "/c", "--namespace", "kubesphere-system", "--show-only", "templates/dynamic-upgrade-job.yaml", "--set", "a=x\\,y" }, args);
    }
}
