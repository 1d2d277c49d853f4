namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// On a host: every member in clusters.cluster.kubesphere.io is Ready; a member that is not is Failed. The host
/// upgrade connects to every member (it reads each member's ClusterConfiguration and pushes the extension chart
/// ConfigMaps), so an unreachable member makes it fail or half-succeed (issue 18's MembersReachable: the same check,
/// kept under its Id MembersReady).
/// </summary>
public sealed class MembersReadyCheck : MemberClustersCheck
{
    public override string Id => "MembersReady";
    public override string Title => "Member clusters are Ready";
    public override KsCheckPhase[] Phases => PreflightOnly;

    protected override bool AppliesTo(KsClusterRole role) => role == KsClusterRole.Host;

    protected override KsCheckResult Judge(IReadOnlyList<KsClusterInfo> members)
    {
        var notReady = members.Where(m => !m.Ready).ToList();
        if (notReady.Count == 0)
            return Passed($"All {members.Count} member clusters are Ready: {NameList(members.Select(m => m.Name))}.");
        return Failed($"{notReady.Count} of {members.Count} member clusters are not Ready: {NameList(notReady.Select(m => m.ReadyReason is null ? m.Name : $"{m.Name} ({m.ReadyReason})"))}. The host upgrade connects to every member and would fail or half-succeed.",
            "Restore the connection to those members (agent/tower, kubeconfig), or remove a member that is gone from the host (kubectl delete cluster <name>), then run Test-KsCluster again.",
            notReady.Cast<object>().ToArray());
    }
}
