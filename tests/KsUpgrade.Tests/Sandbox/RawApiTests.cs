using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>API details checked over plain HTTP: discovery, OpenAPI index, dry run, status subresource, watch edge cases.</summary>
public sealed class RawApiTests : IClassFixture<SandboxFixture>, IDisposable
{
    private readonly SandboxFixture _f;
    private readonly HttpClientHandler _handler;
    private readonly HttpClient _http;

    public RawApiTests(SandboxFixture f)
    {
        _f = f;
        _handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null };
        _http = new HttpClient(_handler) { BaseAddress = new Uri(f.Host.ServerUrl(SandboxFixture.Cluster) + "/") };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", f.Host.Token);
    }

    public void Dispose()
    {
        _http.Dispose();
        _handler.Dispose();
    }

    private async Task<JsonNode> GetJson(string path) => JsonNode.Parse(await _http.GetStringAsync(path))!;

    private static StringContent Json(string json, string type = "application/json") => new(json, Encoding.UTF8, type);

    [Fact]
    public async Task Discovery_lists_subresources_and_the_openapi_index_points_into_the_cluster_prefix()
    {
        var apps = await GetJson("apis/apps/v1");
        var scale = apps["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "deployments/scale")!;
        Assert.Equal("Scale", scale["kind"]!.GetValue<string>());
        Assert.Equal("autoscaling", scale["group"]!.GetValue<string>());
        var core = await GetJson("api/v1");
        Assert.Contains(core["resources"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "pods/log");
        var group = await GetJson("apis/example.com");
        Assert.Equal("example.com/v1", group["preferredVersion"]!["groupVersion"]!.GetValue<string>());

        var index = await GetJson("openapi/v3");
        var url = index["paths"]!["apis/example.com/v1"]!["serverRelativeURL"]!.GetValue<string>();
        Assert.StartsWith("/openapi/v3/apis/example.com/v1?hash=", url);
        var doc = JsonNode.Parse(await _http.GetStringAsync(new Uri(new Uri(_f.Host.ServerUrl(SandboxFixture.Cluster)), url)))!;
        var patch = doc["paths"]!.AsObject().Single().Value!["patch"]!;
        Assert.Equal("Widget", patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation");
    }

    [Fact]
    public async Task Aggregated_discovery_is_served_when_asked_for()
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "apis");
        req.Headers.Accept.ParseAdd("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        req.Headers.Accept.ParseAdd("application/json");
        using var resp = await _http.SendAsync(req);
        Assert.Contains("as=APIGroupDiscoveryList", resp.Content.Headers.ContentType!.ToString());
        var doc = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
        var widgets = doc["items"]!.AsArray().Single(i => i!["metadata"]!["name"]!.GetValue<string>() == "example.com")!["versions"]![0]!["resources"]!.AsArray().Single()!;
        Assert.Equal("widgets", widgets["resource"]!.GetValue<string>());
        Assert.Equal("Namespaced", widgets["scope"]!.GetValue<string>());
        Assert.Equal("status", widgets["subresources"]![0]!["subresource"]!.GetValue<string>());

        using var legacy = new HttpRequestMessage(HttpMethod.Get, "apis");
        legacy.Headers.Accept.ParseAdd("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
        legacy.Headers.Accept.ParseAdd("application/json");
        var plain = JsonNode.Parse(await (await _http.SendAsync(legacy)).Content.ReadAsStringAsync())!;
        Assert.Equal("APIGroupList", plain["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Dry_run_validates_and_answers_without_storing()
    {
        var r = await _http.PostAsync("api/v1/namespaces/apps/configmaps?dryRun=All", Json("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dry"},"data":{"a":"b"}}"""));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        Assert.Equal("dry", JsonNode.Parse(await r.Content.ReadAsStringAsync())!["metadata"]!["name"]!.GetValue<string>());
        Assert.Null(_f.Host.Cluster(SandboxFixture.Cluster).Get("v1", "configmaps", "apps", "dry"));
        var bad = await _http.PostAsync("api/v1/namespaces/apps/configmaps?dryRun=All", Json("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}"""));
        Assert.Equal((HttpStatusCode)422, bad.StatusCode);
        var status = JsonNode.Parse(await bad.Content.ReadAsStringAsync())!;
        Assert.Equal("Invalid", status["reason"]!.GetValue<string>());
        Assert.Equal("ConfigMap", status["details"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Status_subresource_writes_only_status_and_main_writes_keep_it()
    {
        var created = await _http.PostAsync("apis/example.com/v1/namespaces/apps/widgets", Json("""{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"st"},"spec":{"size":1},"status":{"phase":"dropped"}}"""));
        var obj = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        Assert.Null(obj["status"]);
        obj["status"] = new JsonObject { ["phase"] = "Ready" };
        obj["spec"]!["size"] = 99;
        var put = await _http.PutAsync("apis/example.com/v1/namespaces/apps/widgets/st/status", Json(obj.ToJsonString()));
        put.EnsureSuccessStatusCode();
        var stored = _f.Host.Cluster(SandboxFixture.Cluster).Get("example.com/v1", "widgets", "apps", "st")!;
        Assert.Equal("Ready", stored["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(1, stored["spec"]!["size"]!.GetValue<long>());

        var stale = await _http.PutAsync("apis/example.com/v1/namespaces/apps/widgets/st", Json(obj.ToJsonString()));
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        stored["spec"]!["size"] = 2;
        stored["status"] = new JsonObject { ["phase"] = "ignored" };
        (await _http.PutAsync("apis/example.com/v1/namespaces/apps/widgets/st", Json(stored.ToJsonString()))).EnsureSuccessStatusCode();
        var after = _f.Host.Cluster(SandboxFixture.Cluster).Get("example.com/v1", "widgets", "apps", "st")!;
        Assert.Equal(2, after["spec"]!["size"]!.GetValue<long>());
        Assert.Equal("Ready", after["status"]!["phase"]!.GetValue<string>());
    }

    private async Task<List<JsonNode>> ReadWatch(string path, int count)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, path);
        using var resp = await _http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        resp.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await resp.Content.ReadAsStreamAsync());
        var events = new List<JsonNode>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (events.Count < count && await reader.ReadLineAsync(cts.Token) is { } line)
            events.Add(JsonNode.Parse(line)!);
        return events;
    }

    [Fact]
    public async Task Watch_from_a_too_old_version_is_expired_and_initial_events_end_with_a_bookmark()
    {
        var expired = await ReadWatch("api/v1/namespaces/apps/configmaps?watch=true&resourceVersion=5", 1);
        Assert.Equal("ERROR", expired[0]["type"]!.GetValue<string>());
        Assert.Equal(410, expired[0]["object"]!["code"]!.GetValue<int>());

        var initial = await ReadWatch("api/v1/namespaces/team-a/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true", 3);
        Assert.Equal(new[] { "ADDED", "ADDED", "BOOKMARK" }, initial.Select(e => e["type"]!.GetValue<string>()));
        Assert.Equal(new[] { "a-config", "plain" }, initial.Take(2).Select(e => e["object"]!["metadata"]!["name"]!.GetValue<string>()).OrderBy(x => x));
        Assert.Equal("true", initial[2]["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>());

        var legacyPath = await ReadWatch("api/v1/watch/namespaces/team-a/configmaps?labelSelector=tier%3Dweb", 1);
        Assert.Equal("a-config", legacyPath[0]["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tables_have_column_definitions_and_partial_object_rows()
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "api/v1/namespaces/apps/pods");
        req.Headers.Accept.ParseAdd("application/json;as=Table;v=v1;g=meta.k8s.io");
        var table = JsonNode.Parse(await (await _http.SendAsync(req)).Content.ReadAsStringAsync())!;
        Assert.Equal("Table", table["kind"]!.GetValue<string>());
        // Kubernetes' pod printer: wide columns IP, Node, Nominated Node, Readiness Gates.
        Assert.Equal(new[] { "Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates" },
            table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        var runner = table["rows"]!.AsArray().Single(r => r!["cells"]![0]!.GetValue<string>() == "runner")!;
        Assert.Equal("Running", runner["cells"]![2]!.GetValue<string>());
        Assert.Equal("PartialObjectMetadata", runner["object"]!["kind"]!.GetValue<string>());
    }
}
