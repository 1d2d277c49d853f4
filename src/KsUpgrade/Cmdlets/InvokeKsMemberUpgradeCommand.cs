using System.Management.Automation;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Upgrades a KubeSphere 3.4 member cluster to 4.1.3 (the same steps as the host, with the member role). -HostCluster is
/// required (unless -SkipHostCheck): it refuses to run until the host is on v4, and afterwards removes the member's
/// Schedulable taint there.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "KsMemberUpgrade", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = KubeconfigSet)]
[OutputType(typeof(KsUpgradeResult))]
public sealed class InvokeKsMemberUpgradeCommand : KsUpgradeCmdletBase
{
    /// <summary>The host cluster (already upgraded): checked first, and its taint on this member removed afterwards.</summary>
    [Parameter]
    [ValidateNotNull]
    public KsCluster? HostCluster { get; set; }

    /// <summary>This member's name in the host's cluster list (default: its context name).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 253)]
    public string? MemberName { get; set; }

    /// <summary>Upgrade without -HostCluster: the host's version is not checked and the taint is left for Remove-KsMemberTaint.</summary>
    [Parameter]
    public SwitchParameter SkipHostCheck { get; set; }

    protected override KsClusterRole Role => KsClusterRole.Member;

    private KsCluster? _host;

    protected override KsCluster? HostForMember => _host ??= Live(HostCluster);

    protected override string? MemberNameOnHost => MemberName;

    protected override bool SkipHostCheckRequested => SkipHostCheck;
}
