using System.Management.Automation;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Connects to a cluster and returns a KsCluster: context, server, Kubernetes and KubeSphere versions and role.
/// Pipe it into any other KsUpgrade cmdlet.
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
        WriteVerbose($"Connected to context '{cluster.Context}' ({cluster.Server}): Kubernetes {cluster.KubernetesVersion}, KubeSphere {cluster.KubeSphereVersion ?? "not found"}, role {cluster.Role}.");
        WriteObject(cluster);
    }
}
