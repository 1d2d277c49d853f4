namespace KsUpgrade.Engine.Members;

/// <summary>ErrorIds of the member-cluster cmdlets (in addition to <see cref="ErrorIds.MemberNotFound"/>). Never rename one.</summary>
public static class MemberErrorIds
{
    /// <summary>Remove-KsMemberTaint was asked to act on the host's own Cluster object.</summary>
    public const string HostClusterRefused = "KsUpgrade.HostClusterRefused";
    /// <summary>The Schedulable condition kept moving: every guarded patch failed its test.</summary>
    public const string TaintConflict = "KsUpgrade.TaintConflict";
    /// <summary>The patch was accepted but the condition is still there afterwards.</summary>
    public const string TaintNotRemoved = "KsUpgrade.TaintNotRemoved";
    /// <summary>Remove-KsMemberTaint on a member that does not run KubeSphere 4 yet (by its own ks-core release, else the host's view); -Force overrides.</summary>
    public const string MemberNotUpgraded = "KsUpgrade.MemberNotUpgraded";
}
