using System.Management.Automation;
using KsUpgrade.Completion;
using KsUpgrade.Engine.Members;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Removes the Schedulable condition from an upgraded member's Cluster object on the host, so the v4 extension
/// agents get scheduled onto it. Idempotent; refuses the host cluster itself.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "KsMemberTaint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = KubeconfigSet)]
[OutputType(typeof(KsMemberCluster))]
public sealed class RemoveKsMemberTaintCommand : KsClusterCmdletBase
{
    public const string MemberSet = "Member";

    /// <summary>The member cluster names (bound by property name from the pipeline, e.g. from Invoke-KsMemberUpgrade).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = KubeconfigSet)]
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = KubeconfigContentSet)]
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = InClusterSet)]
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = TokenSet)]
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ClusterSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MemberNameCompleter))]
    [ValidateLength(1, 253)]
    public string[]? Name { get; set; }

    /// <summary>Every member that still carries the taint.</summary>
    [Parameter(ParameterSetName = KubeconfigSet)]
    [Parameter(ParameterSetName = KubeconfigContentSet)]
    [Parameter(ParameterSetName = InClusterSet)]
    [Parameter(ParameterSetName = TokenSet)]
    [Parameter(ParameterSetName = ClusterSet)]
    public SwitchParameter All { get; set; }

    /// <summary>A member from Get-KsMemberCluster: it carries the host connection it was read through.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = MemberSet)]
    [ValidateNotNull]
    public KsMemberCluster? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            if (ParameterSetName == MemberSet)
            {
                Emit(RunEngine((log, ct) => MemberClusters.RemoveTaintAsync(InputObject!, log, ct)));
                return;
            }
            if (!All && (Name is null || Name.Length == 0))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -Name (one or more member clusters) or -All."),
                    "KsUpgrade.MemberNameRequired", ErrorCategory.InvalidArgument, null));
            }
            var host = ResolveCluster();
            var names = All
                ? RunEngine((log, ct) => MemberClusters.ListAsync(host, null, log, ct)).Where(m => m.Role == KsClusterRole.Member).Select(m => m.Name).ToArray()
                : Name!;
            foreach (var name in names)
            {
                try
                {
                    Emit(RunEngine((log, ct) => MemberClusters.RemoveTaintAsync(host, name, log, ct)));
                }
                catch (KsUpgradeException e)
                {
                    Report(e);
                }
            }
        }
        catch (KsUpgradeException e)
        {
            Report(e);
        }
    }

    private void Emit(KsMemberCluster? member)
    {
        if (member is not null) WriteObject(member);
    }
}
