using System.Management.Automation;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Connects to a cluster and returns a KsCluster: context, server, Kubernetes and KubeSphere versions and role.
/// Pipe it into any other KsUpgrade cmdlet; the last connection made is also this session's default, used by the cluster
/// cmdlets given no -Cluster and no connection parameter (Get-KsCluster shows it, Disconnect-KsCluster forgets it).
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "KsCluster", DefaultParameterSetName = KubeconfigSet)]
[OutputType(typeof(KsCluster))]
public sealed class ConnectKsClusterCommand : KsClusterCmdletBase
{
    protected override void ProcessRecord()
    {
        // A KsCluster given with -Cluster is connected again (fresh versions and role).
        if (ParameterSetName == ClusterSet && Cluster is not null)
            Cluster.Connection = null;
        var cluster = ResolveCluster();
        // the last connection is the session's default: cluster cmdlets given no connection parameter work on it
        SessionConnections.Current?.Connected(cluster);
        WriteVerbose($"Connected to context '{cluster.Context}' ({cluster.Server}): Kubernetes {cluster.KubernetesVersion}, KubeSphere {cluster.KubeSphereVersion ?? "not found"}, role {cluster.Role}.");
        WriteObject(cluster);
    }

    protected override bool UsesSessionConnection => false;
}
