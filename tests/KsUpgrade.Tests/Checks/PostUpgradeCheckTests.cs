using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Tests.Checks;

public class PostUpgradeCheckTests
{
    private static readonly string[] PostIds =
    {
        "UpgradeInProgress", "JwtSecretConsistent", "KsCoreReleaseDeployed", "SystemPodsRunning", "KsCoreDeploymentsAvailable", "MembersSchedulable", "GatewaysUpgraded",
        "IngressClassesExist", "KsCoreImagesMatchTarget", "ExtensionsMuseumSynced", "InstallPlansInstalled", "LegacyWebhooksRemoved",
    };

    public static TheoryData<string> Faults => new()
    {
        "PinnedImageTag", "ImageByDigest", "MuseumNotSynced", "MuseumMissing", "InstallPlanFailed", "InstallPlanMissing", "MemberAgentPending",
        "LeftoverWebhook", "OldCaWebhook", "JwtDiffers", "RolloutUnfinished",
    };

    /// <summary>fault → the check that must change and its status (issue 18's post-upgrade gate).</summary>
    private static (string Id, KsCheckStatus Status, string Offender) Inject(string fault, InMemoryClusterReader r, ref CheckRequest req)
    {
        switch (fault)
        {
            case "PinnedImageTag":
                r.Deployments[0] = r.Deployments[0] with { Images = new[] { "docker.io/kubesphere/ks-apiserver:v4.1.2" } };
                return ("KsCoreImagesMatchTarget", KsCheckStatus.Failed, "ks-apiserver:v4.1.2");
            case "ImageByDigest":
                r.Deployments[1] = r.Deployments[1] with { Images = new[] { "registry.local/kubesphere/ks-console@sha256:" + new string('a', 64) } };
                return ("KsCoreImagesMatchTarget", KsCheckStatus.Warning, "ks-console@sha256");
            case "MuseumNotSynced":
                r.CustomObjects[CustomKind.Repository.CrdName][0] = FakeClusters.Museum(synced: false);
                return ("ExtensionsMuseumSynced", KsCheckStatus.Failed, "extensions-museum");
            case "MuseumMissing":
                r.CustomObjects[CustomKind.Repository.CrdName].Clear();
                return ("ExtensionsMuseumSynced", KsCheckStatus.Failed, "does not exist");
            case "InstallPlanFailed":
                r.CustomObjects[CustomKind.InstallPlan.CrdName][0] = FakeClusters.InstallPlan("gateway", "InstallFailed");
                return ("InstallPlansInstalled", KsCheckStatus.Failed, "gateway (InstallFailed)");
            case "InstallPlanMissing":
                r.CustomObjects[CustomKind.InstallPlan.CrdName].RemoveAt(1);
                return ("InstallPlansInstalled", KsCheckStatus.Failed, "network (job network)");
            case "MemberAgentPending":
                r.CustomObjects[CustomKind.InstallPlan.CrdName][0] = FakeClusters.InstallPlan("gateway", "Installed", ("member1", "Installing"));
                return ("InstallPlansInstalled", KsCheckStatus.Warning, "gateway on member1 (Installing)");
            case "LeftoverWebhook":
                r.Webhooks.Add(new WebhookRow("ValidatingWebhookConfiguration", "cluster.kubesphere.io", "validating-cluster.kubesphere.io", null, "kubesphere-system", "ks-controller-manager", null, FakeClusters.CaV3));
                return ("LegacyWebhooksRemoved", KsCheckStatus.Failed, "cluster.kubesphere.io (not from release ks-core, old CA)");
            case "OldCaWebhook":
                r.Webhooks[1] = r.Webhooks[1] with { CaBundleSha256 = FakeClusters.CaV3 };
                return ("LegacyWebhooksRemoved", KsCheckStatus.Failed, "extensions.kubesphere.io (old CA)");
            case "RolloutUnfinished":
                // the template says v4.1.3 and the Deployment is Available, but the new pod never became ready: the
                // old pod (3.4) is the one serving (maxUnavailable 0 keeps it), so ks-core does not run the target yet
                r.Deployments[0] = r.Deployments[0] with { Rollout = new DeploymentRollout(2, 2, UpdatedReplicas: 1, StatusReplicas: 2) };
                return ("KsCoreImagesMatchTarget", KsCheckStatus.Failed, "ks-apiserver: 1 of 1 replicas run the current template, 2 pods in all");
            case "JwtDiffers":
                req = new CheckRequest { Values = req.Values, Helm = req.Helm, Peers = new[] { new PeerCluster("member1", KsClusterRole.Member, FakeClusters.Member("rotated", v4: true)) } };
                return ("JwtSecretConsistent", KsCheckStatus.Failed, "member1 differs");
            default:
                throw new ArgumentException(fault);
        }
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task EachPostUpgradeFault_ChangesExactlyItsCheck(string fault)
    {
        var healthy = await Run(FakeClusters.HealthyV4Host());
        var reader = FakeClusters.HealthyV4Host();
        var req = FakeClusters.HealthyRequest();
        var (id, status, offender) = Inject(fault, reader, ref req);

        var report = await Run(reader, req);

        Assert.Equal(KsCheckPhase.PostUpgrade, report.Phase);
        var target = report[id]!;
        Assert.True(target.Status == status, $"{id}: expected {status}, got {target.Status}: {target.Message}");
        Assert.Contains(offender, target.Message);
        Assert.False(string.IsNullOrWhiteSpace(target.Remedy));
        foreach (var check in report.Checks.Where(c => c.Id != id))
            Assert.True(check.Status == healthy[check.Id]!.Status, $"{fault}: {check.Id} changed from {healthy[check.Id]!.Status} to {check.Status}: {check.Message}");
    }

    [Fact]
    public async Task PostUpgradeGates_SkipWhatAMemberDoesNotHave()
    {
        var r = FakeClusters.HealthyV4Host();
        r.ConfigMaps["kubesphere-system/kubesphere-config"] = new() { ["kubesphere.yaml"] = FakeClusters.KubeSphereYaml("member", FakeClusters.JwtSecret, v4: true) };
        r.Deployments.Clear();
        r.Deployments.Add(new DeploymentRow("kubesphere-system", "ks-agent", 1, 1, true, new[] { "kubesphere/ks-apiserver:v4.1.3", "kubesphere/ks-controller-manager:v4.1.3" }));
        var report = await Run(r);
        Assert.Equal(KsClusterRole.Member, report.ClusterRole);
        Assert.Equal(KsCheckStatus.Skipped, report["ExtensionsMuseumSynced"]!.Status);
        Assert.Equal(KsCheckStatus.Skipped, report["InstallPlansInstalled"]!.Status);
        Assert.Equal(KsCheckStatus.Passed, report["KsCoreImagesMatchTarget"]!.Status);
    }

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
        r.HelmReleases.Add(new HelmRelease("kubesphere-router-demo", "kubesphere-controls-system", 1, "deployed", "gateway", "0.1.0", "1.16.0"));
        r.HelmReleases.Add(new HelmRelease("kubesphere-router-demo-ingress", "kubesphere-controls-system", 1, "deployed", "ingress-nginx", "4.2.5", "1.3.1"));
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
        // ks-upgrade's hard-coded class: the remedy names the switch that repairs it
        Assert.Contains("Update-KsGateway -Name kubesphere-router-kubesphere-system -RepointIngressClass", result.Remedy);
        Assert.Equal(2, result.Data.Length);

        // another missing class is not ks-upgrade's doing: no switch offered for it
        r.Ingresses.RemoveAll(i => i.ClassName == "kubesphere-router-cluster");
        r.Ingresses.Add(new IngressRow("demo", "legacy", "nginx-old"));
        var other = (await Run(r))["IngressClassesExist"]!;
        Assert.Equal(KsCheckStatus.Failed, other.Status);
        Assert.DoesNotContain("RepointIngressClass", other.Remedy);
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
