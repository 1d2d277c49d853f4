using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KsUpgrade.Sandbox.Faults;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>Workload behaviours deciding job outcomes, and the fault plan's delays, dropped connections and release status.</summary>
public sealed class BehaviourAndFaultTests : IAsyncLifetime
{
    private SandboxHost _host = null!;
    private KubectlRunner _kubectl = null!;
    private readonly RecordingBehaviour _behaviour = new();

    /// <summary>Creates a ConfigMap and succeeds for jobs named "migrate"; fails "broken"; no opinion otherwise.</summary>
    private sealed class RecordingBehaviour : IWorkloadBehaviour
    {
        public List<string> Seen { get; } = new();
        public JobOutcome? OnJobRun(JsonObject job, ISandboxClusterView cluster)
        {
            var name = job["metadata"]!["name"]!.GetValue<string>();
            lock (Seen) Seen.Add(name);
            switch (name)
            {
                case "migrate":
                    cluster.Upsert(new JsonObject
                    {
                        ["apiVersion"] = "v1", ["kind"] = "ConfigMap",
                        ["metadata"] = new JsonObject { ["name"] = "migrated", ["namespace"] = "apps" },
                        ["data"] = new JsonObject { ["by"] = name },
                    });
                    return new JobOutcome(true, new[] { "migrating", "done: 3 objects" });
                case "broken":
                    return new JobOutcome(false, new[] { "error: cannot migrate" });
                default:
                    return null;
            }
        }
    }

    public async Task InitializeAsync()
    {
        _host = await SandboxHost.StartAsync(new SandboxOptions { Clusters = new[] { TestSeed.Build("b") }, Behaviours = new[] { _behaviour } });
        _kubectl = new KubectlRunner(_host.KubeconfigPath);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Job(string name) => $"apiVersion: batch/v1\nkind: Job\nmetadata: {{name: {name}, namespace: apps}}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: c, image: tool}}]\n";

    [Fact]
    public async Task A_behaviour_decides_the_outcome_writes_objects_and_provides_the_log()
    {
        await _kubectl.OkWithInputAsync(Job("migrate") + "---\n" + Job("broken") + "---\n" + Job("other"), "apply", "-f", "-");
        await _kubectl.OkAsync("wait", "--for=condition=complete", "job/migrate", "job/other", "-n", "apps", "--timeout=20s");
        await _kubectl.OkAsync("wait", "--for=condition=failed", "job/broken", "-n", "apps", "--timeout=20s");
        Assert.Equal("migrate", _host.Cluster("b").Get("v1", "configmaps", "apps", "migrated")!["data"]!["by"]!.GetValue<string>());
        Assert.Equal("migrating\ndone: 3 objects\n", await _kubectl.OkAsync("logs", "job/migrate", "-n", "apps"));
        Assert.Equal("error: cannot migrate\n", await _kubectl.OkAsync("logs", "job/broken", "-n", "apps"));
        lock (_behaviour.Seen) Assert.Equal(new[] { "broken", "migrate", "other" }, _behaviour.Seen.OrderBy(x => x));
    }

    [Fact]
    public async Task The_fault_plan_fails_a_job_before_behaviours_are_asked()
    {
        _host.FailJob("migrate2");
        await _kubectl.OkWithInputAsync(Job("migrate2"), "apply", "-f", "-");
        await _kubectl.OkAsync("wait", "--for=condition=failed", "job/migrate2", "-n", "apps", "--timeout=20s");
        lock (_behaviour.Seen) Assert.DoesNotContain("migrate2", _behaviour.Seen);
    }

    [Fact]
    public async Task Delays_and_dropped_connections()
    {
        using var k = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_host.KubeconfigPath));
        _host.AddFault(new FaultRule { Verb = "get", Resource = "namespaces", Name = "apps", DelayMs = 700, Times = 1 });
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await k.CoreV1.ReadNamespaceAsync("apps");
        Assert.True(sw.ElapsedMilliseconds >= 650, $"took {sw.ElapsedMilliseconds} ms");

        _host.AddFault(new FaultRule { Verb = "get", Resource = "namespaces", Name = "team-a", DropConnection = true, Times = 1 });
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => k.CoreV1.ReadNamespaceAsync("team-a"));
        Assert.Equal("team-a", (await k.CoreV1.ReadNamespaceAsync("team-a")).Metadata.Name);

        _host.AddFault(new FaultRule { Verb = "*", Resource = "*", Cluster = "elsewhere", Status = 500 });
        Assert.NotNull(await k.CoreV1.ReadNamespaceAsync("apps"));
        _host.ClearFaults();
    }

    private static string EncodeRelease(JsonObject release)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionMode.Compress, true)) gz.Write(Encoding.UTF8.GetBytes(release.ToJsonString()));
        return Convert.ToBase64String(ms.ToArray());
    }

    private static JsonObject DecodeRelease(byte[] secretData)
    {
        var gz = Convert.FromBase64String(Encoding.ASCII.GetString(secretData));
        using var z = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        using var sr = new StreamReader(z);
        return (JsonObject)JsonNode.Parse(sr.ReadToEnd())!;
    }

    [Fact]
    public async Task A_helm_release_can_be_left_pending_upgrade()
    {
        using var k = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_host.KubeconfigPath));
        foreach (var v in new[] { 1, 2 })
        {
            var release = new JsonObject { ["name"] = "gw", ["version"] = v, ["namespace"] = "apps", ["info"] = new JsonObject { ["status"] = v == 2 ? "deployed" : "superseded" } };
            await k.CoreV1.CreateNamespacedSecretAsync(new V1Secret
            {
                Metadata = new V1ObjectMeta
                {
                    Name = $"sh.helm.release.v1.gw.v{v}", NamespaceProperty = "apps",
                    Labels = new Dictionary<string, string> { ["owner"] = "helm", ["name"] = "gw", ["version"] = v.ToString(), ["status"] = v == 2 ? "deployed" : "superseded" },
                },
                Type = "helm.sh/release.v1",
                Data = new Dictionary<string, byte[]> { ["release"] = Encoding.ASCII.GetBytes(EncodeRelease(release)) },
            }, "apps");
        }
        _host.SetHelmReleaseStatus("b", "apps", "gw", "pending-upgrade");
        var latest = await k.CoreV1.ReadNamespacedSecretAsync("sh.helm.release.v1.gw.v2", "apps");
        Assert.Equal("pending-upgrade", latest.Metadata.Labels["status"]);
        Assert.Equal("pending-upgrade", DecodeRelease(latest.Data["release"])["info"]!["status"]!.GetValue<string>());
        var older = await k.CoreV1.ReadNamespacedSecretAsync("sh.helm.release.v1.gw.v1", "apps");
        Assert.Equal("superseded", older.Metadata.Labels["status"]);
        Assert.Throws<ArgumentException>(() => _host.SetHelmReleaseStatus("b", "apps", "no-such-release", "pending-upgrade"));
    }
}
