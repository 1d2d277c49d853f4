using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Tests.Members;

namespace KsUpgrade.Tests.Gateways;

public class LegacyGatewayCleanupTests
{
    private const string NginxApi = "gateway.kubesphere.io/v1alpha1";

    /// <summary>Every gateway converted the way the dynamic job leaves it: -ingress releases gone, own release on the v4 chart.</summary>
    private static IReadOnlyList<SeedCluster> AllUpgraded()
    {
        var seeds = GatewaySeed.Host();
        var objects = seeds[0].Objects;
        var routers = objects.Where(o => HelmReleaseSecret.IsReleaseSecret(o) && (o.Str("metadata", "labels", "name") ?? "").StartsWith("kubesphere-router")).ToList();
        foreach (var s in routers)
        {
            objects.Remove(s);
            var name = s.Str("metadata", "labels", "name")!;
            if (name.EndsWith("-ingress")) continue;
            objects.Add(HelmReleaseSecret.WithStatus(s, "superseded"));
            objects.Add(HelmReleaseSecret.Build(name, GatewaySeed.ControlsNs, 2, "deployed", "kubesphere-nginx-ingress", "4.12.1", "1.12.1", null, ""));
        }
        return seeds;
    }

    [Fact]
    public async Task Refuses_while_v3_gateways_remain()
    {
        await using var s = await SandboxSession.StartAsync(GatewaySeed.Host(), "host");
        var log = new RecordingEngineLog();

        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => LegacyGatewayCleanup.RemoveAsync(s.Cluster, false, log, CancellationToken.None));

        Assert.Equal(ErrorIds.LegacyGatewaysRemain, e.ErrorId);
        Assert.Contains("kubesphere-router-demo-project", e.Message);
        Assert.Contains("kubesphere-router-workspace-shop-ws", e.Message);
        Assert.NotNull(s.View.Get("apiextensions.k8s.io/v1", "customresourcedefinitions", null, LegacyGatewayCleanup.CrdName));
        Assert.All(s.View.List(NginxApi, "nginxes"), n => Assert.NotNull(n["metadata"]!["finalizers"]));
        Assert.DoesNotContain(s.Recorder.Snapshot(), r => r.Method is "PATCH" or "DELETE");
    }

    [Fact]
    public async Task Removes_finalizers_then_deletes_the_crd()
    {
        await using var s = await SandboxSession.StartAsync(AllUpgraded(), "host");
        Assert.Equal(3, s.View.List(NginxApi, "nginxes").Count(n => n["metadata"]!["finalizers"] is not null));
        var log = new RecordingEngineLog();

        var result = await LegacyGatewayCleanup.RemoveAsync(s.Cluster, false, log, CancellationToken.None);

        Assert.NotNull(result);
        Assert.True(result!.CrdDeleted);
        Assert.Equal(3, result.FinalizersRemoved.Count);
        Assert.Contains("kubesphere-controls-system/kubesphere-router-demo-project-ingress", result.FinalizersRemoved);
        Assert.Null(s.View.Get("apiextensions.k8s.io/v1", "customresourcedefinitions", null, LegacyGatewayCleanup.CrdName));
        var requests = s.Recorder.Snapshot();
        var lastPatch = requests.Select((r, i) => (r, i)).Last(x => x.r.Method == "PATCH" && x.r.Path.Contains("/nginxes/")).i;
        var delete = requests.Select((r, i) => (r, i)).Single(x => x.r.Method == "DELETE" && x.r.Path.EndsWith("/customresourcedefinitions/" + LegacyGatewayCleanup.CrdName)).i;
        Assert.True(lastPatch < delete, "the CRD must be deleted only after every finalizer is removed");
        Assert.Equal(3, requests.Count(r => r.Method == "PATCH" && r.Path.Contains("/nginxes/")));
        Assert.Single(log.Asked);

        // Again: nothing left to do.
        var again = await LegacyGatewayCleanup.RemoveAsync(s.Cluster, false, log, CancellationToken.None);
        Assert.True(again!.CrdAbsent);
    }

    [Fact]
    public async Task Force_cleans_up_despite_v3_gateways_and_WhatIf_does_nothing()
    {
        await using var s = await SandboxSession.StartAsync(GatewaySeed.Host(), "host");
        var declined = await LegacyGatewayCleanup.RemoveAsync(s.Cluster, true, new RecordingEngineLog { Approve = false }, CancellationToken.None);
        Assert.Null(declined);
        Assert.NotNull(s.View.Get("apiextensions.k8s.io/v1", "customresourcedefinitions", null, LegacyGatewayCleanup.CrdName));

        var log = new RecordingEngineLog();
        var result = await LegacyGatewayCleanup.RemoveAsync(s.Cluster, true, log, CancellationToken.None);
        Assert.True(result!.CrdDeleted);
        Assert.Equal(3, result.RemainingV3Gateways.Count);
        Assert.Contains(log.Records, r => r.Stream == "Warning" && r.Message.Contains("-Force"));
    }
}
