using System.Management.Automation;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// The session's connection: the last Connect-KsCluster in this runspace, which the cluster cmdlets use when given no
/// -Cluster and no connection parameter; with -All, every connection made in this session and not disconnected.
/// </summary>
[Cmdlet(VerbsCommon.Get, "KsCluster")]
[OutputType(typeof(KsCluster))]
public sealed class GetKsClusterCommand : KsCmdletBase
{
    /// <summary>Every connection made in this session (in the order made), not only the default.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord()
    {
        var session = SessionConnections.Current;
        if (All)
        {
            foreach (var cluster in session?.All ?? Array.Empty<KsCluster>()) WriteObject(cluster);
            return;
        }
        if (session?.Default is { } current) WriteObject(current);
        else WriteVerbose("No session connection: the cluster cmdlets given no connection parameter use the kubeconfig's current context. Connect-KsCluster sets one.");
    }
}
