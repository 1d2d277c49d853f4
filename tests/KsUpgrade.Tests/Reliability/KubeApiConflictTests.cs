using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Sandbox.Faults;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Tests.Sandbox;

namespace KsUpgrade.Tests.Reliability;

/// <summary>How the engine's API layer answers a 409 from a concurrent writer (the sandbox really moves the resourceVersion).</summary>
public sealed class KubeApiConflictTests : IAsyncLifetime
{
    private SandboxHost _host = null!;
    private KubeApi _api = null!;
    private readonly List<string> _notes = new();

    public async Task InitializeAsync()
    {
        _host = await SandboxHost.StartAsync(new SandboxOptions { Clusters = new[] { TestSeed.Build("c") } });
        var cluster = await ClusterConnector.ConnectAsync(new KsConnectionSettings { KubeconfigPaths = new[] { _host.KubeconfigPath }, Context = "c" }, null, CancellationToken.None);
        _api = KubeApi.For(cluster, n => { lock (_notes) _notes.Add(n); });
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private int? Left(FaultRule rule) => _host.Faults.Rules.FirstOrDefault(r => r.Id == rule.Id)?.Times;

    [Fact]
    public async Task Unguarded_patches_and_deletes_are_sent_again_after_a_409_Conflict()
    {
        var patchRule = _host.AddFault(new FaultRule { Verb = "patch", Resource = "configmaps", Name = "web-config", ConcurrentWrite = true, Times = 2 });
        var patched = await _api.PatchAsync(ResourceKind.ConfigMaps, "apps", "web-config", KubePatchType.Merge, """{"data":{"k":"v"}}""", CancellationToken.None);
        Assert.Equal("v", patched.Str("data", "k"));
        Assert.Null(Left(patchRule)); // both conflicts were answered, then the third attempt went through

        var deleteRule = _host.AddFault(new FaultRule { Verb = "delete", Resource = "configmaps", Name = "db-config", ConcurrentWrite = true, Times = 1 });
        Assert.True(await _api.DeleteAsync(ResourceKind.ConfigMaps, "apps", "db-config", "Background", CancellationToken.None));
        Assert.Null(Left(deleteRule));
        Assert.Null(await _api.GetAsync(ResourceKind.ConfigMaps, "apps", "db-config", CancellationToken.None));
        lock (_notes) Assert.Equal(3, _notes.Count(n => n.StartsWith("Conflict while", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_writer_that_keeps_conflicting_ends_in_KubeConflictException_with_the_apiserver_message()
    {
        _host.AddFault(new FaultRule { Verb = "patch", Resource = "configmaps", Name = "a-config", ConcurrentWrite = true });
        var e = await Assert.ThrowsAsync<KubeConflictException>(() =>
            _api.PatchAsync(ResourceKind.ConfigMaps, "team-a", "a-config", KubePatchType.Merge, """{"data":{"k":"v"}}""", CancellationToken.None));
        Assert.Contains("the object has been modified", e.Message);
        Assert.Equal(_api.ConflictAttempts, _host.Requests.Get("c", "patch", "configmaps"));
    }

    [Fact]
    public async Task Guarded_replaces_and_creates_are_not_retried()
    {
        var current = (await _api.GetAsync(ResourceKind.ConfigMaps, "team-a", "plain", CancellationToken.None))!;
        var rule = _host.AddFault(new FaultRule { Verb = "update", Resource = "configmaps", Name = "plain", ConcurrentWrite = true, Times = 2 });
        current["data"] = new System.Text.Json.Nodes.JsonObject { ["mine"] = "1" };
        await Assert.ThrowsAsync<KubeConflictException>(() => _api.ReplaceAsync(ResourceKind.ConfigMaps, "team-a", current, CancellationToken.None));
        Assert.Equal(1, Left(rule)); // one attempt only: the caller must re-read (its resourceVersion is stale now)
        _host.ClearFaults();
        // the concurrent writer really moved the resourceVersion: the stale write conflicts in the store as well
        await Assert.ThrowsAsync<KubeConflictException>(() => _api.ReplaceAsync(ResourceKind.ConfigMaps, "team-a", current, CancellationToken.None));

        var create = _host.AddFault(new FaultRule { Verb = "create", Resource = "configmaps", ConcurrentWrite = true, Times = 2 });
        var cm = System.Text.Json.Nodes.JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"new-one","namespace":"apps"}}""")!.AsObject();
        var already = await Assert.ThrowsAsync<KubeConflictException>(() => _api.CreateAsync(ResourceKind.ConfigMaps, "apps", cm, CancellationToken.None));
        Assert.Contains("already exists", already.Message);
        Assert.Equal(1, Left(create));
    }
}
