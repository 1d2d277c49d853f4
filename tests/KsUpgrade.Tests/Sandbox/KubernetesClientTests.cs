using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KsUpgrade.Sandbox.Faults;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>The KubernetesClient library against the sandbox: CRUD, patches, watch, conflicts, paging, faults, control API.</summary>
public sealed class KubernetesClientTests : IClassFixture<SandboxFixture>
{
    private readonly SandboxFixture _f;
    public KubernetesClientTests(SandboxFixture f) => _f = f;

    private Kubernetes Client(string? token = null)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(_f.Host.KubeconfigPath, SandboxFixture.Cluster);
        if (token is not null) config.AccessToken = token;
        return new Kubernetes(config);
    }

    private static V1ConfigMap Cm(string ns, string name, string value) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["suite"] = "client" } },
        Data = new Dictionary<string, string> { ["v"] = value },
    };

    [Fact]
    public async Task Create_read_replace_delete()
    {
        using var k = Client();
        var created = await k.CoreV1.CreateNamespacedConfigMapAsync(Cm("apps", "crud", "1"), "apps");
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        var read = await k.CoreV1.ReadNamespacedConfigMapAsync("crud", "apps");
        Assert.Equal("1", read.Data["v"]);
        read.Data["v"] = "2";
        var replaced = await k.CoreV1.ReplaceNamespacedConfigMapAsync(read, "crud", "apps");
        Assert.True(long.Parse(replaced.Metadata.ResourceVersion) > long.Parse(created.Metadata.ResourceVersion));
        Assert.Equal("2", _f.Host.Cluster(SandboxFixture.Cluster).Get("v1", "configmaps", "apps", "crud")!["data"]!["v"]!.GetValue<string>());
        var dup = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.CreateNamespacedConfigMapAsync(Cm("apps", "crud", "x"), "apps"));
        Assert.Equal(HttpStatusCode.Conflict, dup.Response.StatusCode);
        Assert.Contains("AlreadyExists", dup.Response.Content);
        await k.CoreV1.DeleteNamespacedConfigMapAsync("crud", "apps");
        Assert.Null(_f.Host.Cluster(SandboxFixture.Cluster).Get("v1", "configmaps", "apps", "crud"));
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.ReadNamespacedConfigMapAsync("crud", "apps"));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
    }

    [Fact]
    public async Task Patches_json_merge_strategic_and_apply()
    {
        using var k = Client();
        await k.CoreV1.CreateNamespacedConfigMapAsync(Cm("apps", "patched", "1"), "apps");
        await k.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""[{"op":"add","path":"/data/j","value":"json"}]""", V1Patch.PatchType.JsonPatch), "patched", "apps");
        await k.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"m":"merge","v":null}}""", V1Patch.PatchType.MergePatch), "patched", "apps");
        await k.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"s":"strategic"}}}""", V1Patch.PatchType.StrategicMergePatch), "patched", "apps");
        var applied = await k.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"patched","namespace":"apps"},"data":{"a":"apply"}}""", V1Patch.PatchType.ApplyPatch),
            "patched", "apps", fieldManager: "ksupgrade-test", force: true);
        Assert.Equal(new Dictionary<string, string> { ["j"] = "json", ["m"] = "merge", ["a"] = "apply" }, applied.Data);
        Assert.Equal("strategic", applied.Metadata.Labels["s"]);
        Assert.Contains(applied.Metadata.ManagedFields, m => m.Manager == "ksupgrade-test" && m.Operation == "Apply");
    }

    [Fact]
    public async Task Watch_streams_added_modified_deleted()
    {
        using var k = Client();
        await k.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "watched" } });
        var events = new List<(WatchEventType, string, string?)>();
        var gotDeleted = new TaskCompletionSource();
        var list = await k.CoreV1.ListNamespacedConfigMapAsync("watched");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var watchTask = Task.Run(async () =>
        {
            await foreach (var (type, item) in k.CoreV1.WatchListNamespacedConfigMapAsync("watched", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token))
            {
                lock (events) events.Add((type, item.Metadata.Name, (item.Data != null && item.Data.TryGetValue("v", out var dv) ? dv : null)));
                if (type == WatchEventType.Deleted) { gotDeleted.TrySetResult(); break; }
            }
        });
        await Task.Delay(200);
        await k.CoreV1.CreateNamespacedConfigMapAsync(Cm("watched", "w", "1"), "watched");
        await k.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"v":"2"}}""", V1Patch.PatchType.MergePatch), "w", "watched");
        await k.CoreV1.DeleteNamespacedConfigMapAsync("w", "watched");
        await gotDeleted.Task.WaitAsync(TimeSpan.FromSeconds(15));
        cts.Cancel();
        lock (events)
            Assert.Equal(new[] { (WatchEventType.Added, "w", (string?)"1"), (WatchEventType.Modified, "w", "2"), (WatchEventType.Deleted, "w", "2") }, events);
    }

    [Fact]
    public async Task Concurrent_writers_with_the_same_resource_version_get_exactly_one_conflict()
    {
        using var k = Client();
        await k.CoreV1.CreateNamespacedConfigMapAsync(Cm("apps", "contended", "0"), "apps");
        var a = await k.CoreV1.ReadNamespacedConfigMapAsync("contended", "apps");
        var b = await k.CoreV1.ReadNamespacedConfigMapAsync("contended", "apps");
        a.Data["v"] = "a";
        b.Data["v"] = "b";
        var results = await Task.WhenAll(new[] { a, b }.Select(async cm =>
        {
            try { await k.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "contended", "apps"); return 200; }
            catch (HttpOperationException e) { return (int)e.Response.StatusCode; }
        }));
        Assert.Equal(new[] { 200, 409 }, results.OrderBy(x => x));
        var final = _f.Host.Cluster(SandboxFixture.Cluster).Get("v1", "configmaps", "apps", "contended")!["data"]!["v"]!.GetValue<string>();
        Assert.Contains(final, new[] { "a", "b" });
    }

    [Fact]
    public async Task List_pages_with_limit_and_continue()
    {
        using var k = Client();
        await k.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "paged" } });
        for (int i = 0; i < 5; i++) await k.CoreV1.CreateNamespacedConfigMapAsync(Cm("paged", $"p{i}", "x"), "paged");
        var names = new List<string>();
        string? cont = null;
        int pages = 0;
        do
        {
            var page = await k.CoreV1.ListNamespacedConfigMapAsync("paged", limit: 2, continueParameter: cont);
            names.AddRange(page.Items.Select(i => i.Metadata.Name));
            cont = page.Metadata.ContinueProperty;
            pages++;
        } while (!string.IsNullOrEmpty(cont));
        Assert.Equal(3, pages);
        Assert.Equal(new[] { "p0", "p1", "p2", "p3", "p4" }, names);
    }

    [Fact]
    public async Task Wrong_token_is_refused_with_401_status()
    {
        using var k = Client("wrong-token");
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.ListNamespaceAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, e.Response.StatusCode);
        var status = JsonNode.Parse(e.Response.Content)!;
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal(401, status["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Custom_objects_and_crd_lifecycle()
    {
        using var k = Client();
        var crd = JsonNode.Parse("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gadgets.example.org"},
             "spec":{"group":"example.org","scope":"Cluster","names":{"plural":"gadgets","singular":"gadget","kind":"Gadget"},
             "versions":[{"name":"v1alpha1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]}}
            """)!;
        await k.ApiextensionsV1.CreateCustomResourceDefinitionAsync(k8s.KubernetesJson.Deserialize<V1CustomResourceDefinition>(crd.ToJsonString()));
        var body = new { apiVersion = "example.org/v1alpha1", kind = "Gadget", metadata = new { name = "g1" }, spec = new { color = "red" } };
        await k.CustomObjects.CreateClusterCustomObjectAsync(body, "example.org", "v1alpha1", "gadgets");
        var got = (System.Text.Json.JsonElement)await k.CustomObjects.GetClusterCustomObjectAsync("example.org", "v1alpha1", "gadgets", "g1");
        Assert.Equal("red", got.GetProperty("spec").GetProperty("color").GetString());

        await k.ApiextensionsV1.DeleteCustomResourceDefinitionAsync("gadgets.example.org");
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => k.CustomObjects.GetClusterCustomObjectAsync("example.org", "v1alpha1", "gadgets", "g1"));
        Assert.Equal(HttpStatusCode.NotFound, e.Response.StatusCode);
    }

    [Fact]
    public async Task Fault_rules_answer_errors_a_number_of_times_and_requests_are_counted()
    {
        using var k = Client();
        _f.Host.AddFault(new FaultRule { Verb = "list", Resource = "secrets", Namespace = "team-a", Status = 503, RetryAfterSeconds = 1, Times = 1 });
        var before = _f.Host.Requests.Get(SandboxFixture.Cluster, "list", "secrets");
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.ListNamespacedSecretAsync("team-a"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.Response.StatusCode);
        var ok = await k.CoreV1.ListNamespacedSecretAsync("team-a");
        Assert.NotNull(ok);
        Assert.Equal(before + 2, _f.Host.Requests.Get(SandboxFixture.Cluster, "list", "secrets"));
    }

    [Fact]
    public async Task Control_api_needs_the_token_and_serves_faults_requests_and_state()
    {
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null,
        };
        using var http = new HttpClient(handler);
        var anonymous = await http.GetAsync(_f.Host.ControlUrl + "/requests");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _f.Host.Token);
        var added = await http.PostAsync(_f.Host.ControlUrl + "/faults",
            new StringContent("""{"verb":"get","resource":"configmaps","name":"web-config","status":500,"times":1}"""));
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        using var k = Client();
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.ReadNamespacedConfigMapAsync("web-config", "apps"));
        Assert.Equal(HttpStatusCode.InternalServerError, e.Response.StatusCode);
        Assert.Equal("web-config", (await k.CoreV1.ReadNamespacedConfigMapAsync("web-config", "apps")).Metadata.Name);

        var requests = JsonNode.Parse(await http.GetStringAsync(_f.Host.ControlUrl + "/requests"))!;
        Assert.True(requests["total"]!.GetValue<long>() > 0);
        Assert.Contains(requests["counts"]!.AsArray(), c => c!["resource"]!.GetValue<string>() == "configmaps" && c["verb"]!.GetValue<string>() == "get");

        var state = JsonNode.Parse(await http.GetStringAsync(_f.Host.ControlUrl + $"/clusters/{SandboxFixture.Cluster}/state"))!;
        Assert.Contains(state["objects"]!.AsArray(), o => o!["kind"]!.GetValue<string>() == "Node" && o["metadata"]!["name"]!.GetValue<string>() == "worker2");

        var nodeReady = await http.PostAsync(_f.Host.ControlUrl + "/actions/node-ready",
            new StringContent($$"""{"cluster":"{{SandboxFixture.Cluster}}","node":"worker2","ready":false}"""));
        nodeReady.EnsureSuccessStatusCode();
        var node = await k.CoreV1.ReadNodeAsync("worker2");
        Assert.Equal("False", node.Status.Conditions.Single(c => c.Type == "Ready").Status);
        _f.Host.SetNodeReady(SandboxFixture.Cluster, "worker2", true);
    }

    [Fact]
    public async Task Scale_subresource_delete_collection_and_pod_logs()
    {
        using var k = Client();
        var labels = new Dictionary<string, string> { ["app"] = "kc-scaled" };
        await k.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "kc-scaled", NamespaceProperty = "team-a" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 2,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta
                    {
                        Labels = labels,
                        Annotations = new Dictionary<string, string> { ["sandbox.ksupgrade.io/log"] = "hello from the template" },
                    },
                    Spec = new V1PodSpec { Containers = new List<V1Container> { new() { Name = "c", Image = "img" } } },
                },
            },
        }, "team-a");
        var scale = await k.AppsV1.ReadNamespacedDeploymentScaleAsync("kc-scaled", "team-a");
        Assert.Equal(2, scale.Spec.Replicas);
        await SandboxFixture.EventuallyAsync(() => k.CoreV1.ListNamespacedPod("team-a", labelSelector: "app=kc-scaled").Items.Count(p => p.Status.Phase == "Running") == 2, "two running pods");
        var pod = k.CoreV1.ListNamespacedPod("team-a", labelSelector: "app=kc-scaled").Items[0];
        using (var log = await k.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, "team-a"))
            Assert.Equal("hello from the template\n", await new StreamReader(log).ReadToEndAsync());

        await k.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":0}}""", V1Patch.PatchType.MergePatch), "kc-scaled", "team-a");
        Assert.Equal(0, (await k.AppsV1.ReadNamespacedDeploymentAsync("kc-scaled", "team-a")).Spec.Replicas);
        await SandboxFixture.EventuallyAsync(() => k.CoreV1.ListNamespacedPod("team-a", labelSelector: "app=kc-scaled").Items.Count == 0, "pods gone after scaling to 0");
        scale.Spec.Replicas = 1;
        scale.Metadata.ResourceVersion = null;
        await k.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, "kc-scaled", "team-a");
        Assert.Equal(1, (await k.AppsV1.ReadNamespacedDeploymentAsync("kc-scaled", "team-a")).Spec.Replicas);

        for (int i = 0; i < 3; i++)
            await k.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = $"bulk{i}", Labels = new Dictionary<string, string> { ["bulk"] = i < 2 ? "yes" : "no" } },
            }, "team-a");
        await k.CoreV1.DeleteCollectionNamespacedConfigMapAsync("team-a", labelSelector: "bulk=yes");
        var left = (await k.CoreV1.ListNamespacedConfigMapAsync("team-a", labelSelector: "bulk")).Items.Select(c => c.Metadata.Name);
        Assert.Equal(new[] { "bulk2" }, left);
    }
}
