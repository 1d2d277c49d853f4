using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Tests.Members;
using KsUpgrade.Tests.Seeds;

namespace KsUpgrade.Tests.Gateways;

/// <summary>
/// Issue 14 §1: Update-KsGateway reports a gateway upgraded only on what the cluster shows (the v2 Gateway, the release
/// on the v4 chart, its controller Deployment available, its IngressClass), never on the job's exit alone.
/// </summary>
public class GatewayEvidenceTests
{
    private const string Project = "kubesphere-router-demo-project";
    private const string Workspace = "kubesphere-router-workspace-shop-ws";
    private const string ClusterGw = "kubesphere-router-kubesphere-system";
    private const string Controls = GatewaySeed.ControlsNs;

    private static GatewayUpgradeOptions Options(string chart, double verifySeconds = 20) => new()
    {
        Chart = chart,
        HelmPath = HelmTool.Path,
        ImageRegistry = "registry.example.local",
        Tag = "v4.1.3",
        PollInterval = TimeSpan.FromMilliseconds(100),
        JobTimeout = TimeSpan.FromSeconds(30),
        VerifyTimeout = TimeSpan.FromSeconds(verifySeconds),
    };

    private static bool Mutated((string Method, string Path) r) => r.Method is "POST" or "PUT" or "PATCH" or "DELETE";

    private static bool ReleaseExists(SandboxSession s, string release) =>
        s.View.List("v1", "secrets", Controls).Any(o => HelmReleaseSecret.IsReleaseSecret(o) && o.Str("metadata", "labels", "name") == release);

    [HelmFact]
    public async Task Job_complete_without_the_v4_controller_is_not_verified()
    {
        // the extension is installed, but its controller acts only after an hour: the job completes, nothing is upgraded
        await using var s = await SandboxSession.StartAsync(GatewaySeed.Host(controllerSeconds: 3600), "host", new SimulatedGatewayJob());
        var log = new RecordingEngineLog();

        var result = await GatewayUpgrade.UpdateOneAsync(s.Cluster, Project, Options(FixtureChart.KsCore, verifySeconds: 2), log, CancellationToken.None);

        Assert.False(result.Succeeded, result.Detail);
        Assert.NotEqual(KsGatewayUpgradeOutcome.Upgraded, result.Outcome);
        Assert.Equal("KsUpgrade.GatewayNotVerified", result.ErrorId);
        Assert.Contains("kubesphere-nginx-ingress", result.Detail); // names what is missing
        Assert.Contains("IngressClass", result.Detail);
        Assert.Contains(log.Records, r => r.Stream == "Progress" && r.Message.Contains("Waiting"));
        Assert.False(result.Gateway.Upgraded);
    }

    [HelmFact]
    public async Task An_interrupted_gateway_is_run_again_never_AlreadyUpgraded()
    {
        // a job that failed after its uninstall: -ingress gone, no v2 Gateway, the release still on the v3 chart
        var seeds = GatewaySeed.Host();
        seeds[0].Objects.RemoveAll(o => HelmReleaseSecret.IsReleaseSecret(o) && o.Str("metadata", "labels", "name") == Project + "-ingress");
        var job = new SimulatedGatewayJob();
        await using var s = await SandboxSession.StartAsync(seeds, "host", job);
        var log = new RecordingEngineLog();
        var before = (await GatewayCatalog.ListAsync(s.Cluster, Project, log, CancellationToken.None)).Single();
        Assert.False(before.Upgraded);

        var result = await GatewayUpgrade.UpdateOneAsync(s.Cluster, Project, Options(FixtureChart.KsCore), log, CancellationToken.None);

        Assert.NotEqual(KsGatewayUpgradeOutcome.AlreadyUpgraded, result.Outcome);
        Assert.Equal(new[] { Project }, job.Runs);
        Assert.Equal(KsGatewayUpgradeOutcome.Upgraded, result.Outcome);
        Assert.True(result.Succeeded, result.Detail);
        Assert.True(result.Gateway.Upgraded);
        Assert.Contains(log.Records, r => r.Stream == "Warning" && r.Message.Contains("interrupted"));
    }

    [HelmFact]
    public async Task A_workspace_gateway_is_refused_before_any_change_and_the_cluster_gateway_waits_for_it()
    {
        var job = new SimulatedGatewayJob();
        await using var s = await SandboxSession.StartAsync(GatewaySeed.Host(), "host", job);
        var log = new RecordingEngineLog();

        var results = await GatewayUpgrade.UpdateAsync(s.Cluster, new[] { Workspace, ClusterGw, Project }, Options(FixtureChart.KsCore), log, CancellationToken.None);

        Assert.Equal(new[] { Project, Workspace, ClusterGw }, results.Select(r => r.Gateway.Name));
        Assert.Equal(KsGatewayUpgradeOutcome.Upgraded, results[0].Outcome);
        Assert.Equal("KsUpgrade.GatewayWorkspaceUnsupported", results[1].ErrorId);
        Assert.False(results[1].Succeeded);
        Assert.Contains("workspace-shop-ws", results[1].Detail);
        Assert.Equal(KsGatewayUpgradeOutcome.NotRun, results[2].Outcome);
        Assert.Contains(Workspace, results[2].Detail);
        Assert.Equal(new[] { Project }, job.Runs); // no job for the workspace gateway
        Assert.True(ReleaseExists(s, Workspace + "-ingress"));
        Assert.Null(s.View.Get("gateway.kubesphere.io/v2alpha1", "gateways", Controls, Workspace));
    }

    [HelmFact]
    public async Task Ingresses_given_a_class_that_does_not_exist_are_reported_not_listed_as_success()
    {
        await using var s = await SandboxSession.StartAsync(GatewaySeed.Host(), "host", new SimulatedGatewayJob());
        var log = new RecordingEngineLog();

        var result = await GatewayUpgrade.UpdateOneAsync(s.Cluster, ClusterGw, Options(FixtureChart.KsCore), log, CancellationToken.None);

        Assert.True(result.Succeeded, result.Detail);
        // the job re-classed every Ingress without a class to kubesphere-router-cluster; the controller created
        // IngressClass kubesphere-router-kubesphere-system
        var dangling = s.View.List("networking.k8s.io/v1", "ingresses").Where(i => i.Str("spec", "ingressClassName") == "kubesphere-router-cluster")
            .Select(i => $"{i.Namespace()}/{i.Name()}").OrderBy(n => n, StringComparer.Ordinal).ToList();
        Assert.NotEmpty(dangling);
        Assert.Null(s.View.Get("networking.k8s.io/v1", "ingressclasses", null, "kubesphere-router-cluster"));
        Assert.NotNull(s.View.Get("networking.k8s.io/v1", "ingressclasses", null, ClusterGw));
        Assert.All(dangling, d => Assert.DoesNotContain(d, result.NewIngresses));
        Assert.Contains(log.Records, r => r.Stream == "Warning" && r.Message.Contains("kubesphere-router-cluster") && r.Message.Contains(dangling[0]));
    }

    [Fact]
    public async Task A_cluster_not_on_v4_is_named_before_the_missing_pvc_and_nothing_changes()
    {
        await using var s = await SandboxSession.StartAsync(GatewaySeed.Host(hostUpgraded: false, pvc: false), "host", new SimulatedGatewayJob());
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() =>
            GatewayUpgrade.UpdateOneAsync(s.Cluster, Project, Options("/unused"), new RecordingEngineLog(), CancellationToken.None));
        Assert.Equal(ErrorIds.ClusterNotUpgraded, e.ErrorId);
        Assert.Contains("Invoke-KsHostUpgrade", e.Remedy);
        Assert.DoesNotContain(s.Recorder.Snapshot(), Mutated);
    }

    [Fact]
    public async Task Without_the_gateway_extension_nothing_changes()
    {
        var job = new SimulatedGatewayJob();
        await using var s = await SandboxSession.StartAsync(GatewaySeed.Host(extension: false), "host", job);
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() =>
            GatewayUpgrade.UpdateOneAsync(s.Cluster, Project, Options("/unused"), new RecordingEngineLog(), CancellationToken.None));
        Assert.Equal("KsUpgrade.GatewayExtensionMissing", e.ErrorId);
        Assert.Contains("InstallPlan", e.Message);
        Assert.DoesNotContain(s.Recorder.Snapshot(), Mutated);
        Assert.Empty(job.Runs);
    }

    [Fact]
    public async Task A_pending_upgrade_while_the_extension_works_is_in_progress_not_failed()
    {
        // the job ran in an earlier run (-ingress gone, the v2 Gateway exists); helm, driven by the extension, is in the
        // middle of an upgrade of the release (pending-upgrade). The extension finishes it once the engine has seen it in
        // progress, not at a time: a delay after the sandbox started was raced by a busy machine (2 s, then 5 s: the
        // release was sometimes already deployed at the engine's first read, and nothing was seen in progress)
        var seeds = GatewaySeed.Host(controllerSeconds: 3600); // the sandbox's extension controller does not act by itself
        seeds[0].Objects.RemoveAll(o => HelmReleaseSecret.IsReleaseSecret(o) && o.Str("metadata", "labels", "name") == Project + "-ingress");
        GatewaySeed.AddRevisions(seeds[0], Project, "pending-upgrade");
        var gw = K8s.Object("gateway.kubesphere.io/v2alpha1", "Gateway", Project, Controls, Json.Strings(("kubesphere.io/gateway-type", "project")));
        gw["spec"] = new System.Text.Json.Nodes.JsonObject { ["appVersion"] = "kubesphere-nginx-ingress-4.12.1" };
        seeds[0].Objects.Add(gw);
        var job = new SimulatedGatewayJob();
        await using var s = await SandboxSession.StartAsync(seeds, "host", job);
        var log = new RecordingEngineLog();

        var run = GatewayUpgrade.UpdateOneAsync(s.Cluster, Project, Options("/unused"), log, CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!run.IsCompleted && DateTime.UtcNow < deadline
               && !log.Snapshot().Any(r => r.Stream == "Progress" && r.Message.Contains("is pending-upgrade (in progress)")))
            await Task.Delay(50);
        // the extension's controller finishes helm's upgrade now (one pass, no delay)
        KsUpgrade.Sandbox.KubeSphere.GatewayExtensionController.Reconcile(s.View, Array.Empty<KsUpgrade.Sandbox.Simulation.ISandboxClusterView>(), 0, DateTime.UtcNow);
        var result = await run;

        Assert.Equal(KsGatewayUpgradeOutcome.AlreadyUpgraded, result.Outcome);
        Assert.True(result.Succeeded, result.Detail);
        Assert.Contains(log.Records, r => r.Stream == "Progress" && r.Message.Contains("is pending-upgrade (in progress)"));
        Assert.Empty(job.Runs); // the job is not idempotent: never run again once the v2 Gateway exists
        Assert.Empty(log.Asked);
    }
}
