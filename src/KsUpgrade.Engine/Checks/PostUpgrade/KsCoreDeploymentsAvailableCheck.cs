namespace KsUpgrade.Engine.Checks.PostUpgrade;

/// <summary>
/// The KubeSphere 4 core Deployments in kubesphere-system are available: ks-apiserver, ks-console, ks-controller-manager
/// on a host (or single cluster); ks-agent on a member (the 4.1 chart renders the three for hosts only).
/// </summary>
public sealed class KsCoreDeploymentsAvailableCheck : ClusterCheck
{
    public static readonly string[] HostDeployments = { "ks-apiserver", "ks-console", "ks-controller-manager" };
    public static readonly string[] MemberDeployments = { "ks-agent" };

    public override string Id => "KsCoreDeploymentsAvailable";
    public override string Title => "KubeSphere core deployments are available";
    public override KsCheckPhase[] Phases => PostUpgradeOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var deployments = await ctx.KubeSphereSystemDeployments.ConfigureAwait(false);
        if (!deployments.IsOk)
            return CannotRead(deployments, KsCheckStatus.Warning);
        var role = await ctx.Role.ConfigureAwait(false);
        var wanted = role == KsClusterRole.Member ? MemberDeployments : HostDeployments;
        var byName = deployments.Value.ToDictionary(d => d.Name, StringComparer.Ordinal);
        var missing = wanted.Where(w => !byName.ContainsKey(w)).ToList();
        var unavailable = wanted.Where(byName.ContainsKey).Select(w => byName[w]).Where(d => !d.IsAvailable).ToList();
        if (missing.Count == 0 && unavailable.Count == 0)
            return Passed($"Available in kubesphere-system: {string.Join(", ", wanted)}.");
        var parts = new List<string>();
        if (missing.Count > 0)
            parts.Add($"missing: {string.Join(", ", missing)}");
        if (unavailable.Count > 0)
            parts.Add("not available: " + string.Join(", ", unavailable.Select(d => $"{d.Name} ({d.AvailableReplicas}/{d.Replicas})")));
        return Failed($"KubeSphere core deployments ({role}) {string.Join("; ", parts)}.",
            "Check kubectl -n kubesphere-system describe deployment and the pods' events and logs.",
            unavailable.Cast<object>().Concat(missing).ToArray());
    }
}
