using KsUpgrade.Tests.Reliability;
using System.Text.Json.Nodes;
using k8s;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Tests.ChecksOnSandbox;

/// <summary>
/// JwtSecretConsistent over real connections to the ks34-multicluster sandbox (the host and its members each read
/// through their own context): equal on the healthy seed (members carry the host's jwtSecret, as joined members do),
/// Failed naming the member whose secret was changed, never showing it; and every check of both phases, with the
/// members given, only reads (no object's resourceVersion changes on any cluster).
/// </summary>
public sealed class JwtSecretOnSandboxTests
{
    private const string Rotated = "rotated-member1-secret";

    private static async Task<(KsClusterReport Report, Dictionary<string, string> Before, Dictionary<string, string> After, IReadOnlyList<KsUpgrade.Sandbox.Faults.RequestCount> Requests)> RunAsync(
        SandboxHost host, KsCheckPhase phase)
    {
        var clients = new[] { "host", "member1", "member2" }.ToDictionary(c => c,
            c => new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath, c)));
        try
        {
            var request = SandboxChecks.HealthyRequest();
            request = new CheckRequest
            {
                Phase = phase, Values = request.Values, Helm = request.Helm, ChartLocation = request.ChartLocation, HelmTimeout = request.HelmTimeout,
                ChartResources = request.ChartResources, ChartRender = request.ChartRender,
                Peers = new[] { "member1", "member2" }.Select(m => new PeerCluster(m, KsClusterRole.Member, new KubeClusterReader(new KubeApi(clients[m], m, "")))).ToList(),
            };
            var before = clients.Keys.ToDictionary(c => c, c => StateNormaliser.WithoutVolatile(host.StateOf(c)).ToJsonString());
            host.Requests.Reset();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var report = await new ClusterChecker(new KubeClusterReader(new KubeApi(clients["host"], "host", ""))).RunAsync(request, null, timeout.Token);
            var requests = host.Requests.Snapshot();
            var after = clients.Keys.ToDictionary(c => c, c => StateNormaliser.WithoutVolatile(host.StateOf(c)).ToJsonString());
            return (report, before, after, requests);
        }
        finally
        {
            foreach (var c in clients.Values) c.Dispose();
        }
    }

    [Fact]
    public async Task HealthyMulticluster_JwtSecretEqual_EveryCheckOfBothPhasesOnlyReads()
    {
        await using var host = await SandboxHost.StartAsync(new SandboxOptions { Clusters = SeedCatalog.Load("ks34-multicluster") });
        foreach (var phase in new[] { KsCheckPhase.Preflight, KsCheckPhase.PostUpgrade })
        {
            var (report, before, after, requests) = await RunAsync(host, phase);
            var jwt = report["JwtSecretConsistent"]!;
            Assert.True(jwt.Status == KsCheckStatus.Passed, $"{phase}: {jwt.Status} {jwt.Message}");
            Assert.Contains("member1", jwt.Message);
            Assert.Contains("member2", jwt.Message);
            foreach (var c in before.Keys)
                Assert.True(before[c] == after[c], $"{phase}: the state of {c} changed during a Test-KsCluster run");
            var writes = requests.Where(r => r.Verb is not ("get" or "list" or "watch")).ToList();
            Assert.True(writes.Count == 0, string.Join(", ", writes.Select(w => $"{w.Cluster} {w.Verb} {w.Resource}")));
            // the members were read: their kubesphere-config, nothing else
            Assert.Contains(requests, r => r.Cluster == "member1" && r.Resource == "configmaps" && r.Verb == "get");
            Assert.DoesNotContain(requests, r => r.Cluster == "member1" && r.Resource != "configmaps");
        }
    }

    [Fact]
    public async Task MemberWithAnotherJwtSecret_FailsNamingIt_WithoutShowingIt()
    {
        var seeds = SeedCatalog.Load("ks34-multicluster");
        var member1 = seeds.Single(s => s.Name == "member1");
        var config = SandboxChecks.Find(member1, "ConfigMap", "kubesphere-system", "kubesphere-config");
        var yaml = (string)config["data"]!["kubesphere.yaml"]!;
        var line = yaml.Split('\n').Single(l => l.TrimStart().StartsWith("jwtSecret:", StringComparison.Ordinal));
        var original = line.Split('"')[1];
        config["data"]!["kubesphere.yaml"] = yaml.Replace(line, $"  jwtSecret: \"{Rotated}\"", StringComparison.Ordinal);
        await using var host = await SandboxHost.StartAsync(new SandboxOptions { Clusters = seeds });

        var (report, before, after, _) = await RunAsync(host, KsCheckPhase.Preflight);
        var jwt = report["JwtSecretConsistent"]!;
        Assert.Equal(KsCheckStatus.Failed, jwt.Status);
        Assert.Contains("member1 differs", jwt.Message);
        Assert.DoesNotContain("member2", jwt.Message);
        var shown = jwt.Message + jwt.Remedy + string.Join(" ", jwt.Data);
        Assert.DoesNotContain(Rotated, shown);
        Assert.DoesNotContain(original, shown);
        Assert.Equal(before["member1"], after["member1"]);
    }
}
