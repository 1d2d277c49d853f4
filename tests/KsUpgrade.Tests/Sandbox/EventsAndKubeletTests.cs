using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.Seeds;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>
/// Issue 15, item 4: the events a real cluster records for what the sandbox simulates (scheduler, kubelet, job,
/// deployment and replica set controllers), as `kubectl get events` and `kubectl describe` show them, and kubelets
/// that keep renewing their node Leases and reporting node status. Real kubectl.
/// </summary>
public sealed class EventsAndKubeletTests
{
    private static SeedCluster Seed(string name, string version = "v1.26.15", double leaseRenew = 10, double statusReport = 300)
    {
        var seed = TestSeed.Build(name);
        return new SeedCluster
        {
            Name = seed.Name, KubernetesVersion = version, Objects = seed.Objects, JobRunSeconds = seed.JobRunSeconds,
            PodReadySeconds = seed.PodReadySeconds, NodeLeaseRenewSeconds = leaseRenew, NodeStatusReportSeconds = statusReport,
        };
    }

    /// <summary>A two-replica Deployment and ApiFidelityTests' quick Job.</summary>
    private const string Workloads = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: apps}
        spec:
          replicas: 2
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: nginx, image: nginx:1.25}]
        ---

        """ + ApiFidelityTests.QuickJob;

    private static async Task<List<JsonObject>> EventsAsync(KubectlRunner kubectl, params string[] args) =>
        JsonNode.Parse(await kubectl.OkAsync(new[] { "get", "events", "-n", "apps", "-o", "json" }.Concat(args).ToArray()))!["items"]!
            .AsArray().OfType<JsonObject>().ToList();

    private static string S(JsonNode? n, params string[] path)
    {
        foreach (var p in path) n = n?[p];
        return n?.GetValue<string>() ?? "";
    }

    [Fact]
    public async Task Kubectl_get_events_and_describe_show_what_the_scheduler_kubelet_and_controllers_record()
    {
        await using var host = await SandboxHost.StartAsync(new SandboxOptions { Clusters = new[] { Seed("test") } });
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        await kubectl.OkWithInputAsync(Workloads, "apply", "-f", "-");
        await kubectl.OkAsync("wait", "--for=condition=complete", "job/quick", "-n", "apps", "--timeout=20s");
        await kubectl.OkAsync("rollout", "status", "deployment/web", "-n", "apps", "--timeout=20s");

        var table = await kubectl.OkAsync("get", "events", "-n", "apps");
        Assert.Matches(@"(?m)^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\s*$", table);
        Assert.Matches(@"(?m)^\S+\s+Normal\s+ScalingReplicaSet\s+deployment/web\s+Scaled up replica set web-\w+ to 2$", table);
        Assert.Matches(@"(?m)^\S+\s+Normal\s+SuccessfulCreate\s+replicaset/web-\w+\s+Created pod: web-\w+-\w{5}$", table);
        Assert.Matches(@"(?m)^\S+\s+Normal\s+SuccessfulCreate\s+job/quick\s+Created pod: quick-\w{5}$", table);
        Assert.Matches(@"(?m)^\S+\s+Normal\s+Completed\s+job/quick\s+Job completed$", table);
        Assert.Matches(@"(?m)^\S+\s+Normal\s+Scheduled\s+pod/quick-\w{5}\s+Successfully assigned apps/quick-\w{5} to (master1|worker1|worker2)$", table);
        foreach (var line in new[] { @"Pulling\s+pod/quick-\w{5}\s+Pulling image ""busybox""", @"Pulled\s+pod/quick-\w{5}\s+Successfully pulled image ""busybox"" in 100ms$",
                     @"Created\s+pod/quick-\w{5}\s+Created container c$", @"Started\s+pod/quick-\w{5}\s+Started container c$" })
            Assert.Matches(@"(?m)^\S+\s+Normal\s+" + line, table);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(table, @"Started container nginx").Count);

        // the fields as the API server holds them: the legacy recorder's (kubelet, controllers) and the scheduler's
        var events = await EventsAsync(kubectl);
        var started = events.First(e => S(e, "reason") == "Started" && S(e, "involvedObject", "name").StartsWith("quick-", StringComparison.Ordinal));
        Assert.Equal("kubelet", S(started, "source", "component"));
        Assert.Matches("^(master1|worker1|worker2)$", S(started, "source", "host"));
        Assert.Equal("spec.containers{c}", S(started, "involvedObject", "fieldPath"));
        Assert.Equal("Pod", S(started, "involvedObject", "kind"));
        Assert.Equal(1, started["count"]!.GetValue<int>());
        Assert.Equal(S(started, "firstTimestamp"), S(started, "lastTimestamp"));
        Assert.Null(started["eventTime"]);
        Assert.Equal("", S(started, "reportingComponent"));
        Assert.StartsWith(S(started, "involvedObject", "name") + ".", S(started, "metadata", "name"));
        var scheduled = events.First(e => S(e, "reason") == "Scheduled");
        Assert.Equal("default-scheduler", S(scheduled, "reportingComponent"));
        Assert.Equal("default-scheduler-master1", S(scheduled, "reportingInstance"));
        Assert.Equal("Binding", S(scheduled, "action"));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", S(scheduled, "eventTime"));
        Assert.Null(scheduled["firstTimestamp"]);
        Assert.Null(scheduled["count"]);
        var jobEvent = events.First(e => S(e, "reason") == "Completed");
        Assert.Equal("job-controller", S(jobEvent, "source", "component"));
        Assert.Equal(host.Cluster("test").Get("batch/v1", "jobs", "apps", "quick")!["metadata"]!["uid"]!.GetValue<string>(), S(jobEvent, "involvedObject", "uid"));

        // the field selectors kubectl uses
        var forJob = await kubectl.OkAsync("get", "events", "-n", "apps", "--field-selector", "involvedObject.name=quick");
        Assert.Contains("job/quick", forJob);
        Assert.DoesNotContain("pod/", forJob);
        Assert.DoesNotContain("deployment/", forJob);
        var warnings = await kubectl.RunAsync("get", "events", "-n", "apps", "--field-selector", "type=Warning");
        Assert.Contains("No resources found", warnings.StdErr);
        var refused = await kubectl.RunAsync("get", "events", "-n", "apps", "--field-selector", "message=Job completed");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("field label not supported: message", refused.StdErr);

        var describeJob = await kubectl.OkAsync("describe", "job", "quick", "-n", "apps");
        Assert.Matches(@"Events:\s+Type\s+Reason\s+Age\s+From\s+Message", describeJob);
        Assert.Matches(@"Normal\s+SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: quick-\w{5}", describeJob);
        Assert.Matches(@"Normal\s+Completed\s+\S+\s+job-controller\s+Job completed", describeJob);
        var pod = S(started, "involvedObject", "name");
        var describePod = await kubectl.OkAsync("describe", "pod", pod, "-n", "apps");
        Assert.Matches($@"Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned apps/{pod} to", describePod);
        Assert.Matches(@"Normal\s+Started\s+\S+\s+kubelet\s+Started container c", describePod);

        // a deleted running pod is stopped by its kubelet; the replica set replaces it
        var webPod = events.First(e => S(e, "reason") == "Started" && S(e, "involvedObject", "name").StartsWith("web-", StringComparison.Ordinal));
        await kubectl.OkAsync("delete", "pod", S(webPod, "involvedObject", "name"), "-n", "apps", "--wait=false");
        await Eventually(async () => (await kubectl.OkAsync("get", "events", "-n", "apps", "--field-selector", "reason=Killing")).Contains("Stopping container nginx"));
        await Eventually(async () => (await kubectl.OkAsync("get", "events", "-n", "apps", "--field-selector", "involvedObject.kind=ReplicaSet"))
            .Split('\n').Count(l => l.Contains("SuccessfulCreate")) == 3);
        var scaled = await kubectl.OkAsync("scale", "deployment/web", "-n", "apps", "--replicas=1");
        await Eventually(async () => (await kubectl.OkAsync("get", "events", "-n", "apps")).Contains("Scaled down replica set web-"));
        Assert.Contains("SuccessfulDelete", await kubectl.OkAsync("get", "events", "-n", "apps", "--field-selector", "reason=SuccessfulDelete"));
    }

    [Fact]
    public async Task A_failed_job_records_a_warning_and_a_1_28_cluster_fills_the_reporting_fields()
    {
        await using var host = await SandboxHost.StartAsync(new SandboxOptions { Clusters = new[] { Seed("test", "v1.28.15") }, FailingJobs = new[] { "broken" } });
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        await kubectl.OkWithInputAsync(Workloads.Replace("name: quick", "name: broken"), "apply", "-f", "-");
        await kubectl.OkAsync("wait", "--for=condition=failed", "job/broken", "-n", "apps", "--timeout=20s");
        await kubectl.OkAsync("rollout", "status", "deployment/web", "-n", "apps", "--timeout=20s");
        var warnings = await kubectl.OkAsync("get", "events", "-n", "apps", "--field-selector", "type=Warning");
        Assert.Matches(@"(?m)^\S+\s+Warning\s+BackoffLimitExceeded\s+job/broken\s+Job has reached the specified backoff limit$", warnings);
        var table = await kubectl.OkAsync("get", "events", "-n", "apps");
        Assert.Matches(@"Scaled up replica set web-\w+ from 0 to 2", table);
        Assert.Matches(@"Successfully pulled image ""nginx:1.25"" in 100ms \(100ms including waiting\)", table);
        var started = (await EventsAsync(kubectl, "--field-selector", "reason=Started")).First();
        Assert.Equal("kubelet", S(started, "reportingComponent"));
        Assert.Equal(S(started, "source", "host"), S(started, "reportingInstance"));
    }

    [Fact]
    public async Task Kubelets_renew_node_leases_and_report_node_status_while_the_sandbox_runs()
    {
        Assert.Equal(10, new SeedCluster { Name = "x" }.NodeLeaseRenewSeconds);
        Assert.Equal(300, new SeedCluster { Name = "x" }.NodeStatusReportSeconds);
        await using var host = await SandboxHost.StartAsync(new SandboxOptions { Clusters = new[] { Seed("test", leaseRenew: 0.5, statusReport: 1) } });
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        string Lease() => host.Cluster("test").Get("coordination.k8s.io/v1", "leases", "kube-node-lease", "worker1")!["spec"]!["renewTime"]!.GetValue<string>();
        JsonObject Ready() => host.Cluster("test").Get("v1", "nodes", null, "worker1")!["status"]!["conditions"]!.AsArray()
            .OfType<JsonObject>().Single(c => c["type"]!.GetValue<string>() == "Ready");
        var seeded = Lease();
        var seededHeartbeat = Ready()["lastHeartbeatTime"]!.GetValue<string>();
        var transition = Ready()["lastTransitionTime"]!.GetValue<string>();
        var start = DateTime.UtcNow.AddSeconds(-1);

        await Eventually(() => Task.FromResult(Lease() != seeded && Ready()["lastHeartbeatTime"]!.GetValue<string>() != seededHeartbeat));
        var renewed = DateTime.Parse(Lease(), null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.True(renewed >= start, $"renewTime {Lease()} is not a time of this run");
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", Lease());
        var firstRenewal = Lease();
        await Eventually(() => Task.FromResult(Lease() != firstRenewal));
        Assert.Equal(transition, Ready()["lastTransitionTime"]!.GetValue<string>());
        var heartbeat = await kubectl.OkAsync("get", "node", "worker1", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].lastHeartbeatTime}");
        Assert.True(DateTime.Parse(heartbeat.Trim(), null, System.Globalization.DateTimeStyles.AdjustToUniversal) >= start.AddSeconds(-1));
        Assert.Matches(@"(?m)^worker1\s+worker1\s+", await kubectl.OkAsync("get", "leases", "-n", "kube-node-lease"));
    }

    private static async Task Eventually(Func<Task<bool>> condition, int seconds = 15)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > until) Assert.Fail("condition not reached in time");
            await Task.Delay(200);
        }
    }
}
