using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.Seeds;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>
/// The control API's count of writes a state comparison sees (GET /_sandbox/clusters/&lt;name&gt;/changes), which the
/// Pester suite's "nothing changed" checks (Get-SandboxStateText, the parameter sweep) read instead of the whole state:
/// the kubelets' heartbeats move the resourceVersion but not the count; every write through the API that changes an
/// object (a Lease's renewTime written by a client included; one of the same content is a no-op, as on a real server) and a controller's answer to it moves it; a dry run and an
/// Event do not (the state comparison leaves Events out).
/// </summary>
public sealed class StateChangesTests
{
    private const string Cluster = "test";

    [Fact]
    public async Task Heartbeats_do_not_count_every_api_write_does_and_the_count_agrees_with_the_state()
    {
        var seed = TestSeed.Build(Cluster);
        await using var host = await SandboxHost.StartAsync(new SandboxOptions
        {
            Clusters = new[]
            {
                new SeedCluster
                {
                    Name = seed.Name, KubernetesVersion = seed.KubernetesVersion, Objects = seed.Objects, JobRunSeconds = seed.JobRunSeconds,
                    PodReadySeconds = seed.PodReadySeconds, NodeLeaseRenewSeconds = 0.2, NodeStatusReportSeconds = 0.3,
                },
            },
        });
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null };
        using var http = new HttpClient(handler);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.Token);
        async Task<long> Changes() =>
            JsonNode.Parse(await http.GetStringAsync(host.ControlUrl.TrimEnd('/') + $"/clusters/{Cluster}/changes"))!["changes"]!.GetValue<long>();
        string Lease() => host.Cluster(Cluster).Get("coordination.k8s.io/v1", "leases", "kube-node-lease", "worker1")?["spec"]?["renewTime"]?.GetValue<string>() ?? "";

        // the kubelets renew their leases and report node status: the resourceVersion moves, the count does not
        var start = await Changes();
        var rv = host.StateOf(Cluster)["resourceVersion"]!.GetValue<string>();
        var lease = Lease();
        await SandboxFixture.EventuallyAsync(() => Lease() != lease && host.StateOf(Cluster)["resourceVersion"]!.GetValue<string>() != rv, "a lease renewal");
        await Task.Delay(700);
        Assert.Equal(start, await Changes());
        Assert.Equal(start, host.ChangesOf(Cluster));

        // a dry run changes nothing; an Event is left out, as the state comparison leaves it out
        await kubectl.OkAsync("create", "configmap", "dry", "-n", "apps", "--dry-run=server");
        await kubectl.OkWithInputAsync("""
            {"apiVersion":"v1","kind":"Event","metadata":{"name":"probe.1","namespace":"apps"},"involvedObject":{"kind":"Namespace","name":"apps"},"reason":"Probe","message":"m","type":"Normal"}
            """, "create", "-f", "-");
        Assert.Equal(start, await Changes());

        // every API write counts: a create, a label, a client's lease write, a delete
        await kubectl.OkAsync("create", "configmap", "probe", "-n", "apps", "--from-literal=a=b");
        var afterCreate = await Changes();
        Assert.True(afterCreate > start, "a create did not count");
        // a write of the same content is a no-op, as on a real API server: no new resourceVersion, so not counted either
        var cm = await kubectl.OkAsync("get", "configmap", "probe", "-n", "apps", "-o", "json");
        await kubectl.OkWithInputAsync(cm, "replace", "-f", "-");
        Assert.Equal(afterCreate, await Changes());
        Assert.Equal(JsonNode.Parse(cm)!["metadata"]!["resourceVersion"]!.GetValue<string>(),
            host.Cluster(Cluster).Get("v1", "configmaps", "apps", "probe")!["metadata"]!["resourceVersion"]!.GetValue<string>());
        await kubectl.OkAsync("label", "configmap", "probe", "-n", "apps", "x=y");
        var afterReplace = await Changes();
        Assert.True(afterReplace > afterCreate, "a label did not count");
        await kubectl.OkAsync("patch", "lease", "worker1", "-n", "kube-node-lease", "--type=merge", "-p", """{"spec":{"renewTime":"2030-01-01T00:00:00.000000Z"}}""");
        var afterLease = await Changes();
        Assert.True(afterLease > afterReplace, "a client's write of a lease's renewTime did not count");
        await kubectl.OkAsync("delete", "configmap", "probe", "-n", "apps");
        Assert.True(await Changes() > afterLease, "a delete did not count");
    }
}
