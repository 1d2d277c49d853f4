using System.Globalization;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Controllers;

/// <summary>
/// What each node's kubelet keeps writing while the cluster runs: its Lease in kube-node-lease renewed every
/// <see cref="Seeds.SeedCluster.NodeLeaseRenewSeconds"/> (10 s: a quarter of the 40 s lease, as the kubelet's
/// renew interval), and its status reported every <see cref="Seeds.SeedCluster.NodeStatusReportSeconds"/> (the
/// kubelet's nodeStatusReportFrequency, 5 minutes), which moves every condition's lastHeartbeatTime and keeps its
/// lastTransitionTime. The first renewal and report come one period after the sandbox starts, so a seed loads the
/// same state every time. And the API server's event TTL: events not seen for an hour are deleted.
/// </summary>
internal sealed partial class ControllerManager
{
    private static readonly TimeSpan EventTtl = TimeSpan.FromHours(1);

    private void StartKubelets()
    {
        if (_c.Seed.NodeLeaseRenewSeconds > 0) After(_c.Seed.NodeLeaseRenewSeconds, RenewNodeLeases);
        if (_c.Seed.NodeStatusReportSeconds > 0) After(_c.Seed.NodeStatusReportSeconds, ReportNodeStatus);
    }

    private void RenewNodeLeases()
    {
        try
        {
            var leases = T("coordination.k8s.io", "leases");
            var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);
            foreach (var (_, node) in _c.Store.List("nodes", null).ToList())
            {
                var name = ObjectMeta.Name(node);
                if (_c.Read(leases, "kube-node-lease", name) is { } lease)
                {
                    // a heartbeat only when renewTime is all it changes (not when it fills in the holder or duration)
                    var heartbeat = lease["spec"] is JsonObject spec && spec["holderIdentity"] is not null && spec["leaseDurationSeconds"] is not null;
                    lease["spec"] ??= new JsonObject();
                    lease["spec"]!["renewTime"] = now;
                    lease["spec"]!["holderIdentity"] ??= name;
                    lease["spec"]!["leaseDurationSeconds"] ??= 40;
                    using (new ObjectStore.HeartbeatScope(heartbeat))
                        _c.Update(leases, "kube-node-lease", name, lease, false, false);
                }
                else if (_c.Store.Get("namespaces", "", "kube-node-lease") is not null)
                    _c.Create(leases, "kube-node-lease", new JsonObject
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
                        ["spec"] = new JsonObject { ["holderIdentity"] = name, ["leaseDurationSeconds"] = 40, ["renewTime"] = now },
                    }, false);
            }
            ExpireEvents();
        }
        finally
        {
            if (!_stop.IsCancellationRequested) After(_c.Seed.NodeLeaseRenewSeconds, RenewNodeLeases);
        }
    }

    private void ReportNodeStatus()
    {
        try
        {
            var nodes = T("", "nodes");
            var now = ObjectMeta.Now();
            foreach (var (_, stored) in _c.Store.List("nodes", null).ToList())
            {
                if (stored["status"]?["conditions"] is not JsonArray { Count: > 0 }) continue;
                var node = _c.Present(nodes, stored);
                foreach (var c in ((JsonArray)node["status"]!["conditions"]!).OfType<JsonObject>()) c["lastHeartbeatTime"] = now;
                using (ObjectStore.Heartbeat())
                    _c.Update(nodes, null, ObjectMeta.Name(node), node, statusOnly: true, dryRun: false);
            }
        }
        finally
        {
            if (!_stop.IsCancellationRequested) After(_c.Seed.NodeStatusReportSeconds, ReportNodeStatus);
        }
    }

    private void ExpireEvents()
    {
        var cutoff = DateTime.UtcNow - EventTtl;
        foreach (var (_, ev) in _c.Store.List("events", null).ToList())
        {
            var seen = ObjectMeta.Str(ev, "lastTimestamp") ?? ObjectMeta.Str(ev, "eventTime") ?? ObjectMeta.Str(ev, "metadata", "creationTimestamp");
            if (seen is null || !DateTime.TryParse(seen, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) || t >= cutoff)
                continue;
            try { _c.DeleteObject(Events, ObjectMeta.Namespace(ev), ObjectMeta.Name(ev), new DeleteRequest()); }
            catch (Api.ApiException) { }
        }
    }
}
