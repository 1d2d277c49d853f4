using System.Text.Json.Nodes;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Members;
using KsUpgrade.Sandbox.Seeds;

namespace KsUpgrade.Tests.Members;

public class MemberClustersSandboxTests
{
    private const string Api = "cluster.kubesphere.io/v1alpha1";

    /// <summary>
    /// ks34-host with member1 tainted as ks-upgrade's core pre-upgrade leaves it (KSCoreReady + Schedulable=False appended),
    /// and shown on v4.1.3 by the host (upgraded) unless <paramref name="upgraded"/> is false (then v3.4.1, as seeded).
    /// </summary>
    private static IReadOnlyList<SeedCluster> TaintedHost(bool statusSubresource = false, bool upgraded = true)
    {
        var seeds = SandboxSession.Seed("ks34-host", "host");
        var member1 = SandboxSession.Find(seeds[0], "Cluster", "member1");
        if (upgraded) member1["status"]!["kubeSphereVersion"] = "v4.1.3";
        var conditions = member1["status"]!["conditions"]!.AsArray();
        conditions.Add(new JsonObject { ["type"] = "KSCoreReady", ["status"] = "True", ["reason"] = "KSCoreReady", ["message"] = "KS Core is available now" });
        conditions.Add(new JsonObject { ["type"] = "Schedulable", ["status"] = "False", ["reason"] = "Upgrading", ["message"] = "Not schedulable now" });
        if (statusSubresource)
        {
            var crd = SandboxSession.Find(seeds[0], "CustomResourceDefinition", "clusters.cluster.kubesphere.io");
            foreach (var v in crd["spec"]!["versions"]!.AsArray()) v!["subresources"] = new JsonObject { ["status"] = new JsonObject() };
        }
        return seeds;
    }

    private static List<string> ConditionTypes(JsonObject? obj) =>
        (obj?["status"]?["conditions"] as JsonArray ?? new JsonArray()).Select(c => (string)c!["type"]!).ToList();

    [Fact]
    public async Task Lists_host_and_members_with_roles_and_wildcards()
    {
        await using var s = await SandboxSession.StartAsync(TaintedHost(), "host");
        var log = new RecordingEngineLog();
        var all = await MemberClusters.ListAsync(s.Cluster, null, log, CancellationToken.None);
        Assert.Equal(new[] { "host", "member1", "member2" }, all.Select(m => m.Name));
        Assert.Equal(KsClusterRole.Host, all[0].Role);
        Assert.All(all.Skip(1), m => Assert.Equal(KsClusterRole.Member, m.Role));
        Assert.True(all[1].Tainted);
        Assert.False(all[1].AgentsSchedulable);
        Assert.False(all[2].Tainted);
        Assert.All(all, m => Assert.True(m.Ready));

        var members = await MemberClusters.ListAsync(s.Cluster, "member*", log, CancellationToken.None);
        Assert.Equal(new[] { "member1", "member2" }, members.Select(m => m.Name));
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => MemberClusters.ListAsync(s.Cluster, "nope", log, CancellationToken.None));
        Assert.Equal(ErrorIds.MemberNotFound, e.ErrorId);
        Assert.Contains("member2", e.Message);
    }

    [Fact]
    public async Task Removes_the_condition_where_present_and_keeps_the_others()
    {
        await using var s = await SandboxSession.StartAsync(TaintedHost(), "host");
        var before = ConditionTypes(s.View.Get(Api, "clusters", null, "member1"));
        Assert.Contains("Schedulable", before);
        var log = new RecordingEngineLog();

        var result = await MemberClusters.RemoveTaintAsync(s.Cluster, "member1", log, CancellationToken.None);

        Assert.NotNull(result);
        Assert.False(result!.Tainted);
        Assert.Equal("member1", result.Name);
        var after = ConditionTypes(s.View.Get(Api, "clusters", null, "member1"));
        Assert.Equal(before.Where(t => t != "Schedulable"), after);
        Assert.Single(log.Asked);
        Assert.DoesNotContain(log.Records, r => r.Stream == "Warning");
        Assert.Contains(s.Recorder.Snapshot(), r => r.Method == "PATCH" && r.Path.EndsWith("/clusters/member1"));
        Assert.DoesNotContain(s.Recorder.Snapshot(), r => r.Path.EndsWith("/member1/status"));
    }

    [Fact]
    public async Task Force_removes_the_condition_of_a_3_4_member_with_a_warning()
    {
        await using var s = await SandboxSession.StartAsync(TaintedHost(upgraded: false), "host");
        var before = ConditionTypes(s.View.Get(Api, "clusters", null, "member1"));
        var log = new RecordingEngineLog();

        var result = await MemberClusters.RemoveTaintAsync(s.Cluster, "member1", new TaintRemovalOptions { Force = true }, log, CancellationToken.None);

        Assert.False(result!.Tainted);
        Assert.Equal(before.Where(t => t != "Schedulable"), ConditionTypes(s.View.Get(Api, "clusters", null, "member1")));
        Assert.Single(log.Asked);
        var warning = Assert.Single(log.Records, r => r.Stream == "Warning");
        Assert.Contains("v3.4.1", warning.Message);
        Assert.Contains("-Force", warning.Message);
        Assert.Contains(s.Recorder.Snapshot(), r => r.Method == "PATCH" && r.Path.EndsWith("/clusters/member1"));
        Assert.DoesNotContain(s.Recorder.Snapshot(), r => r.Path.EndsWith("/member1/status"));
    }

    [Fact]
    public async Task Member_without_the_condition_is_unchanged_and_not_an_error()
    {
        await using var s = await SandboxSession.StartAsync(TaintedHost(), "host");
        var rv = (string?)s.View.Get(Api, "clusters", null, "member2")!["metadata"]!["resourceVersion"];
        var log = new RecordingEngineLog();

        var result = await MemberClusters.RemoveTaintAsync(s.Cluster, "member2", log, CancellationToken.None);

        Assert.NotNull(result);
        Assert.False(result!.Tainted);
        Assert.Empty(log.Asked);
        Assert.Contains(log.Records, r => r.Message.Contains("unchanged"));
        Assert.Equal(rv, (string?)s.View.Get(Api, "clusters", null, "member2")!["metadata"]!["resourceVersion"]);
        Assert.DoesNotContain(s.Recorder.Snapshot(), r => r.Method == "PATCH");
    }

    [Fact]
    public async Task Refuses_the_host_and_unknown_names()
    {
        await using var s = await SandboxSession.StartAsync(TaintedHost(), "host");
        var log = new RecordingEngineLog();
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => MemberClusters.RemoveTaintAsync(s.Cluster, "host", log, CancellationToken.None));
        Assert.Equal(ErrorIds.HostClusterRefused, e.ErrorId);
        var n = await Assert.ThrowsAsync<KsUpgradeException>(() => MemberClusters.RemoveTaintAsync(s.Cluster, "member9", log, CancellationToken.None));
        Assert.Equal(ErrorIds.MemberNotFound, n.ErrorId);
        Assert.Contains("host, member1, member2", n.Message);
        Assert.DoesNotContain(s.Recorder.Snapshot(), r => r.Method == "PATCH");
    }

    [Fact]
    public async Task Acts_on_a_piped_cluster_through_its_host_and_does_not_warn_for_an_upgraded_member()
    {
        var seeds = TaintedHost();
        SandboxSession.Find(seeds[0], "Cluster", "member1")["status"]!["kubeSphereVersion"] = "v4.1.3";
        await using var s = await SandboxSession.StartAsync(seeds, "host");
        var log = new RecordingEngineLog();
        var piped = (await MemberClusters.ListAsync(s.Cluster, "member1", log, CancellationToken.None)).Single();

        var result = await MemberClusters.RemoveTaintAsync(piped, log, CancellationToken.None);

        Assert.False(result!.Tainted);
        Assert.Equal("v4.1.3", result.KubeSphereVersion);
        Assert.DoesNotContain(log.Records, r => r.Stream == "Warning");
        Assert.DoesNotContain("Schedulable", ConditionTypes(s.View.Get(Api, "clusters", null, "member1")));
    }

    [Fact]
    public async Task A_member_cluster_itself_is_not_a_host_it_says_so_instead_of_listing_nothing()
    {
        await using var s = await SandboxSession.StartAsync(SandboxSession.Seed("ks34-member", "member1"), "member1");
        var log = new RecordingEngineLog();
        var notHost = await Assert.ThrowsAsync<KsUpgradeException>(() => MemberClusters.ListAsync(s.Cluster, null, log, CancellationToken.None));
        Assert.Equal(ErrorIds.NotHostCluster, notHost.ErrorId);
        Assert.Contains("is not a KubeSphere multicluster host", notHost.Message);
        Assert.Contains("Connect-KsCluster", notHost.Remedy);
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => MemberClusters.RemoveTaintAsync(s.Cluster, "member1", log, CancellationToken.None));
        Assert.Equal(ErrorIds.MemberNotFound, e.ErrorId);
        Assert.Contains("(none)", e.Message);
    }

    [Fact]
    public async Task WhatIf_changes_nothing()
    {
        await using var s = await SandboxSession.StartAsync(TaintedHost(), "host");
        var log = new RecordingEngineLog { Approve = false };
        var result = await MemberClusters.RemoveTaintAsync(s.Cluster, "member1", log, CancellationToken.None);
        Assert.Null(result);
        Assert.Single(log.Asked);
        Assert.Contains("Schedulable", ConditionTypes(s.View.Get(Api, "clusters", null, "member1")));
    }

    [Fact]
    public async Task A_condition_inserted_before_it_between_read_and_patch_is_kept()
    {
        await using var s = await SandboxSession.StartAsync(TaintedHost(), "host");
        var log = new RecordingEngineLog();
        var inserted = 0;
        Task Insert(int attempt)
        {
            if (attempt == 1)
            {
                // Another writer (the cluster controller) puts a new condition at the front: every index shifts by one.
                var obj = s.View.Get(Api, "clusters", null, "member1")!;
                obj["status"]!["conditions"]!.AsArray().Insert(0, new JsonObject { ["type"] = "AgentAvailable", ["status"] = "True" });
                s.View.Upsert(obj);
                inserted++;
            }
            return Task.CompletedTask;
        }

        var result = await MemberClusters.RemoveTaintAsync(s.Cluster, "member1", log, Insert, CancellationToken.None);

        Assert.Equal(1, inserted);
        Assert.NotNull(result);
        var after = ConditionTypes(s.View.Get(Api, "clusters", null, "member1"));
        Assert.DoesNotContain("Schedulable", after);
        Assert.Equal(new[] { "AgentAvailable", "Initialized", "Federated", "OpenPitrixRuntimeReady", "Ready", "KSCoreReady" }, after);
        Assert.Equal(2, s.Recorder.Snapshot().Count(r => r.Method == "PATCH"));
        Assert.Contains(log.Records, r => r.Stream == "Verbose" && r.Message.Contains("changed between read and patch"));
    }

    [Fact]
    public async Task Gives_up_without_removing_anything_when_the_conditions_keep_moving()
    {
        await using var s = await SandboxSession.StartAsync(TaintedHost(), "host");
        var log = new RecordingEngineLog();
        Task Shift(int attempt)
        {
            var obj = s.View.Get(Api, "clusters", null, "member1")!;
            obj["status"]!["conditions"]!.AsArray().Insert(0, new JsonObject { ["type"] = $"Extra{attempt}", ["status"] = "True" });
            s.View.Upsert(obj);
            return Task.CompletedTask;
        }
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => MemberClusters.RemoveTaintAsync(s.Cluster, "member1", log, Shift, CancellationToken.None));
        Assert.Equal(ErrorIds.TaintConflict, e.ErrorId);
        var after = ConditionTypes(s.View.Get(Api, "clusters", null, "member1"));
        Assert.Contains("Schedulable", after);
        Assert.Contains("Ready", after);
        Assert.Equal(6 + MemberClusters.MaxPatchAttempts, after.Count); // 4 seed + KSCoreReady + Schedulable + one extra per attempt
    }

    [Fact]
    public async Task Uses_the_status_subresource_when_the_crd_declares_one()
    {
        await using var s = await SandboxSession.StartAsync(TaintedHost(statusSubresource: true), "host");
        var log = new RecordingEngineLog();

        var result = await MemberClusters.RemoveTaintAsync(s.Cluster, "member1", log, CancellationToken.None);

        Assert.False(result!.Tainted);
        Assert.DoesNotContain("Schedulable", ConditionTypes(s.View.Get(Api, "clusters", null, "member1")));
        Assert.Contains(s.Recorder.Snapshot(), r => r.Method == "PATCH" && r.Path.EndsWith("/clusters/member1/status"));
        Assert.DoesNotContain(s.Recorder.Snapshot(), r => r.Method == "PATCH" && r.Path.EndsWith("/clusters/member1"));
    }

    [Fact]
    public async Task Falls_back_to_the_status_subresource_when_the_crd_cannot_be_read()
    {
        await using var s = await SandboxSession.StartAsync(TaintedHost(statusSubresource: true), "host");
        s.Host.AddFault(new KsUpgrade.Sandbox.Faults.FaultRule { Verb = "get", Resource = "customresourcedefinitions", Status = 403, Message = "forbidden" });
        var log = new RecordingEngineLog();

        var result = await MemberClusters.RemoveTaintAsync(s.Cluster, "member1", log, CancellationToken.None);

        Assert.False(result!.Tainted);
        Assert.DoesNotContain("Schedulable", ConditionTypes(s.View.Get(Api, "clusters", null, "member1")));
        var patches = s.Recorder.Snapshot().Where(r => r.Method == "PATCH").Select(r => r.Path).ToList();
        Assert.Equal(2, patches.Count);
        Assert.EndsWith("/clusters/member1", patches[0]);
        Assert.EndsWith("/clusters/member1/status", patches[1]);
    }
}
