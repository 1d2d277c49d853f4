using System.Text.Json.Nodes;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Members;

namespace KsUpgrade.Tests.Checks;

/// <summary>
/// One parser of clusters.cluster.kubesphere.io (issue 17, point 3): Members, the inventory and the checks read a Cluster
/// object the same way, with the same words: Tainted (the Schedulable condition is present) and AgentsSchedulable.
/// </summary>
public class ClusterObjectParsingTests
{
    private static JsonObject Unlabelled(string name, bool ready)
    {
        var o = FakeClusters.Cluster(name, isHost: false, ready: ready);
        return o;
    }

    [Fact]
    public async Task An_unlabelled_cluster_named_host_is_the_host_for_the_checks_and_the_inventory_too()
    {
        // Members treat an unlabelled "host" (the default hostClusterName) as the host; the checks must agree.
        var r = FakeClusters.HealthyKs341Host();
        r.CustomObjects[CustomKind.KubeSphereCluster.CrdName].Clear();
        r.AddCustomObject(CustomKind.KubeSphereCluster, Unlabelled("host", ready: false));
        r.AddCustomObject(CustomKind.KubeSphereCluster, Unlabelled("member1", ready: true));
        var report = await new ClusterChecker(r).RunAsync(FakeClusters.HealthyRequest(), null, CancellationToken.None);

        var host = report.Inventory.KubeSphereClusters.Single(c => c.Name == "host");
        Assert.True(host.IsHost);
        Assert.False(report.Inventory.KubeSphereClusters.Single(c => c.Name == "member1").IsHost);
        Assert.Equal(KsCheckStatus.Passed, report["MembersReady"]!.Status); // the host's own object is not a member
    }

    [Fact]
    public async Task A_tainted_member_reads_Tainted_and_not_AgentsSchedulable_in_the_check_data_and_the_words()
    {
        var r = FakeClusters.HealthyV4Host();
        r.AddCustomObject(CustomKind.KubeSphereCluster, FakeClusters.Cluster("member2", isHost: false, ready: true, schedulableFalse: true));
        var report = await new ClusterChecker(r).RunAsync(FakeClusters.HealthyRequest(), null, CancellationToken.None);
        var result = report["MembersSchedulable"]!;
        var info = Assert.IsType<KsClusterInfo>(Assert.Single(result.Data));
        Assert.True(info.Tainted);
        Assert.False(info.AgentsSchedulable);
        Assert.Contains("tainted", result.Message);
        Assert.DoesNotContain("Schedulable=False", result.Message);
        var inventoryRow = report.Inventory.KubeSphereClusters.Single(c => c.Name == "member2");
        Assert.Equal((true, false), (inventoryRow.Tainted, inventoryRow.AgentsSchedulable));
        Assert.Equal((false, true), report.Inventory.KubeSphereClusters.Single(c => c.Name == "member1") is var m1 ? (m1.Tainted, m1.AgentsSchedulable) : default);
    }

    [Fact]
    public void The_member_view_and_the_inventory_row_come_from_one_parse()
    {
        var objs = new[]
        {
            FakeClusters.Cluster("host", isHost: true, ready: true),
            FakeClusters.Cluster("m1", isHost: false, ready: false, schedulableFalse: true),
        };
        var members = ClusterObject.ParseAll(objs, null);
        var m1 = members.Single(m => m.Name == "m1");
        Assert.True(m1.Tainted);
        Assert.False(m1.AgentsSchedulable);
        var info = ClusterObject.ToInfo(m1);
        Assert.Equal(("m1", false, false, true, false, "AgentUnavailable"), (info.Name, info.IsHost, info.Ready, info.Tainted, info.AgentsSchedulable, info.ReadyReason));
        Assert.True(ClusterObject.ToInfo(members.Single(m => m.Name == "host")).IsHost);
    }
}
