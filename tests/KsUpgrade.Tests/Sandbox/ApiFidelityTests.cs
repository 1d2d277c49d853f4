using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Hosting;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>
/// The sandbox answers as a real API server of the seed's Kubernetes version would (issue 15): server-side table
/// columns, one API server (port) per cluster, unsupported field selectors refused, deterministic seeds. Real kubectl.
/// </summary>
public sealed class ApiFidelityTests
{
    private static Task<SandboxHost> Start(params string[] clusters) => SandboxHost.StartAsync(new SandboxOptions
    {
        Clusters = (clusters.Length == 0 ? new[] { "test" } : clusters).Select(c => TestSeed.Build(c)).ToList(),
    });

    [Fact]
    public async Task Storage_classes_print_the_default_marker_and_the_1_26_columns()
    {
        await using var host = await Start();
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        var table = await kubectl.OkAsync("get", "storageclass");
        Assert.Matches(@"NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE", table);
        // What pre-check.sh greps for: the default class is marked in the NAME column.
        Assert.Matches(@"(?m)^local \(default\)\s+sandbox.local/hostpath\s+Delete\s+Immediate\s+false\s+\S+", table);

        await kubectl.OkWithInputAsync("""
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: slow}
            provisioner: example.com/slow
            reclaimPolicy: Retain
            volumeBindingMode: WaitForFirstConsumer
            allowVolumeExpansion: true
            """, "apply", "-f", "-");
        table = await kubectl.OkAsync("get", "sc");
        Assert.Matches(@"(?m)^slow\s+example.com/slow\s+Retain\s+WaitForFirstConsumer\s+true\s+\S+", table);
    }

    /// <summary>A Job that completes at once in the sandbox.</summary>
    internal const string QuickJob = """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: quick, namespace: apps}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: c, image: busybox}]
        """;

    [Fact]
    public async Task Jobs_print_completions_duration_and_age_as_1_26_does()
    {
        await using var host = await Start();
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        await kubectl.OkWithInputAsync(QuickJob, "apply", "-f", "-");
        await kubectl.OkAsync("wait", "--for=condition=complete", "job/quick", "-n", "apps", "--timeout=20s");
        var table = await kubectl.OkAsync("get", "jobs", "-n", "apps");
        Assert.Matches(@"(?m)^NAME\s+COMPLETIONS\s+DURATION\s+AGE\s*$", table);
        Assert.Matches(@"(?m)^quick\s+1/1\s+\d+s\s+\d+s\s*$", table);
        var wide = await kubectl.OkAsync("get", "jobs", "-n", "apps", "-o", "wide");
        Assert.Matches(@"NAME\s+COMPLETIONS\s+DURATION\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR", wide);
        Assert.Matches(@"quick\s+1/1\s+\S+\s+\S+\s+c\s+busybox\s+batch.kubernetes.io/controller-uid=", wide);
    }

    [Fact]
    public async Task Raw_paths_of_each_context_reach_that_cluster()
    {
        await using var host = await Start("host", "member1");
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        await kubectl.OkAsync("--context", "member1", "create", "configmap", "only-here", "-n", "apps");
        // kubectl --raw drops the server URL's path: each cluster must be its own server.
        var raw = JsonNode.Parse(await kubectl.OkAsync("--context", "member1", "get", "--raw", "/api/v1/namespaces/apps/configmaps/only-here"))!;
        Assert.Equal("only-here", raw["metadata"]!["name"]!.GetValue<string>());
        var onHost = await kubectl.RunAsync("--context", "host", "get", "--raw", "/api/v1/namespaces/apps/configmaps/only-here");
        Assert.NotEqual(0, onHost.ExitCode);
        Assert.Contains("NotFound", onHost.StdErr);
        Assert.NotEqual(new Uri(host.ServerUrl("host")).Port, new Uri(host.ServerUrl("member1")).Port);
        Assert.Equal(1, host.Requests.Get("member1", "get", "configmaps"));
    }

    [Fact]
    public async Task Unsupported_field_selectors_are_refused_as_the_api_server_does()
    {
        await using var host = await Start();
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        var bad = await kubectl.RunAsync("get", "pods", "-A", "--field-selector", "spec.foo=bar");
        Assert.NotEqual(0, bad.ExitCode);
        // kubectl wraps the server's 400 in its own words ("Unable to find ... that match ... field selector ...").
        Assert.Contains("Error from server (BadRequest)", bad.StdErr);
        Assert.EndsWith("field label not supported: spec.foo", bad.StdErr.Trim());
        var crBad = await kubectl.RunAsync("get", "widgets", "-A", "--field-selector", "spec.size=1");
        Assert.NotEqual(0, crBad.ExitCode);
        Assert.Contains("field label not supported: spec.size", crBad.StdErr);
        var cmBad = await kubectl.RunAsync("get", "configmaps", "-A", "--field-selector", "data.k=web");
        Assert.Contains("field label not supported: data.k", cmBad.StdErr);

        // The supported ones still select.
        Assert.Equal("apps/runner", (await kubectl.OkAsync("get", "pods", "-A", "--field-selector", "status.phase=Running,spec.nodeName=worker1,metadata.name!=installer-5d8f7c-abcde",
            "-o", "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{\"\\n\"}{end}")).Trim());
        Assert.Equal("worker1\nworker2", (await kubectl.OkAsync("get", "nodes", "--field-selector", "spec.unschedulable=false,metadata.name!=master1",
            "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}")).Trim());
        Assert.Equal("", (await kubectl.OkAsync("get", "nodes", "--field-selector", "spec.unschedulable=true", "-o", "name")).Trim());
        await kubectl.OkAsync("get", "secrets", "-A", "--field-selector", "type=Opaque");
        await kubectl.OkAsync("get", "namespaces", "--field-selector", "status.phase=Active");
        await kubectl.OkAsync("get", "events", "-A", "--field-selector", "involvedObject.kind=Pod,reason=Started,type=Normal");
        await kubectl.OkAsync("get", "widgets", "-A", "--field-selector", "metadata.name=w1");
    }

    [Fact]
    public async Task Two_starts_of_the_same_seed_load_the_same_objects()
    {
        // Every object of every cluster, uids, creation times, node leases and heartbeats included (only the
        // resourceVersion is the store's).
        static async Task<Dictionary<string, string>> Objects()
        {
            await using var host = await SandboxHost.StartAsync(new SandboxOptions { Seed = "ks34-multicluster" });
            var result = new Dictionary<string, string>();
            foreach (var cluster in host.Contexts)
                foreach (var obj in host.StateOf(cluster)["objects"]!.AsArray())
                {
                    var m = obj!["metadata"]!;
                    var copy = obj.DeepClone();
                    copy["metadata"]!.AsObject().Remove("resourceVersion");
                    result[$"{cluster}/{m["namespace"]}/{m["name"]}/{obj["apiVersion"]}/{obj["kind"]}"] = copy.ToJsonString();
                }
            return result;
        }
        var first = await Objects();
        var second = await Objects();
        var differing = first.Where(kv => second.GetValueOrDefault(kv.Key) != kv.Value).Select(kv => kv.Key).ToList();
        Assert.True(differing.Count == 0, $"{differing.Count} of {first.Count} objects differ, e.g. {string.Join(", ", differing.Take(5))}");
        Assert.Equal(first.Count, second.Count);
        Assert.True(first.Count > 500);
        Assert.Contains(first.Keys, k => k.StartsWith("member1/kube-node-lease/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_release_left_in_a_status_has_the_description_helm_writes_with_it()
    {
        Assert.True(KsUpgrade.Tests.Seeds.HelmTool.Path is not null, "helm 3 is not installed (build.ps1 build caches it)");
        await using var host = await SandboxHost.StartAsync(new SandboxOptions { Seed = "ks34-host" });
        var cluster = host.Contexts[0];
        JsonNode Latest()
        {
            var (code, stdout, stderr) = KsUpgrade.Tests.Seeds.HelmTool.Run(Path.GetDirectoryName(host.KubeconfigPath)!,
                "history", "ks-core", "-n", "kubesphere-system", "--kubeconfig", host.KubeconfigPath, "--kube-context", cluster, "-o", "json");
            Assert.True(code == 0, stderr);
            return JsonNode.Parse(stdout)!.AsArray().Last()!;
        }
        host.SetHelmReleaseStatus(cluster, "kubesphere-system", "ks-core", "pending-upgrade");
        Assert.Equal("pending-upgrade", Latest()["status"]!.GetValue<string>());
        Assert.Equal("Preparing upgrade", Latest()["description"]!.GetValue<string>());
        host.SetHelmReleaseStatus(cluster, "kubesphere-system", "ks-core", "uninstalling");
        Assert.Equal("Deletion in progress (or silently failed)", Latest()["description"]!.GetValue<string>());
        host.SetHelmReleaseStatus(cluster, "kubesphere-system", "ks-core", "failed");
        Assert.Matches("^(Release|Upgrade) \"ks-core\" failed: ", Latest()["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_1_26_job_has_only_the_conditions_a_1_26_controller_sets_and_a_1_31_one_more()
    {
        await using var host = await SandboxHost.StartAsync(new SandboxOptions
        {
            Clusters = new[] { TestSeed.Build("old"), WithVersion(TestSeed.Build("new"), "v1.31.4") },
        });
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        const string job = QuickJob;
        await kubectl.OkWithInputAsync(job, "--context", "old", "apply", "-f", "-");
        await kubectl.OkAsync("--context", "old", "wait", "--for=condition=complete", "job/quick", "-n", "apps", "--timeout=20s");
        Assert.Equal("Complete", (await kubectl.OkAsync("--context", "old", "get", "job", "quick", "-n", "apps", "-o", "jsonpath={.status.conditions[*].type}")).Trim());

        host.Cluster("new").Upsert((JsonObject)JsonNode.Parse("""
            {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"quick","namespace":"apps"},
             "spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}
            """)!);
        JsonArray? conditions = null;
        for (var i = 0; i < 100 && conditions is not { Count: > 0 }; i++)
        {
            await Task.Delay(100);
            conditions = host.Cluster("new").Get("batch/v1", "jobs", "apps", "quick")?["status"]?["conditions"] as JsonArray;
        }
        Assert.Equal(new[] { "SuccessCriteriaMet", "Complete" }, conditions!.Select(c => c!["type"]!.GetValue<string>()));
    }

    private static KsUpgrade.Sandbox.Seeds.SeedCluster WithVersion(KsUpgrade.Sandbox.Seeds.SeedCluster seed, string version) => new()
    {
        Name = seed.Name, KubernetesVersion = version, Objects = seed.Objects, JobRunSeconds = seed.JobRunSeconds, PodReadySeconds = seed.PodReadySeconds,
    };

    [Fact]
    public async Task Nodes_have_leases_and_heartbeats_and_endpointslices_are_served()
    {
        await using var host = await Start();
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        var leases = await kubectl.OkAsync("get", "leases", "-n", "kube-node-lease");
        Assert.Matches(@"NAME\s+HOLDER\s+AGE", leases);
        foreach (var node in new[] { "master1", "worker1", "worker2" })
        {
            Assert.Matches($@"(?m)^{node}\s+{node}\s+", leases);
            var heartbeat = await kubectl.OkAsync("get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].lastHeartbeatTime}");
            Assert.Matches(@"^\d{4}-\d\d-\d\dT", heartbeat.Trim());
        }

        await kubectl.OkAsync("get", "endpointslices", "-A");
        await kubectl.OkWithInputAsync("""
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: web-abc12, namespace: apps, labels: {kubernetes.io/service-name: web}}
            addressType: IPv4
            ports: [{name: http, port: 8080, protocol: TCP}]
            endpoints: [{addresses: [10.233.64.5]}, {addresses: [10.233.64.6]}]
            """, "apply", "-f", "-");
        var table = await kubectl.OkAsync("get", "endpointslices", "-n", "apps", "-l", "kubernetes.io/service-name=web");
        Assert.Matches(@"NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE", table);
        Assert.Matches(@"web-abc12\s+IPv4\s+8080\s+10.233.64.5,10.233.64.6\s+", table);
    }

    [Fact]
    public async Task Whoami_is_answered_from_1_28_on_and_a_1_26_server_has_no_selfsubjectreviews()
    {
        await using var host = await SandboxHost.StartAsync(new SandboxOptions
        {
            Clusters = new[] { TestSeed.Build("old"), WithVersion(TestSeed.Build("new"), "v1.28.15") },
        });
        var viewer = host.MintUserIdentity("ro", "viewer", "readers");
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        var old = await kubectl.RunAsync("--context", "old", "auth", "whoami");
        Assert.NotEqual(0, old.ExitCode);
        Assert.Contains("the selfsubjectreviews API is not enabled in the cluster", old.StdErr);
        Assert.DoesNotContain("selfsubjectreviews", await kubectl.OkAsync("--context", "old", "api-resources", "--api-group=authentication.k8s.io", "-o", "name"));

        Assert.Contains("sandbox-admin", await kubectl.OkAsync("--context", "new", "auth", "whoami"));
        var who = await kubectl.OkAsync("--context", viewer.Contexts.Single(c => c.StartsWith("new", StringComparison.Ordinal)), "auth", "whoami");
        Assert.Contains("viewer", who);
        Assert.Contains("readers", who);
        Assert.Contains("system:authenticated", who);
        var sa = await kubectl.OkAsync("--context", "new", "auth", "whoami", "--as", "system:serviceaccount:ops:robot");
        Assert.Contains("system:serviceaccounts:ops", sa);
    }

    private static string TokenReview(string token) =>
        $"{{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{{\"token\":\"{token}\"}}}}";

    [Fact]
    public async Task Token_reviews_name_the_user_of_a_service_account_token_and_refuse_an_unknown_one()
    {
        await using var host = await Start();
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        Assert.Contains("tokenreviews", await kubectl.OkAsync("api-resources", "--api-group=authentication.k8s.io", "-o", "name"));
        await kubectl.OkAsync("create", "serviceaccount", "robot", "-n", "apps");
        var token = (await kubectl.OkAsync("create", "token", "robot", "-n", "apps")).Trim();

        var review = JsonNode.Parse(await kubectl.OkWithInputAsync(TokenReview(token), "create", "-f", "-", "-o", "json"))!;
        Assert.True(review["status"]!["authenticated"]!.GetValue<bool>());
        Assert.Equal("system:serviceaccount:apps:robot", review["status"]!["user"]!["username"]!.GetValue<string>());
        var groups = review["status"]!["user"]!["groups"]!.AsArray().Select(g => g!.GetValue<string>()).ToList();
        Assert.Contains("system:serviceaccounts:apps", groups);
        Assert.Contains("system:authenticated", groups);
        Assert.DoesNotContain(token, review["status"]!.ToJsonString());

        var unknown = JsonNode.Parse(await kubectl.OkWithInputAsync(TokenReview("not-a-token"), "create", "-f", "-", "-o", "json"))!;
        Assert.Null(unknown["status"]!["authenticated"]);
        Assert.Contains("invalid bearer token", unknown["status"]!["error"]!.GetValue<string>());

        // Creating a review needs RBAC (system:auth-delegator's create on tokenreviews): the robot has none.
        var denied = await kubectl.RunWithInputAsync(TokenReview(token), "create", "-f", "-", "--token", token);
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("cannot create resource \"tokenreviews\" in API group \"authentication.k8s.io\"", denied.StdErr);
    }
}
