namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>Reports the cluster role from cc spec.multicluster.clusterRole (host, member or none).</summary>
public sealed class ClusterRoleCheck : ClusterCheck
{
    public override string Id => "ClusterRole";
    public override string Title => "Cluster role (host, member or none)";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var cc = await ctx.ClusterConfiguration.ConfigureAwait(false);
        if (!cc.IsOk || cc.Value is null)
            return Skipped("No ClusterConfiguration to read the role from (see ClusterConfiguration).");
        var raw = cc.Value.ClusterRole;
        var role = cc.Value.Role;
        if (role == KsClusterRole.Unknown)
            return Warning($"cc ks-installer spec.multicluster.clusterRole is '{raw ?? "missing"}', not host, member or none.",
                "Set spec.multicluster.clusterRole of cc ks-installer to host, member or none to match how the cluster is used.", raw ?? "");
        var what = role switch
        {
            KsClusterRole.Host => "host: upgrade it with Invoke-KsHostUpgrade, before its members",
            KsClusterRole.Member => "member: upgrade it with Invoke-KsMemberUpgrade after its host is on v4",
            _ => "none (single cluster): upgrade it with Invoke-KsHostUpgrade",
        };
        return Passed($"Cluster role {what}.", role);
    }
}
