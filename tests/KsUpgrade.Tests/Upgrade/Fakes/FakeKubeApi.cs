using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Tests.Upgrade.Fakes;

/// <summary>An in-memory IKubeApi: objects by kind, paging with continue tokens, resourceVersions, 409s, call log, fault injection.</summary>
public sealed class FakeKubeApi : IKubeApi
{
    private readonly object _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _objects = new();
    private readonly List<ResourceKind> _served = new();
    private long _rv = 100;

    public FakeKubeApi(params ResourceKind[] extraServed)
    {
        _served.AddRange(ResourceKind.BuiltIn);
        _served.AddRange(extraServed);
    }

    public string Context => "fake";
    public string Server => "https://fake:6443";

    /// <summary>Every call: "LIST configmaps ns limit=500 continue=", "DELETE deployments kubesphere-system/redis", ...</summary>
    public List<string> Calls { get; } = new();
    public Dictionary<string, string> PodLogs { get; } = new();
    /// <summary>Throws the returned exception for a call (matched on the call text) when not null.</summary>
    public Func<string, Exception?>? Fault { get; set; }
    /// <summary>Called after an object was applied (to simulate controllers).</summary>
    public Action<ResourceKind, JsonObject>? OnApplied { get; set; }
    /// <summary>Writes (create, replace, patch, apply, delete) in order.</summary>
    public List<string> Mutations { get; } = new();

    public void Serve(ResourceKind kind) { lock (_gate) _served.Add(kind); }

    private static string Key(ResourceKind k) => k.FullName;
    private static string ObjKey(string? ns, string name) => $"{ns ?? ""}/{name}";

    /// <summary>Adds an object directly (seed).</summary>
    public JsonObject Add(ResourceKind kind, JsonObject obj)
    {
        lock (_gate)
        {
            var md = obj.Obj("metadata");
            md["resourceVersion"] = (++_rv).ToString();
            md["uid"] ??= Guid.NewGuid().ToString();
            md["creationTimestamp"] ??= DateTimeOffset.UtcNow.ToString("o");
            md["managedFields"] ??= new JsonArray(new JsonObject { ["manager"] = "kubectl" });
            obj["apiVersion"] = kind.ApiVersion;
            obj["kind"] = kind.Kind;
            Store(kind)[ObjKey(kind.Namespaced ? obj.Namespace() : null, obj.Name())] = obj;
            return obj;
        }
    }

    public JsonObject Add(ResourceKind kind, string? ns, string name, object? labels = null, JsonObject? extra = null)
    {
        var obj = extra?.DeepClone() as JsonObject ?? new JsonObject();
        var md = obj.Obj("metadata");
        md["name"] = name;
        if (ns is not null) md["namespace"] = ns;
        if (labels is IDictionary<string, string> l) md["labels"] = new JsonObject(l.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        return Add(kind, obj);
    }

    private SortedDictionary<string, JsonObject> Store(ResourceKind kind)
    {
        if (!_objects.TryGetValue(Key(kind), out var s)) _objects[Key(kind)] = s = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        return s;
    }

    public JsonObject? Find(ResourceKind kind, string? ns, string name)
    {
        lock (_gate) return Store(kind).TryGetValue(ObjKey(kind.Namespaced ? ns : null, name), out var o) ? (JsonObject)o.DeepClone() : null;
    }

    public IReadOnlyList<JsonObject> All(ResourceKind kind)
    {
        lock (_gate) return Store(kind).Values.Select(o => (JsonObject)o.DeepClone()).ToList();
    }

    /// <summary>kind/ns/name → resourceVersion of every object (to prove nothing changed).</summary>
    public Dictionary<string, string> Versions()
    {
        lock (_gate)
            return _objects.SelectMany(k => k.Value.Select(o => ($"{k.Key}/{o.Key}", o.Value.ResourceVersion() ?? ""))).ToDictionary(x => x.Item1, x => x.Item2);
    }

    private void Record(string call)
    {
        lock (_gate) Calls.Add(call);
        if (Fault?.Invoke(call) is { } e) throw e;
    }

    private void Mutated(string what) { lock (_gate) Mutations.Add(what); }

    public Task<IReadOnlyList<ResourceKind>> DiscoverAsync(string group, CancellationToken ct)
    {
        Record($"DISCOVER {group}");
        lock (_gate) return Task.FromResult<IReadOnlyList<ResourceKind>>(_served.Where(k => k.Group == group).ToList());
    }

    public Task<KubePage> ListPageAsync(ResourceKind kind, string? ns, string? labelSelector, int limit, string? continueToken, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Record($"LIST {kind.FullName} {ns} limit={limit} continue={continueToken}");
        lock (_gate)
        {
            var items = Store(kind).Values
                .Where(o => ns is null || !kind.Namespaced || o.Namespace() == ns)
                .Where(o => Matches(o, labelSelector))
                .ToList();
            var start = continueToken is null ? 0 : int.Parse(continueToken);
            var page = items.Skip(start).Take(limit).Select(o => (JsonObject)o.DeepClone()).ToList();
            var next = start + limit < items.Count ? (start + limit).ToString() : null;
            return Task.FromResult(new KubePage(page, next));
        }
    }

    private static bool Matches(JsonObject o, string? selector)
    {
        if (string.IsNullOrEmpty(selector)) return true;
        foreach (var term in selector.Split(','))
        {
            var eq = term.IndexOf('=');
            if (eq < 0) { if (o.Label(term) is null) return false; }
            else if (o.Label(term[..eq]) != term[(eq + 1)..]) return false;
        }
        return true;
    }

    public Task<JsonObject?> GetAsync(ResourceKind kind, string? ns, string name, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Record($"GET {kind.FullName} {KubeJson.Ref(ns, name)}");
        return Task.FromResult(Find(kind, ns, name));
    }

    public Task<JsonObject> CreateAsync(ResourceKind kind, string? ns, JsonObject obj, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Record($"CREATE {kind.FullName} {KubeJson.Ref(ns, obj.Name())}");
        lock (_gate)
        {
            if (Store(kind).ContainsKey(ObjKey(kind.Namespaced ? ns : null, obj.Name())))
                throw new KubeConflictException("already exists");
            var copy = (JsonObject)obj.DeepClone();
            if (ns is not null && kind.Namespaced) copy.Obj("metadata")["namespace"] = ns;
            Mutated($"CREATE {kind.FullName} {KubeJson.Ref(ns, obj.Name())}");
            return Task.FromResult((JsonObject)Add(kind, copy).DeepClone());
        }
    }

    public Task<JsonObject> ReplaceAsync(ResourceKind kind, string? ns, JsonObject obj, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Record($"REPLACE {kind.FullName} {KubeJson.Ref(ns, obj.Name())}");
        lock (_gate)
        {
            var key = ObjKey(kind.Namespaced ? ns : null, obj.Name());
            if (!Store(kind).TryGetValue(key, out var current)) throw new InvalidOperationException("not found");
            if (obj.ResourceVersion() is { } rv && rv != current.ResourceVersion()) throw new KubeConflictException("conflict");
            var copy = (JsonObject)obj.DeepClone();
            copy.Obj("metadata")["uid"] = current.Str("metadata", "uid");
            copy.Obj("metadata")["namespace"] = ns;
            Mutated($"REPLACE {kind.FullName} {KubeJson.Ref(ns, obj.Name())}");
            return Task.FromResult((JsonObject)Add(kind, copy).DeepClone());
        }
    }

    /// <summary>Bumps an object's resourceVersion as if someone else wrote it.</summary>
    public void Touch(ResourceKind kind, string? ns, string name)
    {
        lock (_gate) { var o = Store(kind)[ObjKey(ns, name)]; o.Obj("metadata")["resourceVersion"] = (++_rv).ToString(); }
    }

    public Task<JsonObject> PatchAsync(ResourceKind kind, string? ns, string name, KubePatchType type, string body, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Record($"PATCH {kind.FullName} {KubeJson.Ref(ns, name)} {type} {body}");
        lock (_gate)
        {
            var key = ObjKey(kind.Namespaced ? ns : null, name);
            if (!Store(kind).TryGetValue(key, out var current)) throw new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.ObjectNotFound, "not found");
            var copy = (JsonObject)current.DeepClone();
            if (type == KubePatchType.Merge) MergePatch(copy, JsonNode.Parse(body)!.AsObject());
            else JsonPatch(copy, JsonNode.Parse(body)!.AsArray());
            Mutated($"PATCH {kind.FullName} {KubeJson.Ref(ns, name)}");
            return Task.FromResult((JsonObject)Add(kind, copy).DeepClone());
        }
    }

    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (k, v) in patch.ToList())
        {
            if (v is null) target.Remove(k);
            else if (v is JsonObject po && target[k] is JsonObject to) MergePatch(to, po);
            else target[k] = v.DeepClone();
        }
    }

    private static void JsonPatch(JsonObject target, JsonArray ops)
    {
        foreach (var op in ops.OfType<JsonObject>())
        {
            var path = op.Str("path")!.TrimStart('/').Split('/').Select(p => p.Replace("~1", "/").Replace("~0", "~")).ToArray();
            var parent = path.Length == 1 ? target : target.At(path[..^1]) as JsonObject
                ?? throw new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.InvalidOperation, "json patch: missing parent");
            var last = path[^1];
            switch (op.Str("op"))
            {
                case "test":
                    if (parent[last]?.ToJsonString() != op["value"]?.ToJsonString())
                        throw new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.InvalidOperation, "json patch: test failed");
                    break;
                case "add": parent[last] = op["value"]?.DeepClone(); break;
                case "replace":
                    if (!parent.ContainsKey(last)) throw new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.InvalidOperation, "json patch: replace of missing");
                    parent[last] = op["value"]?.DeepClone(); break;
                case "remove": parent.Remove(last); break;
            }
        }
    }

    public Task<JsonObject> ApplyAsync(ResourceKind kind, string? ns, JsonObject obj, bool force, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Record($"APPLY {kind.FullName} {KubeJson.Ref(ns, obj.Name())}");
        JsonObject stored;
        lock (_gate)
        {
            var key = ObjKey(kind.Namespaced ? ns : null, obj.Name());
            var copy = Store(kind).TryGetValue(key, out var current) ? (JsonObject)current.DeepClone() : new JsonObject();
            MergePatch(copy, (JsonObject)obj.DeepClone());
            if (ns is not null && kind.Namespaced) copy.Obj("metadata")["namespace"] = ns;
            Mutated($"APPLY {kind.FullName} {KubeJson.Ref(ns, obj.Name())}");
            stored = Add(kind, copy);
        }
        OnApplied?.Invoke(kind, (JsonObject)stored.DeepClone());
        return Task.FromResult((JsonObject)stored.DeepClone());
    }

    public Task<bool> DeleteAsync(ResourceKind kind, string? ns, string name, string propagation, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Record($"DELETE {kind.FullName} {KubeJson.Ref(ns, name)}");
        lock (_gate)
        {
            var removed = Store(kind).Remove(ObjKey(kind.Namespaced ? ns : null, name));
            if (removed) Mutated($"DELETE {kind.FullName} {KubeJson.Ref(ns, name)}");
            return Task.FromResult(removed);
        }
    }

    public Task<string> ReadPodLogAsync(string ns, string pod, int? tailLines, CancellationToken ct)
    {
        Record($"LOG {ns}/{pod}");
        lock (_gate) return Task.FromResult(PodLogs.GetValueOrDefault(pod, ""));
    }

    public Task<Stream> FollowPodLogAsync(string ns, string pod, CancellationToken ct)
    {
        Record($"FOLLOW {ns}/{pod}");
        lock (_gate) return Task.FromResult<Stream>(new MemoryStream(Encoding.UTF8.GetBytes(PodLogs.GetValueOrDefault(pod, ""))));
    }

    public static JsonObject Json(string json) => JsonNode.Parse(json)!.AsObject();
}
