using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Sandbox.KubeSphere;

/// <summary>A ks-upgrade failure: the pod exits non-zero after logging the message.</summary>
public sealed class KsUpgradeFailure(string message) : Exception(message);

/// <summary>
/// One simulated ks-upgrade run: the cluster, the merged config, the log being written and the backup storage.
/// Storage simplification: the files ks-upgrade writes under /tmp/ks-upgrade are kept as a JSON map in annotation
/// <c>sandbox.ksupgrade.io/storage</c> of the mounted PVC; without a mounted PVC they live only for the run (lost,
/// as with chart 1.1.4's prepare job).
/// </summary>
public sealed class KsUpgradeRun
{
    public const string StorageAnnotation = "sandbox.ksupgrade.io/storage";
    public const string Ns = "kubesphere-system";

    private readonly List<string> _log = new();
    private readonly JsonObject _ephemeral = new();

    public KsUpgradeRun(JsonObject job, ISandboxClusterView cluster, KsUpgradeInvocation invocation, KsUpgradeConfig config,
        Func<string, ISandboxClusterView?>? otherCluster)
    {
        Job = job;
        Cluster = cluster;
        Invocation = invocation;
        Config = config;
        OtherCluster = otherCluster;
    }

    public JsonObject Job { get; }
    public ISandboxClusterView Cluster { get; }
    public KsUpgradeInvocation Invocation { get; }
    public KsUpgradeConfig Config { get; }
    public Func<string, ISandboxClusterView?>? OtherCluster { get; }
    public IReadOnlyList<string> Log => _log;
    public string JobNamespace => Job.Namespace() ?? Ns;

    public void Info(string file, string message) => _log.Add(Klog('I', file, message));
    public void Warn(string file, string message) => _log.Add(Klog('W', file, message));
    public void Error(string file, string message) => _log.Add(Klog('E', file, message));

    private static string Klog(char level, string file, string message) =>
        $"{level}{DateTime.UtcNow:MMdd HH:mm:ss.ffffff}       1 {file}] {message}";

    // ---- cluster helpers -------------------------------------------------------------------------------------

    /// <summary>True when kubesphere-config says host (or none, which ks-upgrade treats as host).</summary>
    public bool IsHost
    {
        get
        {
            var yaml = Cluster.Get("v1", "configmaps", Ns, "kubesphere-config").Str("data", "kubesphere.yaml");
            if (yaml is null) return true;
            var role = (Seeds.Files.YamlJson.Parse(yaml) as JsonObject).Str("multicluster", "clusterRole");
            return role is null or "host" or "none";
        }
    }

    public bool CrdServes(string crdName, string version) =>
        Cluster.Get("apiextensions.k8s.io/v1", "customresourcedefinitions", null, crdName)?["spec"]?["versions"]?.AsArray()
            .Any(v => v.Str("name") == version && v?["served"]?.GetValue<bool>() != false) == true;

    /// <summary>Release revisions (newest first) from the helm storage Secrets.</summary>
    public List<(JsonObject Secret, HelmRelease Release)> ReleaseHistory(string ns, string release) =>
        Cluster.List("v1", "secrets", ns)
            .Where(s => HelmReleaseSecret.IsReleaseSecret(s) && s.Str("metadata", "labels", "name") == release)
            .Select(s => (s, HelmReleaseSecret.Decode(s)))
            .OrderByDescending(x => x.Item2.Revision).ToList();

    public JsonObject Update(JsonObject obj) => Cluster.Upsert(obj);

    // ---- storage ---------------------------------------------------------------------------------------------

    /// <summary>The mounted data PVC, or null when the job mounts none. Throws when it is mounted but missing.</summary>
    public JsonObject? StorageClaim()
    {
        if (Invocation.DataClaimName is not { } claim) return null;
        return Cluster.Get("v1", "persistentvolumeclaims", JobNamespace, claim)
               ?? throw new KsUpgradeFailure($"persistentvolumeclaim \"{claim}\" not found (volume data cannot be mounted)");
    }

    private JsonObject ReadStorage()
    {
        var pvc = StorageClaim();
        if (pvc is null) return _ephemeral;
        return pvc.Str("metadata", "annotations", StorageAnnotation) is { } text && JsonNode.Parse(text) is JsonObject o ? o : new JsonObject();
    }

    public bool HasKey(string key) => ReadStorage().ContainsKey(key);

    public JsonNode? Load(string key) => ReadStorage()[key]?.DeepClone();

    public void Save(string key, JsonNode value)
    {
        var pvc = StorageClaim();
        var path = $"{Config.StoragePath}/{key}";
        if (pvc is null)
        {
            _ephemeral[key] = value.DeepClone();
            Info("local.go:58", $"save {path} (container filesystem)");
            return;
        }
        var store = ReadStorage();
        store[key] = value.DeepClone();
        pvc.Annotations()[StorageAnnotation] = store.ToJsonString();
        Cluster.Upsert(pvc);
        Info("local.go:58", $"save {path}");
    }

    public void Delete(string key)
    {
        var pvc = StorageClaim();
        if (pvc is null) { _ephemeral.Remove(key); return; }
        var store = ReadStorage();
        if (!store.Remove(key)) return;
        pvc.Annotations()[StorageAnnotation] = store.ToJsonString();
        Cluster.Upsert(pvc);
    }

    public JobOutcome Outcome(bool succeeded) => new(succeeded, _log.ToList());
}
