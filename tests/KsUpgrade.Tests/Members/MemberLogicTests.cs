using System.Text.Json.Nodes;
using KsUpgrade.Engine.Members;
using KsUpgrade.Sandbox.Seeds;

namespace KsUpgrade.Tests.Members;

public class MemberLogicTests
{
    [Theory]
    [InlineData("member1", "member*", true)]
    [InlineData("member1", "MEMBER?", true)]
    [InlineData("member12", "member?", false)]
    [InlineData("host", "member*", false)]
    [InlineData("member2", "member[12]", true)]
    [InlineData("member3", "member[12]", false)]
    [InlineData("a*b", "a`*b", true)]
    [InlineData("axb", "a`*b", false)]
    [InlineData("anything", null, true)]
    public void Wildcard_matches_like_PowerShell(string value, string? pattern, bool expected) =>
        Assert.Equal(expected, Wildcard.IsMatch(value, pattern));

    [Fact]
    public void Removal_patch_tests_the_type_before_removing_the_same_index()
    {
        var ops = JsonNode.Parse(MemberClusters.RemovalPatch(3))!.AsArray();
        Assert.Equal(2, ops.Count);
        Assert.Equal("test", (string?)ops[0]!["op"]);
        Assert.Equal("/status/conditions/3/type", (string?)ops[0]!["path"]);
        Assert.Equal("Schedulable", (string?)ops[0]!["value"]);
        Assert.Equal("remove", (string?)ops[1]!["op"]);
        Assert.Equal("/status/conditions/3", (string?)ops[1]!["path"]);
    }

    [Fact]
    public void Seed_cluster_objects_read_as_host_and_members()
    {
        var host = SeedCatalog.Load("ks34-host")[0];
        var clusters = host.Objects.Where(o => (string?)o["kind"] == "Cluster" && ((string?)o["apiVersion"])!.StartsWith("cluster.kubesphere.io/")).ToList();
        Assert.Equal(3, clusters.Count);
        var hostNames = ClusterObject.HostNames(clusters);
        Assert.Equal(new[] { "host" }, hostNames);
        var member = ClusterObject.ToMember(clusters.Single(c => ClusterObject.NameOf(c) == "member1"), false, null);
        Assert.Equal(KsClusterRole.Member, member.Role);
        Assert.True(member.Ready);
        Assert.False(member.Tainted);
        Assert.True(member.AgentsSchedulable);
        Assert.Equal("v1.26.15", member.KubernetesVersion);
        Assert.Equal("v3.4.1", member.KubeSphereVersion);
        Assert.Contains(member.Conditions, c => c.Type == "Ready" && c.Status == "True");
    }

    [Fact]
    public void Schedulable_false_condition_marks_the_taint_and_blocks_agents()
    {
        var obj = JsonNode.Parse("""
            {"metadata":{"name":"m"},"status":{"conditions":[
              {"type":"Ready","status":"True"},{"type":"Schedulable","status":"False","reason":"Upgrading"}]}}
            """)!.AsObject();
        Assert.Equal(1, ClusterObject.IndexOfCondition(obj, "Schedulable"));
        var m = ClusterObject.ToMember(obj, false, null);
        Assert.True(m.Tainted);
        Assert.False(m.AgentsSchedulable);
    }

    [Fact]
    public void Without_the_label_a_cluster_named_host_is_the_host()
    {
        var objs = new[] { "host", "m1" }.Select(n => new JsonObject { ["metadata"] = new JsonObject { ["name"] = n } }).ToList();
        Assert.Equal(new[] { "host" }, ClusterObject.HostNames(objs));
    }
}
