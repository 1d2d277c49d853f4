using System.Text.Json.Nodes;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Tests.Members;
using KsUpgrade.Tests.Seeds;

namespace KsUpgrade.Tests.Gateways;

/// <summary>
/// The gateway part of the guide against the sandbox's simulated ks-upgrade: the host's pre/post-upgrade jobs run (their
/// gateway module backs up and retires the v1 Gateways, and creates InstallPlan gateway, so the sandbox's gateway
/// extension controller installs each v4 gateway), then the gateways are upgraded by our rendered dynamic-upgrade job
/// (real helm) — the workspace gateway is refused before any change, as ks-upgrade v4.1.3 would break it — then the
/// legacy Nginx CRD is removed.
/// </summary>
public class GatewayGuideFlowTests
{
    private const string Ns = "kubesphere-system";
    private const string Config = """
        storage:
          local:
            path: /tmp/ks-upgrade
        validator:
          ksVersion:
            enabled: true
          extensionsMuseum:
            enabled: false
        jobs:
          gateway:
            enabled: true
            priority: 90
            extensionRef: {name: gateway, version: 1.0.5}
        """;

    private static IReadOnlyList<SeedCluster> HostBeforeUpgrade()
    {
        var seeds = SandboxSession.Seed("ks34-host", "host");
        var objects = seeds[0].Objects;
        objects.Add(K8s.BoundClaim(Ns, "ks-upgrade", "5Gi", "local").Pvc);
        objects.Add(K8s.ConfigMap(Ns, "ks-core-upgrade-config", new JsonObject { ["config-patch.yaml"] = Config }));
        objects.Add(Crds.Simple("kubesphere.io", "v1alpha1", "InstallPlan", "installplans", false, statusSubresource: true));
        return seeds;
    }

    private static async Task RunJobAsync(SandboxSession s, JsonObject job)
    {
        s.View.Upsert(job);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var conditions = s.View.Get("batch/v1", "jobs", Ns, job.Name())?["status"]?["conditions"] as JsonArray;
            if (conditions?.Any(c => c.Str("type") == "Complete") == true) return;
            Assert.False(conditions?.Any(c => c.Str("type") == "Failed") == true, $"job {job.Name()} failed");
            await Task.Delay(100);
        }
        Assert.Fail($"job {job.Name()} did not complete");
    }

    /// <summary>helm upgrade of ks-core, as far as the release storage shows it: revision 2 on v4.1.3.</summary>
    private static void SetKsCore(SandboxSession s, string status)
    {
        var v1 = s.View.Get("v1", "secrets", Ns, HelmReleaseSecret.SecretName("ks-core", 1))!;
        if (v1.Str("metadata", "labels", "status") != "superseded" && status == "deployed") s.View.Upsert(HelmReleaseSecret.WithStatus(v1, "superseded"));
        s.View.Upsert(HelmReleaseSecret.Build("ks-core", Ns, 2, status, "ks-core", "1.1.5", "v4.1.3", new JsonObject(), ""));
    }

    [HelmFact]
    public async Task Host_upgrade_then_every_gateway_then_legacy_cleanup()
    {
        var chart = FixtureChart.KsCore;
        await using var s = await SandboxSession.StartAsync(HostBeforeUpgrade(), "host", new KsUpgradeJobBehaviour());
        var log = new RecordingEngineLog();
        var options = new GatewayUpgradeOptions
        {
            Chart = chart, HelmPath = FixtureChart.Helm, PollInterval = TimeSpan.FromMilliseconds(100), JobTimeout = TimeSpan.FromSeconds(30),
            VerifyTimeout = TimeSpan.FromSeconds(30),
        };

        // Before the host upgrade: refused, nothing started.
        var early = await Assert.ThrowsAsync<KsUpgradeException>(() => GatewayUpgrade.UpdateAsync(s.Cluster, new[] { "kubesphere-router-demo-project" }, options, log, CancellationToken.None));
        Assert.Equal(ErrorIds.ClusterNotUpgraded, early.ErrorId);

        await RunJobAsync(s, KsUpgradeJobBehaviourTests.Job("ks-core-pre-upgrade", "pre-upgrade", "ks-core-upgrade-config", "ks-upgrade"));
        SetKsCore(s, "pending-upgrade");
        await RunJobAsync(s, KsUpgradeJobBehaviourTests.Job("ks-core-post-upgrade", "post-upgrade", "ks-core-upgrade-config", "ks-upgrade"));
        SetKsCore(s, "deployed");

        var gateways = await GatewayCatalog.ListAsync(s.Cluster, null, log, CancellationToken.None);
        Assert.Equal(3, gateways.Count);
        Assert.All(gateways, g => Assert.False(g.Upgraded));

        const string project = "kubesphere-router-demo-project", workspace = "kubesphere-router-workspace-shop-ws", clusterGw = "kubesphere-router-kubesphere-system";
        var results = await GatewayUpgrade.UpdateAsync(s.Cluster, gateways.Select(g => g.Name).ToList(), options, log, CancellationToken.None);

        Assert.Equal(new[] { KsGatewayScope.Project, KsGatewayScope.Workspace, KsGatewayScope.Cluster }, results.Select(r => r.Gateway.Scope));
        var byName = results.ToDictionary(r => r.Gateway.Name);
        Assert.True(byName[project].Outcome == KsGatewayUpgradeOutcome.Upgraded, byName[project].Detail);
        Assert.Equal(new[] { "demo-project/productpage" }, byName[project].NewIngresses);
        Assert.True(byName[project].Gateway.Upgraded);
        // the workspace gateway: refused before any change (v4.1.3 would uninstall its controller, then fail)
        Assert.Equal(ErrorIds.GatewayWorkspaceUnsupported, byName[workspace].ErrorId);
        Assert.Contains(s.View.List("v1", "secrets", "kubesphere-controls-system"), o => o.Str("metadata", "labels", "name") == workspace + "-ingress");
        Assert.Null(s.View.Get("gateway.kubesphere.io/v2alpha1", "gateways", "kubesphere-controls-system", workspace));
        // the cluster gateway waits for it
        Assert.Equal(KsGatewayUpgradeOutcome.NotRun, byName[clusterGw].Outcome);
        Assert.Contains(workspace, byName[clusterGw].Detail);
        Assert.Contains(log.Records, r => r.Stream == "Verbose" && r.Message.StartsWith("[dynamic-upgrade-") && r.Message.Contains("upgraded"));

        // the workspace gateway handled by hand (see the help), the cluster gateway is upgraded on its own; v4.1.3 gives
        // every Ingress without a class the hard-coded kubesphere-router-cluster, which is not the IngressClass it creates
        var cluster = Assert.Single(await GatewayUpgrade.UpdateAsync(s.Cluster, new[] { clusterGw }, options, log, CancellationToken.None));
        Assert.True(cluster.Outcome == KsGatewayUpgradeOutcome.Upgraded, cluster.Detail);
        Assert.Empty(cluster.NewIngresses);
        Assert.Equal(new[] { "demo-staging/staging", "shop-frontend/frontend" }, cluster.UnservedIngresses);
        Assert.NotNull(s.View.Get("networking.k8s.io/v1", "ingressclasses", null, clusterGw));
        Assert.Contains(log.Records, r => r.Stream == "Warning" && r.Message.Contains("'kubesphere-router-cluster', which names no IngressClass")
                                          && r.Message.Contains($"Update-KsGateway -Name {clusterGw} -RepointIngressClass"));
        Assert.Empty(cluster.RepointedIngresses);

        // -RepointIngressClass on the gateway upgraded above (AlreadyUpgraded): the Ingresses whose class is exactly the
        // hard-coded kubesphere-router-cluster, which no IngressClass has. Declined (-WhatIf): asked, nothing changed.
        var unservedNames = new[] { ("demo-staging", "staging"), ("shop-frontend", "frontend") };
        string? ClassOf(string ns, string name) => s.View.Get("networking.k8s.io/v1", "ingresses", ns, name)!.Str("spec", "ingressClassName");
        var repoint = options with { RepointIngressClass = true };
        // not ks-upgrade's doing: an Ingress of another missing class is left as it is
        s.View.Upsert(K8s.Ingress("demo-staging", "legacy", "legacy.example.com", "legacy", 80, "nginx-old"));
        var whatIf = new RecordingEngineLog { Approve = false };
        var preview = Assert.Single(await GatewayUpgrade.UpdateAsync(s.Cluster, new[] { clusterGw }, repoint, whatIf, CancellationToken.None));
        Assert.Equal(KsGatewayUpgradeOutcome.AlreadyUpgraded, preview.Outcome);
        Assert.Empty(preview.RepointedIngresses);
        Assert.Equal(new[] { "demo-staging/staging", "shop-frontend/frontend" }, preview.UnservedIngresses);
        Assert.Contains(whatIf.Asked, a => a.Action.Contains("kubesphere-router-cluster") && a.Action.Contains(clusterGw) && a.Action.Contains("demo-staging/staging"));
        Assert.All(unservedNames, i => Assert.Equal("kubesphere-router-cluster", ClassOf(i.Item1, i.Item2)));

        // a conflict on one patch (another writer, every time) is an error naming the Ingress and the remedy; the other is repointed
        var conflict = s.Host.AddFault(new KsUpgrade.Sandbox.Faults.FaultRule { Verb = "patch", Resource = "ingresses", Namespace = "demo-staging", Name = "staging", ConcurrentWrite = true });
        var partial = Assert.Single(await GatewayUpgrade.UpdateAsync(s.Cluster, new[] { clusterGw }, repoint, log, CancellationToken.None));
        s.Host.Faults.Remove(conflict.Id!);
        Assert.Equal(ErrorIds.IngressRepointFailed, partial.ErrorId);
        Assert.False(partial.Succeeded);
        Assert.Equal(new[] { "shop-frontend/frontend" }, partial.RepointedIngresses);
        Assert.Equal(new[] { "demo-staging/staging" }, partial.UnservedIngresses);
        Assert.Contains("demo-staging/staging", partial.Detail);
        Assert.Contains($"Update-KsGateway -Name {clusterGw} -RepointIngressClass", partial.Remedy);
        Assert.Equal(clusterGw, ClassOf("shop-frontend", "frontend"));
        Assert.Equal("kubesphere-router-cluster", ClassOf("demo-staging", "staging"));

        // run again: the one left is repointed; an Ingress of a class that exists, or of another missing class, is left alone
        var repaired = Assert.Single(await GatewayUpgrade.UpdateAsync(s.Cluster, new[] { clusterGw }, repoint, log, CancellationToken.None));
        Assert.True(repaired.Succeeded, repaired.Detail);
        Assert.Null(repaired.ErrorId);
        Assert.Equal(new[] { "demo-staging/staging" }, repaired.RepointedIngresses);
        Assert.Empty(repaired.UnservedIngresses);
        Assert.All(unservedNames, i => Assert.Equal(clusterGw, ClassOf(i.Item1, i.Item2)));
        Assert.Equal("nginx-old", ClassOf("demo-staging", "legacy"));
        Assert.Empty(Assert.Single(await GatewayUpgrade.UpdateAsync(s.Cluster, new[] { clusterGw }, repoint, log, CancellationToken.None)).RepointedIngresses);

        var again = await GatewayUpgrade.UpdateAsync(s.Cluster, gateways.Select(g => g.Name).ToList(), options, log, CancellationToken.None);
        Assert.Equal(KsGatewayUpgradeOutcome.AlreadyUpgraded, again.Single(r => r.Gateway.Name == project).Outcome);
        Assert.Equal(ErrorIds.GatewayWorkspaceUnsupported, again.Single(r => r.Gateway.Name == workspace).ErrorId);

        Assert.NotEmpty(s.View.List("gateway.kubesphere.io/v1alpha1", "nginxes"));
        var cleanup = await LegacyGatewayCleanup.RemoveAsync(s.Cluster, true, log, CancellationToken.None);
        Assert.True(cleanup!.CrdDeleted);
        Assert.Equal(new[] { workspace }, cleanup.RemainingV3Gateways);
        Assert.Equal(3, cleanup.NginxObjects.Count);
        Assert.Null(s.View.Get("apiextensions.k8s.io/v1", "customresourcedefinitions", null, LegacyGatewayCleanup.CrdName));
    }
}
