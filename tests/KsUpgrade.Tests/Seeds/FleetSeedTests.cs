using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Tests.Seeds;

/// <summary>
/// The multicluster seed grown to a fleet: scale key Members = N gives a host and members member1..memberN, each a
/// KubeSphere 3.4 member joined to that host (its own nodes and IPs, the host's jwtSecret, a Cluster object on the host).
/// </summary>
public class FleetSeedTests
{
    private static IReadOnlyList<SeedCluster> Fleet(int members, int? nodes = null)
    {
        var scale = new Dictionary<string, int> { ["Members"] = members };
        if (nodes is { } n) scale["Nodes"] = n;
        return SeedCatalog.Load("ks34-multicluster", scale);
    }

    [Fact]
    public void Members_8_gives_the_host_and_eight_members_in_order()
    {
        var fleet = Fleet(8);
        Assert.Equal(new[] { "host" }.Concat(Enumerable.Range(1, 8).Select(i => $"member{i}")), fleet.Select(c => c.Name));
    }

    [Fact]
    public void The_host_has_one_Cluster_object_per_member_on_v341_and_its_own()
    {
        var fleet = Fleet(8);
        var clusters = fleet[0].OfKind("Cluster").ToList();
        Assert.Equal(fleet.Select(c => c.Name).OrderBy(n => n), clusters.Select(c => c.Name()).OrderBy(n => n));
        var hostObject = Assert.Single(clusters, c => c.Label("cluster-role.kubesphere.io/host") is not null);
        Assert.Equal("host", hostObject.Name());
        foreach (var c in clusters)
        {
            Assert.Equal("v3.4.1", c.Str("status", "kubeSphereVersion"));
            Assert.Equal("v1.26.15", c.Str("status", "kubernetesVersion"));
            Assert.Contains(c["status"]!["conditions"]!.AsArray(), x => x.Str("type") == "Ready" && x.Str("status") == "True");
        }
        // each member Cluster object points at that member's own API endpoint (its first master's IP)
        var endpoints = clusters.Select(c => c.Str("spec", "connection", "kubernetesAPIEndpoint")).ToList();
        Assert.Equal(endpoints.Count, endpoints.Distinct().Count());
        foreach (var member in fleet.Skip(1))
        {
            var firstMaster = member.OfKind("Node").Select(Ip).OrderBy(ip => ip, StringComparer.Ordinal).First();
            Assert.Equal($"https://{firstMaster}:6443", clusters.Single(c => c.Name() == member.Name).Str("spec", "connection", "kubernetesAPIEndpoint"));
        }
    }

    [Fact]
    public void Every_member_is_a_34_member_of_this_host()
    {
        var fleet = Fleet(8);
        var hostJwt = JwtSecret(fleet[0]);
        foreach (var member in fleet.Skip(1))
        {
            var cc = member.One("ClusterConfiguration", "ks-installer", "kubesphere-system");
            Assert.Equal("member", cc.Str("spec", "multicluster", "clusterRole"));
            Assert.Equal("v3.4.1", cc.Label("version"));
            Assert.Equal("v3.4.1", cc.Str("status", "core", "version"));
            Assert.Empty(member.OfKind("Cluster"));
            Assert.Equal(hostJwt, JwtSecret(member));
            Assert.Contains(member.OfKind("Secret", "kubesphere-system"), s => s.Label("owner") == "helm" && s.Label("name") == "ks-core" && s.Label("status") == "deployed");
            Assert.Contains(member.OfKind("Namespace"), n => n.Name() == $"{member.Name}-apps");
        }
    }

    [Fact]
    public void Node_names_and_IPs_are_unique_across_the_fleet()
    {
        var fleet = Fleet(24);
        var nodes = fleet.SelectMany(c => c.OfKind("Node")).ToList();
        Assert.Equal(25 * 6, nodes.Count);
        Assert.Equal(nodes.Count, nodes.Select(n => n.Name()).Distinct().Count());
        Assert.Equal(nodes.Count, nodes.Select(Ip).Distinct().Count());
        Assert.All(nodes.Select(Ip), ip => Assert.Matches(@"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$", ip));
        Assert.All(nodes.Select(Ip), ip => Assert.All(ip.Split('.'), part => Assert.InRange(int.Parse(part), 0, 255)));
    }

    [Fact]
    public void Members_combines_with_the_other_scale_keys_per_cluster()
    {
        var fleet = Fleet(3, nodes: 4);
        Assert.Equal(4, fleet.Count);
        Assert.All(fleet, c => Assert.Equal(4, c.OfKind("Node").Count()));
        Assert.Equal(4, fleet[0].One("Cluster", "host")["status"]!["nodeCount"]!.GetValue<int>());
    }

    [Fact]
    public void Without_Members_the_multicluster_seed_is_unchanged()
    {
        Assert.Equal(new[] { "host", "member1", "member2" }, SeedCatalog.Load("ks34-multicluster").Select(c => c.Name));
        Assert.Equal(new[] { "host", "member1", "member2" }, SeedCatalog.Load("ks34-multicluster", new Dictionary<string, int> { ["Nodes"] = 6 }).Select(c => c.Name));
    }

    [Fact]
    public void Members_0_is_the_host_alone_with_no_member_Cluster_objects()
    {
        var fleet = Fleet(0);
        var host = Assert.Single(fleet);
        Assert.Equal("host", Assert.Single(host.OfKind("Cluster")).Name());
    }

    [Fact]
    public void The_host_seed_alone_knows_N_members()
    {
        var host = SeedCatalog.Load("ks34-host", new Dictionary<string, int> { ["Members"] = 5 }).Single();
        Assert.Equal(6, host.OfKind("Cluster").Count());
    }

    [Theory]
    [InlineData("ks34-member", 3)]
    [InlineData("empty", 3)]
    [InlineData("ks34-multicluster", 101)]
    public void Members_is_refused_where_it_means_nothing_or_is_too_many(string seed, int members)
    {
        var ex = Assert.Throws<ArgumentException>(() => SeedCatalog.Load(seed, new Dictionary<string, int> { ["Members"] = members }));
        Assert.Contains("Members", ex.Message);
    }

    private static string Ip(JsonObject node) =>
        node["status"]!["addresses"]!.AsArray().First(a => a.Str("type") == "InternalIP")!.Str("address")!;

    private static string JwtSecret(SeedCluster c)
    {
        var config = c.One("ConfigMap", "kubesphere-config", "kubesphere-system");
        var yaml = config["data"]!.AsObject().Select(kv => kv.Value?.GetValue<string>() ?? "").First(v => v.Contains("jwtSecret"));
        return Regex.Match(yaml, @"jwtSecret:\s*""([^""]*)""").Groups[1].Value;
    }
}
