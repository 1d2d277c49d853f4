using System.Management.Automation;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Forgets connections of this session: the default (no parameter), the clusters given, or all of them. Cluster cmdlets
/// given no connection parameter then use the kubeconfig's current context again. Changes nothing in any cluster.
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "KsCluster", DefaultParameterSetName = DefaultSet)]
[OutputType(typeof(void))]
public sealed class DisconnectKsClusterCommand : KsCmdletBase
{
    private const string DefaultSet = "Default";
    private const string ClusterSet = "Cluster";
    private const string AllSet = "All";

    /// <summary>The connections to forget (from Connect-KsCluster or Get-KsCluster -All).</summary>
    [Parameter(ParameterSetName = ClusterSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public KsCluster[]? Cluster { get; set; }

    /// <summary>Forget every connection of this session.</summary>
    [Parameter(ParameterSetName = AllSet, Mandatory = true)]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord()
    {
        var session = SessionConnections.Current;
        if (session is null) return;
        var targets = ParameterSetName switch
        {
            ClusterSet => Cluster!.ToList(),
            AllSet => session.All.ToList(),
            _ => session.Default is { } d ? new List<KsCluster> { d } : new List<KsCluster>(),
        };
        foreach (var cluster in targets)
        {
            var forgotten = session.Disconnect(cluster);
            if (forgotten is null)
            {
                WriteVerbose($"'{cluster.Context}' is not a connection of this session.");
                continue;
            }
            forgotten.Connection = null; // its client is dropped; the object reconnects if it is used again
            WriteVerbose($"Disconnected from context '{forgotten.Context}'.");
        }
    }
}
