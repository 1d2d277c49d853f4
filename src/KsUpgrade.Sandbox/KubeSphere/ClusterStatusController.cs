using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.KubeSphere;

/// <summary>
/// KubeSphere's cluster controller on a host (in ks-controller-manager), reduced to what an upgrade sees of it: every
/// <see cref="SeedCluster.ClusterResyncSeconds"/> it visits each <c>clusters.cluster.kubesphere.io</c> object of its
/// cluster and writes <c>status.kubeSphereVersion</c> and <c>status.kubernetesVersion</c> as that cluster reports them:
/// the version of the ks-apiserver its ks-core release deployed (the latest deployed revision's appVersion) and the
/// Kubernetes gitVersion it serves. So a member upgraded to 4.1 shows v4.1.x on the host one resync later, as KubeSphere
/// 4.1 does; before that the host still shows v3.4.x.
/// </summary>
/// <remarks>
/// Simplifications (the README lists them): the Cluster object is matched to the simulated cluster of the same name (the
/// host's own object, labelled cluster-role.kubesphere.io/host, to this cluster), not through spec.connection; a Cluster
/// with no simulated cluster behind it is left as it is (a real controller would mark it not Ready); a 3.x ks-core
/// release (chart 0.1.0, appVersion v3.3.2, not the version of the 3.4 ks-apiserver) is read by its ks-apiserver
/// Deployment's image tag (v3.4.1), the version a 3.x ks-apiserver reports. Nothing is written while ks-controller-manager has no ready replica (scaled down by the upgrade, or absent), nor when
/// nothing changed.
/// </remarks>
internal sealed class ClusterStatusController : IAsyncDisposable
{
    private const string ClusterApi = "cluster.kubesphere.io/v1alpha1";
    private const string HostLabel = "cluster-role.kubesphere.io/host";
    private readonly SimulatedCluster _c;
    private readonly Func<string, SimulatedCluster?> _resolve;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public ClusterStatusController(SimulatedCluster cluster, Func<string, SimulatedCluster?> resolve)
    {
        _c = cluster;
        _resolve = resolve;
    }

    /// <summary>Starts the resync loop, unless the seed turns it off (a delay of 0 or less).</summary>
    public void Start()
    {
        var delay = _c.Seed.ClusterResyncSeconds;
        if (delay <= 0) return;
        _loop = Task.Run(() => RunAsync(TimeSpan.FromSeconds(delay), _stop.Token));
    }

    private async Task RunAsync(TimeSpan delay, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, ct);
                SyncOnce();
            }
            catch (OperationCanceledException) { break; }
            catch (Api.ApiException)
            {
                // the Cluster CRD or an object went away meanwhile (a test deleting it): the next resync sees the new state
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"sandbox cluster controller ({_c.ClusterName}): {e.GetType().Name}: {e.Message}");
            }
        }
    }

    /// <summary>One resync of every Cluster object. Never holds two clusters' locks at once.</summary>
    public void SyncOnce()
    {
        List<(string Name, bool IsHost)> names;
        lock (_c.Store.Gate)
        {
            if (_c.Registry.FindGroupResource("cluster.kubesphere.io", "clusters") is null || !ControllerManagerReady()) return;
            names = _c.List(ClusterApi, "clusters").Select(o => (o.Name(), o.Str("metadata", "labels", HostLabel) is not null)).ToList();
        }
        foreach (var (name, isHost) in names)
        {
            var target = _resolve(name) ?? (isHost ? _c : null);
            if (target is null) continue;
            var (ksVersion, k8sVersion) = Observe(target);
            lock (_c.Store.Gate)
            {
                var obj = _c.Get(ClusterApi, "clusters", null, name);
                if (obj is null) continue;
                var status = obj["status"] as JsonObject ?? (JsonObject)(obj["status"] = new JsonObject());
                var changed = false;
                if (ksVersion is not null && status.Str("kubeSphereVersion") != ksVersion) { status["kubeSphereVersion"] = ksVersion; changed = true; }
                if (status.Str("kubernetesVersion") != k8sVersion) { status["kubernetesVersion"] = k8sVersion; changed = true; }
                if (changed) _c.Upsert(obj);
            }
        }
    }

    /// <summary>The version the cluster's ks-apiserver reports (v4 ks-core releases only, see the remarks) and its Kubernetes gitVersion.</summary>
    private static (string? KubeSphere, string Kubernetes) Observe(SimulatedCluster target)
    {
        var latest = target.List("v1", "secrets", KsUpgradeRun.Ns)
            .Where(s => HelmReleaseSecret.IsReleaseSecret(s) && s.Str("metadata", "labels", "name") == "ks-core")
            .Select(HelmReleaseSecret.Decode)
            .Where(r => r.Status == "deployed")
            .OrderByDescending(r => r.Revision)
            .FirstOrDefault();
        var ks = latest?.AppVersion is { } v && v.StartsWith("v4", StringComparison.Ordinal) ? v : ApiServerImageVersion(target);
        return (ks, target.Seed.KubernetesVersion);
    }

    /// <summary>
    /// A cluster on KubeSphere 3.x (its ks-core release's appVersion is not the ks-apiserver's): the version its
    /// ks-apiserver reports, which is its image tag (v3.4.1) — so a member an Undo took back to 3.4 shows v3.4.1 again,
    /// as a real host's controller reads it from the member's ks-apiserver. Null without a 3.x ks-apiserver Deployment.
    /// </summary>
    private static string? ApiServerImageVersion(SimulatedCluster target)
    {
        var image = target.Get("apps/v1", "deployments", KsUpgradeRun.Ns, "ks-apiserver")?["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"]?.GetValue<string>();
        var colon = image?.LastIndexOf(':') ?? -1;
        if (image is null || colon < 0 || image.IndexOf('/', colon) >= 0) return null;
        var tag = image[(colon + 1)..];
        return tag.StartsWith("v3", StringComparison.Ordinal) ? tag : null;
    }

    private bool ControllerManagerReady()
    {
        var d = _c.Get("apps/v1", "deployments", KsUpgradeRun.Ns, "ks-controller-manager");
        return d?["status"]?["readyReplicas"] is JsonValue v && v.TryGetValue<long>(out var n) && n > 0;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_loop is not null)
        {
            try { await _loop; } catch (OperationCanceledException) { }
        }
        _stop.Dispose();
    }
}
