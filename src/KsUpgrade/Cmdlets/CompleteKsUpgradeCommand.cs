using System.Management.Automation;
using KsUpgrade.Engine.Undo;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Declares a finished upgrade final: ends its journal, after which Undo-KsUpgrade refuses (KsUpgrade.UpgradeCompleted).
/// Refuses an upgrade that has not finished (KsUpgrade.UpgradeNotFinished).
/// </summary>
[Cmdlet(VerbsLifecycle.Complete, "KsUpgrade", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = KubeconfigSet)]
[OutputType(typeof(KsUpgradeCompletion))]
public sealed class CompleteKsUpgradeCommand : KsClusterCmdletBase
{
    /// <summary>The cluster whose upgrade is declared final: Complete-KsUpgrade [-Cluster] &lt;KsCluster&gt;, or piped.</summary>
    [Parameter(ParameterSetName = ClusterSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public override KsCluster? Cluster { get => base.Cluster; set => base.Cluster = value; }

    protected override void ProcessRecord()
    {
        var cluster = ResolveCluster();
        WriteTarget(cluster);
        try
        {
            RunEngine((log, ct) => UpgradeCompletion.CheckAsync(cluster, log, ct));
            if (!ShouldProcess(cluster.Context, "Declare the upgrade final (Undo-KsUpgrade will refuse from now on)")) return;
            WriteObject(RunEngine((log, ct) => UpgradeCompletion.CompleteAsync(cluster, log, ct)));
        }
        catch (KsUpgradeException e)
        {
            WriteError(e);
        }
    }
}
