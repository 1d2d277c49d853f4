namespace KsUpgrade.Engine.Checks.PostUpgrade;

/// <summary>
/// On a host: members still tainted (their Schedulable condition, which the host upgrade sets, is present) get no extension
/// agents; each needs Remove-KsMemberTaint once it is upgraded.
/// </summary>
public sealed class MembersSchedulableCheck : ClusterCheck
{
    public override string Id => "MembersSchedulable";
    public override string Title => "Member clusters are schedulable";
    public override KsCheckPhase[] Phases => PostUpgradeOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var role = await ctx.Role.ConfigureAwait(false);
        if (role is not (KsClusterRole.Host or KsClusterRole.None))
            return Skipped($"Not a host cluster (role {role}).");
        var clusters = await ctx.KubeSphereClusters.ConfigureAwait(false);
        if (!clusters.IsOk)
            return CannotRead(clusters, KsCheckStatus.Skipped); // no clusters kind: nothing to check
        var members = clusters.Value.Where(c => !c.IsHost).ToList();
        if (members.Count == 0)
            return Passed("The host has no member clusters.");
        var tainted = members.Where(m => m.Tainted).ToList();
        if (tainted.Count == 0)
            return Passed($"None of the {members.Count} member clusters is tainted (no Schedulable condition).");
        return Warning($"{tainted.Count} member clusters are still tainted (their Schedulable condition is present, so extension agents are not scheduled there): {NameList(tainted.Select(m => m.Name))}.",
            $"Upgrade each member (Invoke-KsMemberUpgrade), then on the host: Remove-KsMemberTaint -Name {string.Join(",", tainted.Select(t => t.Name))}.",
            tainted.Cast<object>().ToArray());
    }
}
