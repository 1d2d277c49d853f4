using KsUpgrade.Tests.Reliability;
using KsUpgrade.Engine.Kube;
using System.Text.Json.Nodes;
using k8s;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.Seeds;

namespace KsUpgrade.Tests.ChecksOnSandbox;

/// <summary>
/// MemberExtensionCharts on member1 of the ks34-multicluster sandbox, read through its own context: before the host is
/// upgraded the gateway chart ConfigMap the guide's gateway job needs is not there (Failed, naming it, remedy: upgrade the
/// host first); with the ConfigMap the host's gateway job pushes (SyncHelmChart), it passes and nothing else changes.
/// Both runs only read.
/// </summary>
public sealed class MemberExtensionChartsOnSandboxTests
{
    private const string ChartConfigMap = "extension-gateway-1.0.5-chart";

    private static async Task<SandboxCheckRun> RunOnMemberAsync(IReadOnlyList<SeedCluster> seeds)
    {
        await using var host = await SandboxHost.StartAsync(new SandboxOptions { Clusters = seeds });
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath, "member1"));
        var healthy = SandboxChecks.HealthyRequest();
        var request = new CheckRequest
        {
            Phase = KsCheckPhase.Preflight, Values = healthy.Values, Helm = healthy.Helm, ChartLocation = healthy.ChartLocation,
            HelmTimeout = healthy.HelmTimeout, ChartResources = healthy.ChartResources, ChartRender = healthy.ChartRender,
        };
        var before = StateNormaliser.WithoutVolatile(host.StateOf("member1")).ToJsonString();
        host.Requests.Reset();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var report = await new ClusterChecker(new KubeClusterReader(new KubeApi(client, "member1", ""))).RunAsync(request, null, timeout.Token);
        var requests = host.Requests.Snapshot();
        return new SandboxCheckRun(report, before, StateNormaliser.WithoutVolatile(host.StateOf("member1")).ToJsonString(), requests);
    }

    /// <summary>The ConfigMap the host's gateway post-upgrade writes into every member (ks-upgrade SyncHelmChart).</summary>
    private static JsonObject PushedChart() => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject
        {
            ["name"] = ChartConfigMap, ["namespace"] = "kubesphere-system",
            ["labels"] = new JsonObject { ["kubesphere.io/extension-ref"] = "gateway" },
        },
        ["binaryData"] = new JsonObject { ["chart.tgz"] = Convert.ToBase64String("sandbox chart gateway-1.0.5"u8.ToArray()) },
    };

    [Fact]
    public async Task BeforeTheHostUpgrade_Fails_WithTheChart_Passes_AndOnlyReads()
    {
        var missing = await RunOnMemberAsync(SeedCatalog.Load("ks34-multicluster"));
        var failed = missing.Report["MemberExtensionCharts"]!;
        Assert.Equal(KsClusterRole.Member, missing.Report.ClusterRole);
        Assert.True(failed.Status == KsCheckStatus.Failed, $"{failed.Status}: {failed.Message}");
        Assert.Contains($"kubesphere-system/{ChartConfigMap}", failed.Message);
        Assert.Contains("Invoke-KsHostUpgrade", failed.Remedy);

        var seeds = SeedCatalog.Load("ks34-multicluster");
        seeds.Single(s => s.Name == "member1").Objects.Add(PushedChart());
        var present = await RunOnMemberAsync(seeds);
        var passed = present.Report["MemberExtensionCharts"]!;
        Assert.True(passed.Status == KsCheckStatus.Passed, $"{passed.Status}: {passed.Message}");
        foreach (var check in present.Report.Checks.Where(c => c.Id != "MemberExtensionCharts"))
            Assert.True(check.Status == missing.Report[check.Id]!.Status, $"{check.Id}: {missing.Report[check.Id]!.Status} then {check.Status}: {check.Message}");

        foreach (var run in new[] { missing, present })
        {
            Assert.Equal(run.StateBefore, run.StateAfter);
            ReadOnlyAssert.OnlyReads(run);
            Assert.Equal(1L, run.Requests.Where(r => r.Resource == "configmaps" && r.Verb == "list").Sum(r => r.Count)); // one LIST, no GET per chart
        }
    }
}
