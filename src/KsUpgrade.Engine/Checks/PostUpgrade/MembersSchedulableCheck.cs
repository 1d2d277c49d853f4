namespace KsUpgrade.Engine.Checks.PostUpgrade;

/// <summary>
/// On a host: members still tainted (their Schedulable condition, which the host upgrade sets, is present) get no extension
/// agents; each needs Remove-KsMemberTaint once it is upgraded.
/// </summary>
public sealed class MembersSchedulableCheck : MemberClustersCheck
{
    public override string Id => "MembersSchedulable";
    public override string Title => "Member clusters are schedulable";
    public override KsCheckPhase[] Phases => PostUpgradeOnly;

    /// <summary>After the upgrade a host may show no role (None): its clusters list still says whether it has members.</summary>
    protected override bool AppliesTo(KsClusterRole role) => role is KsClusterRole.Host or KsClusterRole.None;

    protected override KsCheckResult Judge(IReadOnlyList<KsClusterInfo> members)
    {
        var tainted = members.Where(m => m.Tainted).ToList();
        if (tainted.Count == 0)
            return Passed($"None of the {members.Count} member clusters is tainted (no Schedulable condition).");
        return Warning($"{tainted.Count} member clusters are still tainted (their Schedulable condition is present, so extension agents are not scheduled there): {NameList(tainted.Select(m => m.Name))}.",
            $"Upgrade each member (Invoke-KsMemberUpgrade), then on the host: Remove-KsMemberTaint -Name {string.Join(",", tainted.Select(t => t.Name))}.",
            tainted.Cast<object>().ToArray());
    }
}
