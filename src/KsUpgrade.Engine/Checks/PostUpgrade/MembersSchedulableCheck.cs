namespace KsUpgrade.Engine.Checks.PostUpgrade;

/// <summary>On a host: members still carrying `Schedulable=False` (the upgrade's taint) need Remove-KsMemberTaint once upgraded.</summary>
public sealed class MembersSchedulableCheck : MemberClustersCheck
{
    public override string Id => "MembersSchedulable";
    public override string Title => "Member clusters are schedulable";
    public override KsCheckPhase[] Phases => PostUpgradeOnly;

    /// <summary>After the upgrade a host may show no role (None): its clusters list still says whether it has members.</summary>
    protected override bool AppliesTo(KsClusterRole role) => role is KsClusterRole.Host or KsClusterRole.None;

    protected override KsCheckResult Judge(IReadOnlyList<KsClusterInfo> members)
    {
        var tainted = members.Where(m => !m.Schedulable).ToList();
        if (tainted.Count == 0)
            return Passed($"All {members.Count} member clusters are schedulable.");
        return Warning($"{tainted.Count} member clusters still have Schedulable=False (extension agents are not installed there): {NameList(tainted.Select(m => m.Name))}.",
            $"Upgrade each member (Invoke-KsMemberUpgrade), then on the host: Remove-KsMemberTaint -Name {string.Join(",", tainted.Select(t => t.Name))}.",
            tainted.Cast<object>().ToArray());
    }
}
