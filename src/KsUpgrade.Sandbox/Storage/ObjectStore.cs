using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace KsUpgrade.Sandbox.Storage;

/// <summary>
/// Raw object storage of one cluster: objects keyed by group resource ("deployments.apps"), namespace ("" for
/// cluster-scoped) and name; a global resourceVersion counter; a bounded event history for watches; subscribers.
/// All reads and writes happen under <see cref="Gate"/>; callers clone what they hand out.
/// </summary>
public sealed class ObjectStore
{
    public object Gate { get; } = new();
    private long _rv = 1000;
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<(string Gr, string Ns, string Name)>> _byOwner = new(StringComparer.Ordinal);
    private readonly LinkedList<StoreEvent> _history = new();
    private const int HistoryLimit = 20_000;
    private long _oldestHistoryRv = 1000;
    private readonly List<Channel<StoreEvent>> _subscribers = new();

    public long CurrentResourceVersion { get { lock (Gate) return _rv; } }

    private long _changes;
    [ThreadStatic] private static bool t_heartbeat;

    /// <summary>
    /// How many writes changed what a comparison of the cluster's state sees: every Put and Remove except those of
    /// Events and the kubelets' heartbeats (<see cref="Heartbeat"/>), the values a state comparison masks (the tests'
    /// StateNormaliser.Volatile and Get-SandboxStateText). Unchanged means the state, so masked, is unchanged: a cheap
    /// "nothing changed" (control API <c>GET /_sandbox/clusters/&lt;name&gt;/changes</c>). A write of the same content
    /// that changes nothing is not stored (no new resourceVersion), as on a real API server, and not counted.
    /// </summary>
    public long Changes { get { lock (Gate) return _changes; } }

    /// <summary>
    /// Marks the writes of the current thread until disposed as a kubelet's heartbeat (a Lease's renewTime, a Node's
    /// lastHeartbeatTime and nothing else): they move the resourceVersion but not <see cref="Changes"/>.
    /// </summary>
    public static HeartbeatScope Heartbeat() => new(true);

    public readonly struct HeartbeatScope : IDisposable
    {
        private readonly bool _previous;
        public HeartbeatScope(bool on)
        {
            _previous = t_heartbeat;
            t_heartbeat = on;
        }
        public void Dispose() => t_heartbeat = _previous;
    }

    private void Changed(string gr)
    {
        if (!t_heartbeat && gr != "events") _changes++;
    }

    public static string Key(string ns, string name) => ns + "/" + name;

    public JsonObject? Get(string gr, string ns, string name)
    {
        lock (Gate)
            return _data.TryGetValue(gr, out var m) && m.TryGetValue(Key(ns, name), out var o) ? o : null;
    }

    /// <summary>Objects of one group resource in key order (namespace/name), optionally one namespace.</summary>
    public List<(string Key, JsonObject Obj)> List(string gr, string? ns)
    {
        lock (Gate)
        {
            var result = new List<(string, JsonObject)>();
            if (!_data.TryGetValue(gr, out var m)) return result;
            string? prefix = ns is null ? null : ns + "/";
            foreach (var kv in m)
                if (prefix is null || kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                    result.Add((kv.Key, kv.Value));
            return result;
        }
    }

    public IEnumerable<string> GroupResources() { lock (Gate) return _data.Keys.ToList(); }

    /// <summary>Stores an object with a fresh resourceVersion and publishes the event. Caller holds no references after.</summary>
    public JsonObject Put(string gr, JsonObject obj, bool recordEvent = true)
    {
        lock (Gate)
        {
            var meta = (JsonObject)obj["metadata"]!;
            string ns = meta["namespace"]?.GetValue<string>() ?? "";
            string name = meta["name"]!.GetValue<string>();
            if (!_data.TryGetValue(gr, out var m)) _data[gr] = m = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            var key = Key(ns, name);
            bool existed = m.TryGetValue(key, out var old);
            if (old is not null) Unindex(gr, ns, name, old);
            meta["resourceVersion"] = (++_rv).ToString();
            Changed(gr);
            m[key] = obj;
            Index(gr, ns, name, obj);
            if (recordEvent) Publish(new StoreEvent(existed ? "MODIFIED" : "ADDED", gr, ns, name, _rv, obj.ToJsonString()));
            return obj;
        }
    }

    public JsonObject? Remove(string gr, string ns, string name)
    {
        lock (Gate)
        {
            if (!_data.TryGetValue(gr, out var m) || !m.Remove(Key(ns, name), out var old)) return null;
            Unindex(gr, ns, name, old);
            var snapshot = (JsonObject)old.DeepClone();
            snapshot["metadata"]!["resourceVersion"] = (++_rv).ToString();
            Changed(gr);
            Publish(new StoreEvent("DELETED", gr, ns, name, _rv, snapshot.ToJsonString()));
            return old;
        }
    }

    /// <summary>Keys of objects whose ownerReferences name this uid.</summary>
    public List<(string Gr, string Ns, string Name)> Dependents(string uid)
    {
        lock (Gate)
            return _byOwner.TryGetValue(uid, out var s) ? s.ToList() : new();
    }

    private void Index(string gr, string ns, string name, JsonObject obj)
    {
        foreach (var uid in OwnerUids(obj))
        {
            if (!_byOwner.TryGetValue(uid, out var s)) _byOwner[uid] = s = new();
            s.Add((gr, ns, name));
        }
    }

    private void Unindex(string gr, string ns, string name, JsonObject obj)
    {
        foreach (var uid in OwnerUids(obj))
            if (_byOwner.TryGetValue(uid, out var s)) { s.Remove((gr, ns, name)); if (s.Count == 0) _byOwner.Remove(uid); }
    }

    private static IEnumerable<string> OwnerUids(JsonObject obj)
    {
        if (obj["metadata"]?["ownerReferences"] is not JsonArray refs) yield break;
        foreach (var r in refs)
            if (r?["uid"]?.GetValue<string>() is { } uid) yield return uid;
    }

    private void Publish(StoreEvent e)
    {
        _history.AddLast(e);
        while (_history.Count > HistoryLimit)
        {
            _oldestHistoryRv = _history.First!.Value.ResourceVersion;
            _history.RemoveFirst();
        }
        for (int i = _subscribers.Count - 1; i >= 0; i--)
            if (!_subscribers[i].Writer.TryWrite(e)) _subscribers.RemoveAt(i);
    }

    /// <summary>
    /// Subscribes to events after <paramref name="fromRv"/> (null: only future events). Returns null when that
    /// resourceVersion is older than the kept history (the caller answers 410 Gone).
    /// </summary>
    public Channel<StoreEvent>? Subscribe(long? fromRv)
    {
        lock (Gate)
        {
            var ch = Channel.CreateUnbounded<StoreEvent>(new UnboundedChannelOptions { SingleReader = true });
            if (fromRv is long rv)
            {
                if (rv < _oldestHistoryRv) return null;
                foreach (var e in _history)
                    if (e.ResourceVersion > rv) ch.Writer.TryWrite(e);
            }
            _subscribers.Add(ch);
            return ch;
        }
    }

    public void Unsubscribe(Channel<StoreEvent> ch)
    {
        lock (Gate) _subscribers.Remove(ch);
        ch.Writer.TryComplete();
    }

    public void CloseAllSubscribers()
    {
        lock (Gate)
        {
            foreach (var s in _subscribers) s.Writer.TryComplete();
            _subscribers.Clear();
        }
    }
}
