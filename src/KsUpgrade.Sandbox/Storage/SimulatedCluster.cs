using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Sandbox.Storage;

/// <summary>
/// One simulated cluster: its served types, its objects, and the API semantics on top of them (create, update,
/// delete with finalizers and garbage collection). Every operation runs under the store's lock, so writers are serialized.
/// </summary>
public sealed partial class SimulatedCluster : ISandboxClusterView
{
    public string ClusterName { get; }
    public SeedCluster Seed { get; }
    public ResourceRegistry Registry { get; }
    public ObjectStore Store { get; } = new();
    private int _nextIp = 10;

    public SimulatedCluster(SeedCluster seed)
    {
        Seed = seed;
        ClusterName = seed.Name;
        Registry = new ResourceRegistry(seed.KubernetesMinor);
    }

    private bool _loading;

    /// <summary>Loads the seed's objects (CRDs first), without events.</summary>
    public void LoadSeed()
    {
        _loading = true;
        try { LoadSeedCore(); } finally { _loading = false; }
    }

    private void LoadSeedCore()
    {
        var objects = Seed.Objects;
        foreach (var o in objects.Where(o => ObjectMeta.Str(o, "kind") == "CustomResourceDefinition"))
            Load(o);
        foreach (var o in objects.Where(o => ObjectMeta.Str(o, "kind") == "Namespace"))
            Load(o);
        // Every cluster has these namespaces.
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
            if (Store.Get("namespaces", "", ns) is null)
                Load(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
        foreach (var o in objects.Where(o => ObjectMeta.Str(o, "kind") is not ("CustomResourceDefinition" or "Namespace")))
            Load(o);
        AddKubeletState();
    }

    /// <summary>
    /// What each node's kubelet keeps up on a real cluster: a Lease named after the node in kube-node-lease and
    /// heartbeat/transition times on its conditions, where the seed has none. The times are the seed's (its install
    /// time, like every other seeded time), so two starts of a seed load the same state.
    /// </summary>
    private void AddKubeletState()
    {
        var now = KsUpgrade.Sandbox.Seeds.Building.SeedIds.Time();
        var nodeType = Registry.Find("", "v1", "nodes")!;
        foreach (var (_, node) in Store.List(nodeType.GroupResource, null).ToList())
        {
            var name = ObjectMeta.Name(node);
            var conditions = node["status"]?["conditions"] as JsonArray;
            if (conditions is not null && conditions.OfType<JsonObject>().Any(c => c["lastHeartbeatTime"] is null || c["lastTransitionTime"] is null))
            {
                var copy = (JsonObject)node.DeepClone();
                foreach (var c in ((JsonArray)copy["status"]!["conditions"]!).OfType<JsonObject>())
                {
                    c["lastHeartbeatTime"] ??= now;
                    c["lastTransitionTime"] ??= ObjectMeta.Str(node, "metadata", "creationTimestamp") ?? now;
                }
                UpsertCore(nodeType, copy);
            }
            if (Store.Get("leases.coordination.k8s.io", "kube-node-lease", name) is null)
                UpsertCore(Registry.Find("coordination.k8s.io", "v1", "leases")!, new JsonObject
                {
                    ["apiVersion"] = "coordination.k8s.io/v1", ["kind"] = "Lease",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = name, ["namespace"] = "kube-node-lease",
                        ["ownerReferences"] = new JsonArray(new JsonObject
                        {
                            ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = name, ["uid"] = ObjectMeta.Uid(node),
                        }),
                    },
                    ["spec"] = new JsonObject { ["holderIdentity"] = name, ["leaseDurationSeconds"] = 40, ["renewTime"] = Micro(now) },
                });
        }
    }

    /// <summary>A Lease's MicroTime form of an RFC 3339 time.</summary>
    private static string Micro(string rfc3339) => rfc3339.EndsWith('Z') && !rfc3339.Contains('.') ? rfc3339[..^1] + ".000000Z" : rfc3339;

    public ResourceType TypeOf(JsonObject obj)
    {
        var apiVersion = ObjectMeta.Str(obj, "apiVersion") ?? "";
        var kind = ObjectMeta.Str(obj, "kind") ?? "";
        return Registry.FindByKind(apiVersion, kind)
            ?? throw ApiException.BadRequest($"no matches for kind \"{kind}\" in version \"{apiVersion}\"");
    }

    private ResourceType TypeOf(string apiVersion, string resource)
    {
        var slash = apiVersion.IndexOf('/');
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
        return Registry.Find(group, version, resource)
            ?? throw ApiException.NotFoundPath($"{apiVersion}/{resource}");
    }

    /// <summary>A copy of a stored object as seen through one served version.</summary>
    public JsonObject Present(ResourceType t, JsonObject stored)
    {
        // Re-parse rather than clone: values then read as any numeric type (GetValue<long> and GetValue<int> both work).
        var copy = (JsonObject)JsonNode.Parse(stored.ToJsonString())!;
        copy["apiVersion"] = t.ApiVersion;
        copy["kind"] = t.Kind;
        return copy;
    }

    public JsonObject? Read(ResourceType t, string? ns, string name)
    {
        lock (Store.Gate)
        {
            var o = Store.Get(t.GroupResource, t.Namespaced ? ns ?? "" : "", name);
            return o is null ? null : Present(t, o);
        }
    }

    // ---- ISandboxClusterView ----

    public JsonObject? Get(string apiVersion, string resource, string? ns, string name) =>
        Read(TypeOf(apiVersion, resource), ns, name);

    public IReadOnlyList<JsonObject> List(string apiVersion, string resource, string? ns = null)
    {
        var t = TypeOf(apiVersion, resource);
        lock (Store.Gate)
            return Store.List(t.GroupResource, t.Namespaced ? ns : null).Select(x => Present(t, x.Obj)).ToList();
    }

    public JsonObject Upsert(JsonObject obj)
    {
        var t = TypeOf(obj);
        lock (Store.Gate) return Present(t, UpsertCore(t, obj));
    }

    private JsonObject UpsertCore(ResourceType t, JsonObject obj)
    {
        var ns = t.Namespaced ? ObjectMeta.Namespace(obj) : "";
        var name = ObjectMeta.Name(obj);
        var existing = Store.Get(t.GroupResource, ns, name);
        var copy = (JsonObject)obj.DeepClone();
        if (existing is null) return CreateCore(t, ns, copy, dryRun: false, fromApi: false);
        ObjectMeta.Meta(copy).Remove("resourceVersion");
        return UpdateCore(t, ns, name, copy, statusOnly: false, dryRun: false, fromApi: false);
    }

    private void Load(JsonObject obj) => UpsertCore(TypeOf(obj), obj);

    public bool Delete(string apiVersion, string resource, string? ns, string name)
    {
        var t = TypeOf(apiVersion, resource);
        try
        {
            DeleteObject(t, ns, name, new DeleteRequest());
            return true;
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return false;
        }
    }

    /// <summary>A cluster IP for a new Service.</summary>
    internal string NextClusterIp()
    {
        int n = Interlocked.Increment(ref _nextIp);
        return $"10.96.{(n >> 8) & 255}.{n & 255}";
    }
}

/// <summary>Options of a delete: propagation, preconditions, dry run.</summary>
public sealed record DeleteRequest
{
    public string? PropagationPolicy { get; init; }
    public string? PreconditionUid { get; init; }
    public string? PreconditionResourceVersion { get; init; }
    public bool DryRun { get; init; }
}

public sealed partial class SimulatedCluster
{
    public const string LogAnnotation = "sandbox.ksupgrade.io/log";
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<string>> _podLogs = new();

    /// <summary>Sets the log lines of a pod (what GET .../pods/&lt;name&gt;/log returns).</summary>
    public void SetPodLog(string ns, string pod, IReadOnlyList<string> lines) => _podLogs[ns + "/" + pod] = lines;

    /// <summary>The log lines of a pod: those set by a job outcome, else its sandbox.ksupgrade.io/log annotation.</summary>
    public IReadOnlyList<string> LogsOf(JsonObject pod)
    {
        if (_podLogs.TryGetValue(ObjectMeta.Namespace(pod) + "/" + ObjectMeta.Name(pod), out var lines)) return lines;
        var annotation = ObjectMeta.Str(pod, "metadata", "annotations", LogAnnotation);
        if (annotation is null) return Array.Empty<string>();
        return annotation.TrimEnd('\n').Split('\n');
    }
}
