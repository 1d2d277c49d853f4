using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

using KsUpgrade.Engine.Journal;

namespace KsUpgrade.Engine.Upgrade.Steps;

/// <summary>Step 4: fill cc spec.etcd.endpointIps from endpoints kube-system/etcd when empty or localhost (JSON patch).</summary>
internal sealed class EtcdEndpointsStep : IUpgradeStep
{
    public UpgradeStepId Id => UpgradeStepId.EtcdEndpoints;
    public bool Mutating => true;

    private sealed record Patch(string Body, string Ips);

    public async Task<StepPlan> PlanAsync(UpgradeContext c, CancellationToken ct)
    {
        const string target = "ClusterConfiguration kubesphere-system/ks-installer";
        var cc = await c.Api.GetAsync(ResourceKind.ClusterConfigurations, KsNames.KubeSphereSystem, KsNames.InstallerCcName, ct).ConfigureAwait(false);
        if (cc is null) return StepPlan.Nothing(target, "no ks-installer ClusterConfiguration");
        var current = cc.Str("spec", "etcd", "endpointIps");
        if (!string.IsNullOrWhiteSpace(current) && current.Trim() != "localhost")
            return StepPlan.Nothing(target, $"spec.etcd.endpointIps already set ({current})");
        var endpoints = await c.Api.GetAsync(ResourceKind.Endpoints, "kube-system", "etcd", ct).ConfigureAwait(false);
        var ips = (endpoints?["subsets"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
            .SelectMany(s => (s["addresses"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
            .Select(a => a.Str("ip")).Where(ip => !string.IsNullOrEmpty(ip)).Distinct().ToList();
        if (ips.Count == 0)
        {
            c.Log.Warning("Endpoints kube-system/etcd has no addresses: spec.etcd.endpointIps of the ClusterConfiguration is left as it is; etcd monitoring may not find etcd.");
            return StepPlan.Nothing(target, "endpoints kube-system/etcd has no addresses");
        }
        var joined = string.Join(",", ips);
        JsonArray ops;
        if (cc.At("spec", "etcd") is not JsonObject)
            ops = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/spec/etcd", ["value"] = new JsonObject { ["endpointIps"] = joined } });
        else if (current is null)
            ops = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/spec/etcd/endpointIps", ["value"] = joined });
        else
            ops = new JsonArray(
                new JsonObject { ["op"] = "test", ["path"] = "/spec/etcd/endpointIps", ["value"] = current },
                new JsonObject { ["op"] = "replace", ["path"] = "/spec/etcd/endpointIps", ["value"] = joined });
        return new StepPlan(target, new[] { $"Patch {target}: spec.etcd.endpointIps '{current ?? ""}' -> '{joined}'" })
        {
            State = new Patch(ops.ToJsonString(), joined),
        };
    }

    public async Task<string> RunAsync(UpgradeContext c, StepPlan plan, CancellationToken ct)
    {
        var patch = (Patch)plan.State!;
        await c.Api.PatchAsync(ResourceKind.ClusterConfigurations, KsNames.KubeSphereSystem, KsNames.InstallerCcName, KubePatchType.Json, patch.Body, ct).ConfigureAwait(false);
        return $"spec.etcd.endpointIps = {patch.Ips}";
    }
}
