using System.Text.Json.Nodes;
using System.Threading.Channels;
using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Controllers;

/// <summary>
/// The simulated controllers of one cluster, on one loop: it reacts to store events (and timers), and reconciles
/// deployments, replica sets, stateful sets, daemon sets, jobs, pods, PVCs and terminating namespaces.
/// </summary>
internal sealed partial class ControllerManager : IAsyncDisposable
{
    private readonly SimulatedCluster _c;
    private readonly SandboxHost _host;
    private readonly CancellationTokenSource _stop = new();
    private Channel<StoreEvent>? _events;
    private Task? _loop;
    private readonly PriorityQueue<Action, DateTime> _timers = new();
    private readonly HashSet<(string Kind, string Ns, string Name)> _dirty = new();

    public ControllerManager(SimulatedCluster cluster, SandboxHost host)
    {
        _c = cluster;
        _host = host;
    }

    private ResourceType T(string group, string plural) => _c.Registry.FindGroupResource(group, plural)!;

    public void Start()
    {
        lock (_c.Store.Gate)
        {
            _events = _c.Store.Subscribe(null);
            InitialResync();
        }
        After(GatewayTickSeconds, GatewayExtensionTick);
        StartKubelets();
        _loop = Task.Run(RunAsync);
    }

    private const double GatewayTickSeconds = 0.25;

    /// <summary>
    /// The simulated gateway extension controller (KubeSphere/GatewayExtensionController), polled: it reads other
    /// clusters (a member's Cluster object on the host), so it runs outside this cluster's store lock; the views lock
    /// for themselves. Only a member's controller reads another cluster, so no two locks are ever waited for in a cycle.
    /// </summary>
    private void GatewayExtensionTick()
    {
        bool held = Monitor.IsEntered(_c.Store.Gate);
        if (held) Monitor.Exit(_c.Store.Gate);
        try
        {
            var others = _host.Contexts.Where(n => n != _c.ClusterName)
                .Select(n => _host.TryGetCluster(n, out var o) ? o : null).OfType<Simulation.ISandboxClusterView>().ToList();
            KubeSphere.InstallPlanController.Reconcile(_c);
            KubeSphere.RepositoryController.Reconcile(_c, DateTime.UtcNow);
            KubeSphere.GatewayExtensionController.Reconcile(_c, others, _c.Seed.GatewayControllerSeconds, DateTime.UtcNow);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"sandbox gateway extension controller ({_c.ClusterName}): {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            if (held) Monitor.Enter(_c.Store.Gate);
            if (!_stop.IsCancellationRequested) After(GatewayTickSeconds, GatewayExtensionTick);
        }
    }

    /// <summary>At start only what is unfinished is picked up; seeded workloads with a current status stay as seeded.</summary>
    private void InitialResync()
    {
        foreach (var (_, ns) in _c.Store.List("namespaces", null))
            if (ns["metadata"]?["deletionTimestamp"] is not null) _dirty.Add(("Namespace", "", ObjectMeta.Name(ns)));
        foreach (var (_, pvc) in _c.Store.List("persistentvolumeclaims", null))
            if (ObjectMeta.Str(pvc, "status", "phase") is null or "Pending") _dirty.Add(("PVC", ObjectMeta.Namespace(pvc), ObjectMeta.Name(pvc)));
        foreach (var (_, pod) in _c.Store.List("pods", null))
            if (ObjectMeta.Str(pod, "status", "phase") is null or "Pending") _dirty.Add(("Pod", ObjectMeta.Namespace(pod), ObjectMeta.Name(pod)));
        foreach (var (gr, kind) in new[] { ("deployments.apps", "Deployment"), ("statefulsets.apps", "StatefulSet"), ("daemonsets.apps", "DaemonSet"), ("replicasets.apps", "ReplicaSet") })
            foreach (var (_, o) in _c.Store.List(gr, null))
                if (o["status"]?["observedGeneration"] is null || ObjectMeta.Long(o, "status", "observedGeneration") != ObjectMeta.Long(o, "metadata", "generation"))
                    _dirty.Add((kind, ObjectMeta.Namespace(o), ObjectMeta.Name(o)));
        foreach (var (_, job) in _c.Store.List("jobs.batch", null))
            if (!JobFinished(job)) _dirty.Add(("Job", ObjectMeta.Namespace(job), ObjectMeta.Name(job)));
    }

    private void After(double seconds, Action action) => _timers.Enqueue(action, DateTime.UtcNow.AddSeconds(Math.Max(0, seconds)));

    private async Task RunAsync()
    {
        var reader = _events!.Reader;
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                while (reader.TryRead(out var ev)) Guard(() => OnEvent(ev));
                while (_posted.TryDequeue(out var posted)) Guard(posted);
                var now = DateTime.UtcNow;
                while (_timers.TryPeek(out _, out var due) && due <= now)
                {
                    var action = _timers.Dequeue();
                    Guard(action);
                }
                if (_dirty.Count > 0)
                {
                    var batch = _dirty.ToList();
                    _dirty.Clear();
                    foreach (var key in batch) Guard(() => Reconcile(key));
                    continue;
                }
                var wait = _timers.TryPeek(out _, out var next) ? next - DateTime.UtcNow : TimeSpan.FromSeconds(5);
                if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
                if (wait > TimeSpan.FromSeconds(5)) wait = TimeSpan.FromSeconds(5);
                using var waitCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                waitCts.CancelAfter(wait);
                try
                {
                    // Store events, or work posted from another thread (a tool Job's process ended).
                    if (!_posted.IsEmpty) continue;
                    var woken = _wake.WaitAsync(waitCts.Token);
                    await Task.WhenAny(reader.WaitToReadAsync(waitCts.Token).AsTask(), woken);
                    waitCts.Cancel();
                    try { await woken; } catch (OperationCanceledException) { }
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
            }
            catch (OperationCanceledException) { break; }
            catch (ChannelClosedException) { break; }
        }
    }

    /// <summary>Runs controller work under the store lock (controllers read live objects), reporting rather than throwing.</summary>
    private void Guard(Action action)
    {
        try
        {
            lock (_c.Store.Gate) action();
        }
        catch (ApiException e) when (e.Code is 409 or 404)
        {
            // A concurrent writer won; the resulting event brings us back.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"sandbox controller ({_c.ClusterName}): {e.GetType().Name}: {e.Message}");
        }
    }

    private void OnEvent(StoreEvent ev)
    {
        if (ev.GroupResource is not ("deployments.apps" or "replicasets.apps" or "statefulsets.apps" or "daemonsets.apps"
            or "jobs.batch" or "pods" or "persistentvolumeclaims" or "storageclasses.storage.k8s.io" or "namespaces" or "nodes"))
            return;
        var o = ev.ParseObject();
        switch (ev.GroupResource)
        {
            case "deployments.apps": _dirty.Add(("Deployment", ev.Namespace, ev.Name)); break;
            case "replicasets.apps":
                _dirty.Add(("ReplicaSet", ev.Namespace, ev.Name));
                MarkOwner(o);
                break;
            case "statefulsets.apps": _dirty.Add(("StatefulSet", ev.Namespace, ev.Name)); break;
            case "daemonsets.apps": _dirty.Add(("DaemonSet", ev.Namespace, ev.Name)); break;
            case "jobs.batch": if (ev.Type != "DELETED") _dirty.Add(("Job", ev.Namespace, ev.Name)); break;
            case "pods":
                if (ev.Type == "ADDED") _dirty.Add(("Pod", ev.Namespace, ev.Name));
                if (ev.Type == "DELETED")
                {
                    KillToolRun(ObjectMeta.Uid(o), "sandbox: killed: the pod was deleted");
                    RecordContainerKills(o);
                }
                MarkOwner(o);
                break;
            case "persistentvolumeclaims":
                if (ev.Type == "DELETED" && ObjectMeta.Str(o, "spec", "volumeName") is { Length: > 0 } pv)
                    _dirty.Add(("PVGone", "", pv));
                if (ev.Type != "DELETED" && ObjectMeta.Str(o, "status", "phase") is null or "Pending")
                    _dirty.Add(("PVC", ev.Namespace, ev.Name));
                break;
            case "storageclasses.storage.k8s.io":
                if (ev.Type != "DELETED")
                    foreach (var (_, pvc) in _c.Store.List("persistentvolumeclaims", null))
                        if (ObjectMeta.Str(pvc, "status", "phase") is null or "Pending") _dirty.Add(("PVC", ObjectMeta.Namespace(pvc), ObjectMeta.Name(pvc)));
                break;
            case "namespaces":
                if (ev.Type == "MODIFIED" && o["metadata"]?["deletionTimestamp"] is not null) _dirty.Add(("Namespace", "", ev.Name));
                break;
            case "nodes":
                if (ev.Type is "ADDED" or "DELETED")
                    foreach (var (_, ds) in _c.Store.List("daemonsets.apps", null)) _dirty.Add(("DaemonSet", ObjectMeta.Namespace(ds), ObjectMeta.Name(ds)));
                break;
        }
    }

    private void MarkOwner(JsonObject o)
    {
        if (o["metadata"]?["ownerReferences"] is not JsonArray refs) return;
        foreach (var r in refs)
        {
            if (r?["controller"]?.GetValue<bool>() != true) continue;
            var kind = ObjectMeta.Str(r, "kind");
            if (kind is "ReplicaSet" or "Deployment" or "StatefulSet" or "DaemonSet" or "Job")
                _dirty.Add((kind, ObjectMeta.Namespace(o), ObjectMeta.Str(r, "name") ?? ""));
        }
    }

    private void Reconcile((string Kind, string Ns, string Name) key)
    {
        switch (key.Kind)
        {
            case "Deployment": ReconcileDeployment(key.Ns, key.Name); break;
            case "ReplicaSet": ReconcileReplicaSet(key.Ns, key.Name); break;
            case "StatefulSet": ReconcileStatefulSet(key.Ns, key.Name); break;
            case "DaemonSet": ReconcileDaemonSet(key.Ns, key.Name); break;
            case "Job": ReconcileJob(key.Ns, key.Name); break;
            case "Pod": SchedulePod(key.Ns, key.Name); break;
            case "PVC": BindClaim(key.Ns, key.Name); break;
            case "PVGone": ReleaseVolume(key.Name); break;
            case "Namespace":
                if (!_c.ProgressNamespaceDeletion(key.Name))
                    After(0.2, () => _dirty.Add(("Namespace", "", key.Name)));
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_events is not null) _c.Store.Unsubscribe(_events);
        if (_loop is not null)
        {
            try { await _loop; } catch (OperationCanceledException) { }
        }
        KillAllToolRuns();
        _stop.Dispose();
        _wake.Dispose();
    }
}
