using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>State shared by the seed parts while one cluster is built: its profile, nodes and objects.</summary>
public sealed class SeedContext
{
    public SeedContext(Ks34Profile profile) => Profile = profile;

    public Ks34Profile Profile { get; }
    public List<JsonObject> Objects { get; } = new();
    public List<NodeRef> Nodes { get; } = new();
    public IEnumerable<NodeRef> Masters => Nodes.Take(Math.Min(3, Nodes.Count));
    public List<NodeRef> Workers => Nodes.Count > 3 ? Nodes.Skip(3).ToList() : Nodes.ToList();
    /// <summary>User app Deployments per namespace, filled with pods by the pod-filling part.</summary>
    public List<Workloads.Set> UserApps { get; } = new();
    /// <summary>Workspace of each user namespace.</summary>
    public Dictionary<string, string> UserNamespaces { get; } = new();
    public Dictionary<string, JsonObject> WorkspaceObjects { get; } = new();

    private readonly Dictionary<string, int> _ipSeq = new();

    public string KsImage(string component) => $"kubesphere/{component}:{Profile.KsVersion}";

    public int NextPodIp(NodeRef node)
    {
        _ipSeq.TryGetValue(node.Name, out var n);
        _ipSeq[node.Name] = n + 1;
        return n;
    }

    public void Add(JsonObject obj) => Objects.Add(obj);
    public void AddRange(IEnumerable<JsonObject> objs) => Objects.AddRange(objs);
    public void Add(Workloads.Set set) => Objects.AddRange(set.All());

    /// <summary>Picks <paramref name="count"/> nodes, preferring workers, spreading deterministically by a key.</summary>
    public IReadOnlyList<NodeRef> PickNodes(int count, string key, bool masters = false)
    {
        var pool = masters ? Masters.ToList() : Workers;
        if (pool.Count == 0) pool = Nodes;
        var start = SeedIds.Suffix(key, 1)[0] % pool.Count;
        return Enumerable.Range(0, count).Select(i => pool[(start + i) % pool.Count]).ToList();
    }

    /// <summary>A Deployment set placed on nodes with sequential pod IPs.</summary>
    public Workloads.Set Deployment(string ns, string name, JsonObject podSpec, int replicas, bool onMasters = false,
        JsonObject? labels = null, Func<int, IEnumerable<string>>? log = null, JsonObject? selector = null)
    {
        var set = Workloads.Deployment(ns, name, podSpec, PickNodes(replicas, ns + "/" + name, onMasters),
            (n, _) => NextPodIp(n), labels, log, selector);
        Add(set);
        return set;
    }
}
