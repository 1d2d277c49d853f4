using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KsUpgrade.Sandbox.Faults;
using KsUpgrade.Sandbox.Hosting;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>The fault plan's concurrent writer (409 with a real resourceVersion change), cut watch streams and match notifications.</summary>
public sealed class ConflictAndWatchCutFaultTests : IAsyncLifetime
{
    private SandboxHost _host = null!;
    private Kubernetes _k = null!;

    public async Task InitializeAsync()
    {
        _host = await SandboxHost.StartAsync(new SandboxOptions { Clusters = new[] { TestSeed.Build("c") } });
        _k = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_host.KubeconfigPath));
    }

    public async Task DisposeAsync()
    {
        _k.Dispose();
        await _host.DisposeAsync();
    }

    private static JsonObject Status(HttpOperationException e) => (JsonObject)JsonNode.Parse(e.Response.Content)!;

    [Fact]
    public async Task A_concurrent_writer_really_moves_the_resourceVersion_and_the_write_gets_409_Conflict()
    {
        var before = await _k.CoreV1.ReadNamespacedConfigMapAsync("web-config", "apps");
        _host.AddFault(new FaultRule { Verb = "patch", Resource = "configmaps", Name = "web-config", ConcurrentWrite = true, Times = 1 });
        var patch = new V1Patch("""{"data":{"mine":"1"}}""", V1Patch.PatchType.MergePatch);

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => _k.CoreV1.PatchNamespacedConfigMapAsync(patch, "web-config", "apps"));
        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        var status = Status(e);
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Equal(409, status["code"]!.GetValue<int>());
        Assert.Contains("the object has been modified; please apply your changes to the latest version and try again", status["message"]!.GetValue<string>());
        Assert.Equal("web-config", status["details"]!["name"]!.GetValue<string>());

        var after = await _k.CoreV1.ReadNamespacedConfigMapAsync("web-config", "apps");
        Assert.True(long.Parse(after.Metadata.ResourceVersion) > long.Parse(before.Metadata.ResourceVersion), "the concurrent writer did not move the resourceVersion");
        Assert.False(after.Data.ContainsKey("mine"));
        Assert.Equal(before.Data, after.Data);

        // a client that writes with what it read before now gets a genuine conflict from the store (no rule left)
        before.Data["mine"] = "stale";
        var stale = await Assert.ThrowsAsync<HttpOperationException>(() => _k.CoreV1.ReplaceNamespacedConfigMapAsync(before, "web-config", "apps"));
        Assert.Equal(HttpStatusCode.Conflict, stale.Response.StatusCode);
        Assert.Equal("Conflict", Status(stale)["reason"]!.GetValue<string>());

        // re-read and retry: the write goes through
        var patched = await _k.CoreV1.PatchNamespacedConfigMapAsync(patch, "web-config", "apps");
        Assert.Equal("1", patched.Data["mine"]);
    }

    [Fact]
    public async Task A_create_that_loses_the_race_gets_409_AlreadyExists_and_creates_nothing()
    {
        _host.AddFault(new FaultRule { Verb = "create", Resource = "configmaps", Namespace = "apps", ConcurrentWrite = true, Times = 1 });
        var cm = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "raced", NamespaceProperty = "apps" }, Data = new Dictionary<string, string> { ["a"] = "b" } };
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => _k.CoreV1.CreateNamespacedConfigMapAsync(cm, "apps"));
        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        Assert.Equal("AlreadyExists", Status(e)["reason"]!.GetValue<string>());
        Assert.Contains("\"raced\" already exists", Status(e)["message"]!.GetValue<string>());
        Assert.Null(_host.Cluster("c").Get("v1", "configmaps", "apps", "raced"));
        Assert.Equal("b", (await _k.CoreV1.CreateNamespacedConfigMapAsync(cm, "apps")).Data["a"]);
    }

    private async Task<HttpResponseMessage> OpenWatchAsync(string query)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, _host.ServerUrl("c") + "/api/v1/namespaces/apps/configmaps?watch=true" + query);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _host.Token);
        var response = await _k.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    [Fact]
    public async Task A_watch_cut_after_its_first_event_is_a_broken_stream_for_a_real_client()
    {
        var rv = (await _k.CoreV1.ListNamespacedConfigMapAsync("apps")).Metadata.ResourceVersion;
        _host.AddFault(new FaultRule { Verb = "watch", Resource = "configmaps", CutWatchAfterEvents = 1, Times = 1 });
        using var response = await OpenWatchAsync("&resourceVersion=" + rv);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var firstLine = reader.ReadLineAsync(); // the client reads as events come, like a watch client
        foreach (var name in new[] { "w1", "w2" })
            await _k.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "apps" } }, "apps");

        var first = JsonNode.Parse((await firstLine.WaitAsync(TimeSpan.FromSeconds(10)))!)!;
        Assert.Equal("ADDED", first["type"]!.GetValue<string>());
        Assert.Equal("w1", first["object"]!["metadata"]!["name"]!.GetValue<string>());
        // not a clean end of the stream (ReadLine would return null) nor a second event: the transport fails
        var broken = await Record.ExceptionAsync(() => reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(broken is IOException or HttpRequestException or HttpIOException, $"expected a broken stream, got {broken?.GetType().Name ?? "a clean end or a line"}");
        var cut = Assert.Single(_host.Faults.WatchCuts);
        Assert.Equal(("c", "watch", "configmaps", "apps"), (cut.Cluster, cut.Verb, cut.Resource, cut.Namespace));

        // the rule is used up: the next watch is served normally
        using var again = await OpenWatchAsync("&resourceVersion=" + rv);
        using var reader2 = new StreamReader(await again.Content.ReadAsStreamAsync());
        Assert.Equal("w1", JsonNode.Parse((await reader2.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)))!)!["object"]!["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("w2", JsonNode.Parse((await reader2.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)))!)!["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_watch_cut_after_a_time_breaks_an_idle_stream_and_the_plan_reports_matches()
    {
        var seen = new List<FaultRuleMatch>();
        _host.Faults.Matched += m => { lock (seen) seen.Add(m); };
        var rule = _host.AddFault(new FaultRule { Verb = "watch", Resource = "configmaps", CutWatchAfterMs = 300, Times = 1 });
        var rv = (await _k.CoreV1.ListNamespacedConfigMapAsync("apps")).Metadata.ResourceVersion;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var response = await OpenWatchAsync("&resourceVersion=" + rv);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var broken = await Record.ExceptionAsync(() => reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(broken is IOException or HttpRequestException or HttpIOException, $"expected a broken stream, got {broken?.GetType().Name ?? "a clean end or a line"}");
        Assert.InRange(clock.ElapsedMilliseconds, 250, 9000);
        Assert.Single(_host.Faults.WatchCuts);
        lock (seen)
        {
            var m = Assert.Single(seen);
            Assert.Equal(rule.Id, m.Rule.Id);
            Assert.Equal(("watch", "configmaps", "apps"), (m.Verb, m.Resource, m.Namespace));
        }
    }
}
