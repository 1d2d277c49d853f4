using KsUpgrade.Engine.Checks;

namespace KsUpgrade.Tests.Checks;

public class PostUpgradeCheckTests
{
    private static readonly string[] PostIds =
        { "UpgradeInProgress", "KsCoreReleaseDeployed", "SystemPodsRunning", "KsCoreDeploymentsAvailable", "MembersSchedulable", "GatewaysUpgraded", "IngressClassesExist" };

    private static Task<KsClusterReport> Run(InMemoryClusterReader reader, CheckRequest? req = null) =>
        new ClusterChecker(reader).RunAsync(req ?? FakeClusters.HealthyRequest(), null, CancellationToken.None);

    [Fact]
    public async Task HealthyV4Host_AutoSelectsPostUpgrade_AndPasses()
    {
        var report = await Run(FakeClusters.HealthyV4Host());
        Assert.Equal(KsCheckPhase.PostUpgrade, report.Phase);
        Assert.Equal(PostIds, report.Checks.Select(c => c.Id).ToArray());
        Assert.All(report.Checks, c => Assert.True(c.Status == KsCheckStatus.Passed, $"{c.Id}: {c.Status} {c.Message}"));
        Assert.Equal("v4.1.3", report.KubeSphereVersion);
        Assert.Equal(KsClusterRole.Host, report.ClusterRole);
    }

    [Fact]
    public async Task V3Cluster_AutoSelectsPreflight_ExplicitPhaseWins()
    {
        Assert.Equal(KsCheckPhase.Preflight, (await Run(FakeClusters.HealthyKs341Host())).Phase);
        var forced = await Run(FakeClusters.HealthyKs341Host(), FakeClusters.HealthyRequest(KsCheckPhase.PostUpgrade));
        Assert.Equal(KsCheckPhase.PostUpgrade, forced.Phase);
        var deployed = forced["KsCoreReleaseDeployed"]!;
        Assert.Equal(KsCheckStatus.Failed, deployed.Status);
        Assert.Contains("expected chart 1.1.5, app v4.1.3", deployed.Message);
        // the v3 gateways are reported too
        Assert.Equal(KsCheckStatus.Warning, forced["GatewaysUpgraded"]!.Status);
    }

    [Fact]
    public async Task PendingUpgradeRevision_FailsDeployed()
    {
        var r = FakeClusters.HealthyV4Host();
        r.HelmReleases.Add(FakeClusters.KsCore(4, "pending-upgrade", "1.1.5", "v4.1.3"));
        var report = await Run(r);
        Assert.Equal(KsCheckPhase.PostUpgrade, report.Phase); // revision 3 (v4.1.3) is still the last deployed
        var result = report["KsCoreReleaseDeployed"]!;
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("revision 4 is pending-upgrade", result.Message);
        Assert.Contains("sh.helm.release.v1.ks-core.v4", result.Remedy);
    }

    [Fact]
    public async Task WrongTargetVersion_Fails_AndTargetIsConfigurable()
    {
        var r = FakeClusters.HealthyV4Host();
        r.HelmReleases.Add(FakeClusters.KsCore(4, "deployed", "1.1.4", "v4.1.3"));
        Assert.Equal(KsCheckStatus.Failed, (await Run(r))["KsCoreReleaseDeployed"]!.Status);
        var req = new CheckRequest { TargetChartVersion = "1.1.4", Helm = FakeClusters.HealthyRequest().Helm };
        Assert.Equal(KsCheckStatus.Passed, (await Run(r, req))["KsCoreReleaseDeployed"]!.Status);
    }

    [Fact]
    public async Task SystemPodCrashing_FailsSystemPodsRunning_Only()
    {
        var r = FakeClusters.HealthyV4Host();
        FakeClusters.AddPod(r, "kubesphere-system", "extensions-museum-7b9", "worker1", status: "ImagePullBackOff");
        var report = await Run(r);
        var result = report["SystemPodsRunning"]!;
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("kubesphere-system/extensions-museum-7b9 (ImagePullBackOff)", result.Message);
        Assert.Single(report.FailedChecks);
    }

    [Fact]
    public async Task UnavailableConsole_FailsDeployments()
    {
        var r = FakeClusters.HealthyV4Host();
        r.Deployments[r.Deployments.FindIndex(d => d.Name == "ks-console")] = new DeploymentRow("kubesphere-system", "ks-console", 1, 0, false);
        r.Deployments.RemoveAll(d => d.Name == "ks-controller-manager");
        var result = (await Run(r))["KsCoreDeploymentsAvailable"]!;
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("ks-console (0/1)", result.Message);
        Assert.Contains("missing: ks-controller-manager", result.Message);
    }

    [Fact]
    public async Task Member_ExpectsKsAgent()
    {
        var r = FakeClusters.HealthyV4Host();
        r.ConfigMaps["kubesphere-system/kubesphere-config"] = new() { ["kubesphere.yaml"] = "multicluster:\n  clusterRole: member\n  hostClusterName: host\n" };
        var report = await Run(r);
        Assert.Equal(KsClusterRole.Member, report.ClusterRole);
        Assert.Contains("ks-agent", report["KsCoreDeploymentsAvailable"]!.Message);
        Assert.Equal(KsCheckStatus.Failed, report["KsCoreDeploymentsAvailable"]!.Status);
        Assert.Equal(KsCheckStatus.Skipped, report["MembersSchedulable"]!.Status);

        r.Deployments.Add(new DeploymentRow("kubesphere-system", "ks-agent", 1, 1, true));
        Assert.Equal(KsCheckStatus.Passed, (await Run(r))["KsCoreDeploymentsAvailable"]!.Status);
    }

    [Fact]
    public async Task TaintedMember_WarnsWithRemoveKsMemberTaint()
    {
        var r = FakeClusters.HealthyV4Host();
        r.AddCustomObject(CustomKind.KubeSphereCluster, FakeClusters.Cluster("member2", isHost: false, ready: true, schedulableFalse: true));
        var result = (await Run(r))["MembersSchedulable"]!;
        Assert.Equal(KsCheckStatus.Warning, result.Status);
        Assert.Contains("member2", result.Message);
        Assert.DoesNotContain("member1", result.Message);
        Assert.Contains("Remove-KsMemberTaint -Name member2", result.Remedy);
        Assert.Equal("member2", Assert.IsType<KsClusterInfo>(Assert.Single(result.Data)).Name);
    }

    [Fact]
    public async Task GatewayStillOnV3_WarnsNamingIt()
    {
        var r = FakeClusters.HealthyV4Host();
        r.HelmReleases.Add(new HelmReleaseRow("kubesphere-router-demo", "kubesphere-controls-system", 1, "deployed", "gateway", "0.1.0", "1.16.0"));
        r.HelmReleases.Add(new HelmReleaseRow("kubesphere-router-demo-ingress", "kubesphere-controls-system", 1, "deployed", "ingress-nginx", "4.2.5", "1.3.1"));
        var result = (await Run(r))["GatewaysUpgraded"]!;
        Assert.Equal(KsCheckStatus.Warning, result.Status);
        Assert.Contains("kubesphere-router-demo", result.Message);
        Assert.DoesNotContain("kubesphere-router-kubesphere-system", result.Message);
        Assert.Equal("kubesphere-router-demo", Assert.IsType<Engine.Checks.PostUpgrade.GatewayReleaseState>(Assert.Single(result.Data)).Gateway);
    }

    [Fact]
    public async Task An_ingress_naming_a_class_that_does_not_exist_fails_IngressClassesExist()
    {
        var r = FakeClusters.HealthyV4Host();
        r.IngressClasses.Add("kubesphere-router-kubesphere-system");
        r.Ingresses.Add(new IngressRow("demo", "served", "kubesphere-router-kubesphere-system"));
        r.Ingresses.Add(new IngressRow("demo", "classless", null));
        Assert.Equal(KsCheckStatus.Passed, (await Run(r))["IngressClassesExist"]!.Status);

        r.Ingresses.Add(new IngressRow("shop", "frontend", "kubesphere-router-cluster"));
        r.Ingresses.Add(new IngressRow("demo", "staging", "kubesphere-router-cluster"));
        var result = (await Run(r))["IngressClassesExist"]!;

        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("'kubesphere-router-cluster': demo/staging, shop/frontend", result.Message);
        Assert.DoesNotContain("served", result.Message);
        Assert.Contains("kubectl -n demo patch ingress staging", result.Remedy);
        Assert.Equal(2, result.Data.Length);
    }

    [Fact]
    public async Task IngressClassesExist_reports_what_it_may_not_read()
    {
        var r = FakeClusters.HealthyV4Host();
        r.Forbidden.Add("ingressclasses");
        var result = (await Run(r))["IngressClassesExist"]!;
        Assert.Equal(KsCheckStatus.Warning, result.Status);
    }
}
