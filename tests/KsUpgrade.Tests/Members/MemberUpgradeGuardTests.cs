using System.Text.Json.Nodes;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Members;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Tests.Members;

/// <summary>
/// Issue 14 (2, 3): the Schedulable condition stays on a member that still runs 3.4 (unless -Force), a member upgrade
/// needs its host (or -SkipHostCheck), and the sandbox's KubeSphere cluster controller keeps the host's view of each
/// cluster's version current.
/// </summary>
public class MemberUpgradeGuardTests
{
    private const string Api = "cluster.kubesphere.io/v1alpha1";
    private const string MemberNotUpgraded = "KsUpgrade.MemberNotUpgraded";

    /// <summary>ks34-multicluster (host, member1, member2), member1 tainted on the host as ks-upgrade's core pre-upgrade leaves it.</summary>
    private static IReadOnlyList<SeedCluster> Multicluster(double resyncSeconds = 1.0)
    {
        var seeds = SeedCatalog.Load("ks34-multicluster").Select(c => new SeedCluster
        {
            Name = c.Name, KubernetesVersion = c.KubernetesVersion, Objects = c.Objects, JobRunSeconds = c.JobRunSeconds,
            PodReadySeconds = c.PodReadySeconds, ClusterResyncSeconds = resyncSeconds,
        }).ToList();
        var member1 = SandboxSession.Find(seeds.Single(c => c.Name == "host"), "Cluster", "member1");
        member1["status"]!["conditions"]!.AsArray().Add(new JsonObject { ["type"] = "Schedulable", ["status"] = "False", ["reason"] = "Upgrading", ["message"] = "Not schedulable now" });
        return seeds;
    }

    private static List<string> ConditionTypes(JsonObject? obj) =>
        (obj?["status"]?["conditions"] as JsonArray ?? new JsonArray()).Select(c => (string)c!["type"]!).ToList();

    /// <summary>What helm leaves on a member after the upgrade to 4.1.3: a new deployed ks-core revision, the old one superseded.</summary>
    internal static void DeployKsCore41(ISandboxClusterView member)
    {
        foreach (var s in member.List("v1", "secrets", "kubesphere-system").Where(HelmReleaseSecret.IsReleaseSecret)
                     .Where(s => s["metadata"]?["labels"]?["name"]?.GetValue<string>() == "ks-core" && s["metadata"]?["labels"]?["status"]?.GetValue<string>() == "deployed"))
            member.Upsert(HelmReleaseSecret.WithStatus(s, "superseded"));
        member.Upsert(HelmReleaseSecret.Build("ks-core", "kubesphere-system", 3, "deployed", "ks-core", "1.1.5", "v4.1.3", null, ""));
    }

    private static async Task<JsonObject> WaitForVersionAsync(ISandboxClusterView host, string cluster, string version, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var obj = host.Get(Api, "clusters", null, cluster)!;
            if (obj["status"]?["kubeSphereVersion"]?.GetValue<string>() == version || DateTime.UtcNow > deadline) return obj;
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Taint_removal_refuses_a_member_the_host_sees_on_3_4_and_keeps_its_condition()
    {
        await using var s = await SandboxSession.StartAsync(Multicluster(), "host");
        var log = new RecordingEngineLog();

        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => MemberClusters.RemoveTaintAsync(s.Cluster, "member1", log, CancellationToken.None));

        Assert.Equal(MemberNotUpgraded, e.ErrorId);
        Assert.Equal(KsErrorCategory.InvalidOperation, e.Category);
        Assert.Contains("v3.4.1", e.Message);
        Assert.Contains("-Force", e.Remedy);
        Assert.Contains("Invoke-KsMemberUpgrade", e.Remedy);
        Assert.Empty(log.Asked); // refused before ShouldProcess: -WhatIf shows the refusal too
        Assert.Contains("Schedulable", ConditionTypes(s.View.Get(Api, "clusters", null, "member1")));
        Assert.DoesNotContain(s.Recorder.Snapshot(), r => r.Method is "PATCH" or "PUT" or "POST" or "DELETE");
    }

    [Fact]
    public async Task The_members_own_release_is_the_evidence_when_its_connection_is_given()
    {
        // resync off: the host's view stays as seeded (v3.4.1) whatever the member runs
        await using var s = await SandboxSession.StartAsync(Multicluster(resyncSeconds: 0), "host");
        var member1 = s.Connect("member1");
        var log = new RecordingEngineLog();

        // still 3.4 by its own release, although the host (wrongly) shows v4: refused
        var obj = s.View.Get(Api, "clusters", null, "member1")!;
        obj["status"]!["kubeSphereVersion"] = "v4.1.3";
        s.View.Upsert(obj);
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() =>
            MemberClusters.RemoveTaintAsync(s.Cluster, "member1", new TaintRemovalOptions { Member = member1 }, log, CancellationToken.None));
        Assert.Equal(MemberNotUpgraded, e.ErrorId);
        Assert.Contains("v3.3.2", e.Message); // the 3.4 ks-core chart's appVersion, read from the member
        Assert.Contains("Schedulable", ConditionTypes(s.View.Get(Api, "clusters", null, "member1")));

        // the host's connection given as the member's: refused, its release says nothing about member1
        var host = await Assert.ThrowsAsync<KsUpgradeException>(() =>
            MemberClusters.RemoveTaintAsync(s.Cluster, "member1", new TaintRemovalOptions { Member = s.Cluster }, log, CancellationToken.None));
        Assert.Equal(ErrorIds.RoleMismatch, host.ErrorId);

        // upgraded by its own release while the host still shows v3.4.1: removed, no Warning
        obj = s.View.Get(Api, "clusters", null, "member1")!;
        obj["status"]!["kubeSphereVersion"] = "v3.4.1";
        s.View.Upsert(obj);
        DeployKsCore41(s.Host.Cluster("member1"));
        var result = await MemberClusters.RemoveTaintAsync(s.Cluster, "member1", new TaintRemovalOptions { Member = member1 }, log, CancellationToken.None);
        Assert.False(result!.Tainted);
        Assert.DoesNotContain(log.Records, r => r.Stream == "Warning");
        Assert.DoesNotContain("Schedulable", ConditionTypes(s.View.Get(Api, "clusters", null, "member1")));
    }

    [Fact]
    public async Task The_cluster_controller_shows_an_upgraded_member_on_v4_one_resync_later_and_leaves_the_others()
    {
        await using var s = await SandboxSession.StartAsync(Multicluster(), "host");
        var before = s.View.List(Api, "clusters").ToDictionary(o => o["metadata"]!["name"]!.GetValue<string>(), o => o["metadata"]!["resourceVersion"]!.GetValue<string>());
        await Task.Delay(2500); // two resyncs: nothing changed, nothing written
        Assert.All(s.View.List(Api, "clusters"), o => Assert.Equal(before[o["metadata"]!["name"]!.GetValue<string>()], o["metadata"]!["resourceVersion"]!.GetValue<string>()));

        DeployKsCore41(s.Host.Cluster("member1"));
        var member1 = await WaitForVersionAsync(s.View, "member1", "v4.1.3", TimeSpan.FromSeconds(15));

        Assert.Equal("v4.1.3", member1["status"]!["kubeSphereVersion"]!.GetValue<string>());
        Assert.Equal(s.Host.SeedOf("member1").KubernetesVersion, member1["status"]!["kubernetesVersion"]!.GetValue<string>());
        Assert.Contains("Schedulable", ConditionTypes(member1)); // the controller reports versions; the condition is the admin's to remove
        Assert.Equal("v3.4.1", s.View.Get(Api, "clusters", null, "member2")!["status"]!["kubeSphereVersion"]!.GetValue<string>());
        Assert.Equal("v3.4.1", s.View.Get(Api, "clusters", null, "host")!["status"]!["kubeSphereVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_cluster_controller_waits_for_ks_controller_manager()
    {
        await using var s = await SandboxSession.StartAsync(Multicluster(resyncSeconds: 0.3), "host");
        var cm = s.View.Get("apps/v1", "deployments", "kubesphere-system", "ks-controller-manager")!;
        cm["spec"]!["replicas"] = 0;
        s.View.Upsert(cm);
        await Task.Delay(1000); // the Deployment controller scales it down
        DeployKsCore41(s.Host.Cluster("member1"));
        await Task.Delay(1500);
        Assert.Equal("v3.4.1", s.View.Get(Api, "clusters", null, "member1")!["status"]!["kubeSphereVersion"]!.GetValue<string>());

        cm = s.View.Get("apps/v1", "deployments", "kubesphere-system", "ks-controller-manager")!;
        cm["spec"]!["replicas"] = 1;
        s.View.Upsert(cm);
        var member1 = await WaitForVersionAsync(s.View, "member1", "v4.1.3", TimeSpan.FromSeconds(15));
        Assert.Equal("v4.1.3", member1["status"]!["kubeSphereVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_member_upgrade_without_its_host_is_refused_before_any_request()
    {
        await using var s = await SandboxSession.StartAsync(Multicluster(), "member1");
        foreach (var approve in new[] { true, false }) // also under -WhatIf: nothing is planned for a member without its host
        {
            var log = new RecordingEngineLog { Approve = approve };
            var request = new UpgradeRunRequest
            {
                Cluster = s.Cluster,
                Parameters = new UpgradeParameters { Role = KsClusterRole.Member, ValuesPath = GuideValues.Path, Chart = Path.Combine(Seeds.HelmTool.FixturesDir(), "ks-core") },
            };

            var e = await Assert.ThrowsAsync<KsUpgradeException>(() => UpgradeRun.RunAsync(request, log, CancellationToken.None));

            Assert.Equal("KsUpgrade.HostClusterRequired", e.ErrorId);
            Assert.Equal(KsErrorCategory.InvalidArgument, e.Category);
            Assert.Contains("-HostCluster", e.Remedy);
            Assert.Contains("-SkipHostCheck", e.Remedy);
            Assert.Empty(log.Asked);
            Assert.Empty(log.Outputs);
        }
        Assert.Empty(s.Recorder.Snapshot());
    }
}
