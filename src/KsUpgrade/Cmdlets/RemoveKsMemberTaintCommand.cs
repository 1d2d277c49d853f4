using System.Management.Automation;
using KsUpgrade.Completion;
using KsUpgrade.Engine.Members;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Removes the Schedulable condition from an upgraded member's Cluster object on the host, so the v4 extension
/// agents get scheduled onto it. Idempotent; refuses the host cluster itself, and a member not shown on KubeSphere 4
/// (by its own ks-core release with -MemberCluster, else by the host's view of it) unless -Force.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "KsMemberTaint", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = KubeconfigSet)]
[OutputType(typeof(KsMemberCluster))]
public sealed class RemoveKsMemberTaintCommand : KsClusterCmdletBase
{
    public const string MemberSet = "Member";

    /// <summary>The member cluster names (bound by property name from the pipeline, e.g. from Invoke-KsMemberUpgrade).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TaintableMemberNameCompleter))]
    [ValidateLength(1, 253)]
    public string[]? Name { get; set; }

    /// <summary>Every member that still carries the taint.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    /// <summary>A member from Get-KsMemberCluster: it carries the host connection it was read through.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = MemberSet)]
    [ValidateNotNull]
    public KsMemberCluster? InputObject { get; set; }

    /// <summary>The member's own connection: its ks-core release shows whether it runs KubeSphere 4 (default name: its context).</summary>
    [Parameter]
    [ValidateNotNull]
    public KsCluster? MemberCluster { get; set; }

    /// <summary>Remove the condition even from a member not shown on KubeSphere 4 (with a Warning).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private string? _memberClusterFor;

    protected override void ProcessRecord()
    {
        try
        {
            var options = new TaintRemovalOptions { Member = Live(MemberCluster), Force = Force };
            if (ParameterSetName == MemberSet)
            {
                // -Name and -All are declared for every set; with piped members they would contradict the pipeline
                if (All || Name is { Length: > 0 } && !(Name.Length == 1 && Name[0] == InputObject!.Name))
                    ThrowTerminatingError(new KsUpgradeException(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument,
                        "Members came down the pipeline: they are the members to untaint, so -Name and -All cannot be given too.", InputObject!.Name)
                    { Remedy = "Pipe the members (Get-KsMemberCluster | Remove-KsMemberTaint), or give -Name / -All without piping members." });
                if (MemberCluster is not null && _memberClusterFor is not null && _memberClusterFor != InputObject!.Name)
                {
                    ThrowTerminatingError(new KsUpgradeException(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument,
                        $"-MemberCluster is one member's connection ('{_memberClusterFor}'); '{InputObject.Name}' came down the pipeline too.", InputObject.Name)
                    { Remedy = "Pipe one member per call with -MemberCluster, or leave -MemberCluster out (the host's view of each member is then the evidence)." });
                }
                _memberClusterFor = InputObject!.Name;
                if (InputObject.HostCluster is { } from) WriteTarget(from, "the host");
                Emit(RunEngine((log, ct) => MemberClusters.RemoveTaintAsync(InputObject!, options, log, ct)));
                return;
            }
            var given = Name is { Length: > 0 } ? Name : MemberCluster is not null && !All ? new[] { MemberCluster.Context } : null;
            if (!All && given is null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -Name (one or more member clusters), -MemberCluster or -All."),
                    ErrorIds.MemberNameRequired, ErrorCategory.InvalidArgument, null));
            }
            if (MemberCluster is not null && (All || given!.Length != 1))
            {
                ThrowTerminatingError(new KsUpgradeException(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument,
                    "-MemberCluster is one member's connection: it cannot stand for -All or several names.", MemberCluster.Context)
                { Remedy = "Give -MemberCluster with one -Name (or none: its context name is used), once per member." });
            }
            var host = ResolveCluster();
            WriteTarget(host, "the host");
            var names = All
                ? RunEngine((log, ct) => MemberClusters.ListAsync(host, null, log, ct)).Where(m => m.Role == KsClusterRole.Member).Select(m => m.Name).ToArray()
                : given!;
            foreach (var name in names)
            {
                try
                {
                    Emit(RunEngine((log, ct) => MemberClusters.RemoveTaintAsync(host, name, options, log, ct)));
                }
                catch (KsUpgradeException e)
                {
                    WriteError(e);
                }
            }
        }
        catch (KsUpgradeException e)
        {
            WriteError(e);
        }
    }

    private void Emit(KsMemberCluster? member)
    {
        if (member is not null) WriteObject(member);
    }
}
