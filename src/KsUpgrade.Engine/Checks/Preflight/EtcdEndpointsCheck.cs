namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>cc spec.etcd.endpointIps is set, or endpoints kube-system/etcd can fill it (the upgrade fills it from there).</summary>
public sealed class EtcdEndpointsCheck : ClusterCheck
{
    public override string Id => "EtcdEndpoints";
    public override string Title => "etcd endpoints are known";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var cc = await ctx.ClusterConfiguration.ConfigureAwait(false);
        if (!cc.IsOk || cc.Value is null)
            return Skipped("No ClusterConfiguration to read spec.etcd.endpointIps from (see ClusterConfiguration).");
        var ips = cc.Value.EtcdEndpointIps?.Trim();
        if (!string.IsNullOrEmpty(ips) && ips != "localhost")
            return Passed($"cc spec.etcd.endpointIps = {ips}.");
        var endpoints = await ctx.EtcdEndpoints.ConfigureAwait(false);
        if (!endpoints.IsOk)
            return CannotRead(endpoints, KsCheckStatus.Warning);
        if (endpoints.Value is { Addresses.Count: > 0 } ep)
            return Passed($"cc spec.etcd.endpointIps is '{ips ?? ""}'; the upgrade will set it to {string.Join(",", ep.Addresses)} from endpoints kube-system/etcd.");
        return Failed($"cc spec.etcd.endpointIps is '{ips ?? ""}' and endpoints kube-system/etcd {(endpoints.Value is null ? "does not exist" : "has no addresses")}.",
            "Set spec.etcd.endpointIps of cc ks-installer to your etcd member IPs (comma-separated), e.g. kubectl -n kubesphere-system edit cc ks-installer.");
    }
}
