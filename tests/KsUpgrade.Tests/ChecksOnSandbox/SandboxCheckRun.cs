using KsUpgrade.Tests.Reliability;
using System.Text.Json.Nodes;
using k8s;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Sandbox.Faults;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Tests.ChecksOnSandbox;

/// <summary>What one engine run against a sandbox produced, with the evidence that it only read.</summary>
public sealed record SandboxCheckRun(
    KsClusterReport Report,
    string StateBefore,
    string StateAfter,
    IReadOnlyList<RequestCount> Requests);

/// <summary>Starts the ks34-host seed in an in-process sandbox and runs the real engine (KubeClusterReader over KubernetesClient) on it.</summary>
public static class SandboxChecks
{
    public const string Cluster = "host";

    public static readonly string HealthyValues = GuideValues.WithStorageClass("local");

    /// <summary>A ClusterRole the chart would create; on the healthy seed it does not exist yet.</summary>
    public const string NewClusterRole = "ks-core-sandbox-probe";

    /// <summary>The target chart's objects: one the upgrade adopts, one already in release ks-core, one that is new.</summary>
    public static IReadOnlyList<ChartResourceRef> ChartResources { get; } = new ChartResourceRef[]
    {
        new("v1", "ConfigMap", "kubesphere-system", "kubesphere-config"),
        new("v1", "ConfigMap", "kubesphere-system", "ks-console-config"),
        new("rbac.authorization.k8s.io/v1", "ClusterRole", null, NewClusterRole),
    };

    public static CheckRequest HealthyRequest() => new()
    {
        Phase = KsCheckPhase.Preflight,
        ChartLocation = "/work/charts/ks-core",
        HelmTimeout = TimeSpan.FromMinutes(60),
        Helm = new FixedHelmProbe(HelmProbeResult.Of("/usr/bin/helm", "v3.17.3")),
        Values = LocalValuesInspector.InspectText(HealthyValues, "ks-core-values.yaml"),
        ChartResources = ChartResources,
        ChartRender = new ChartRenderFindings
        {
            HelmVersion = "v3.17.3", ChartVersion = "1.1.5", AppVersion = "v4.1.3", PrepareObjects = 3, ReleaseObjects = 3,
            Resources = ChartResources,
        },
    };

    /// <summary>The ks34-host seed's single cluster, freshly built (callers may edit its Objects).</summary>
    public static SeedCluster LoadHostSeed() => Assert.Single(SeedCatalog.Load("ks34-host"));

    public static Task<SandboxHost> StartAsync(SeedCluster seed) =>
        SandboxHost.StartAsync(new SandboxOptions { Clusters = new[] { seed } });

    /// <summary>Runs the preflight checks once; records the whole state before and after and the requests of the run.</summary>
    public static async Task<SandboxCheckRun> RunAsync(SandboxHost host, CheckRequest request)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath, Cluster);
        using var client = new Kubernetes(config);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var before = StateNormaliser.WithoutVolatile(host.StateOf(Cluster)).ToJsonString();
        host.Requests.Reset();
        var report = await new ClusterChecker(new KubeClusterReader(new KubeApi(client, Cluster, config.Host ?? ""))).RunAsync(request, null, timeout.Token);
        var requests = host.Requests.Snapshot();
        var after = StateNormaliser.WithoutVolatile(host.StateOf(Cluster)).ToJsonString();
        return new SandboxCheckRun(report, before, after, requests);
    }

    // ---- seed editing helpers ----

    public static JsonObject Find(SeedCluster seed, string kind, string? ns, string name) =>
        seed.Objects.Single(o => (string?)o["kind"] == kind
                                 && (string?)o["metadata"]?["namespace"] == ns
                                 && (string?)o["metadata"]?["name"] == name);

    public static IEnumerable<JsonObject> OfKind(SeedCluster seed, string kind) =>
        seed.Objects.Where(o => (string?)o["kind"] == kind);

    /// <summary>A copy of the seed with another Kubernetes version (the objects are shared, not cloned).</summary>
    public static SeedCluster WithKubernetesVersion(SeedCluster seed, string version) => new()
    {
        Name = seed.Name,
        KubernetesVersion = version,
        Objects = seed.Objects,
        JobRunSeconds = seed.JobRunSeconds,
        PodReadySeconds = seed.PodReadySeconds,
    };
}
