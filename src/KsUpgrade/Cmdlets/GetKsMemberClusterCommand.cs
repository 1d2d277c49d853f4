using System.Management.Automation;
using KsUpgrade.Completion;
using KsUpgrade.Engine.Members;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>Lists the clusters a KubeSphere host manages (clusters.cluster.kubesphere.io), with readiness and the Schedulable taint.</summary>
[Cmdlet(VerbsCommon.Get, "KsMemberCluster", DefaultParameterSetName = KubeconfigSet)]
[OutputType(typeof(KsMemberCluster))]
public sealed class GetKsMemberClusterCommand : KsClusterCmdletBase
{
    /// <summary>Cluster names; wildcards allowed.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MemberNameCompleter))]
    [ValidateLength(1, 253)]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var host = ResolveCluster();
        var patterns = Name is { Length: > 0 } ? Name : new string?[] { null };
        foreach (var pattern in patterns)
        {
            try
            {
                foreach (var member in RunEngine((log, ct) => MemberClusters.ListAsync(host, pattern, log, ct)))
                    WriteObject(member);
            }
            catch (KsUpgradeException e)
            {
                WriteError(e);
            }
        }
    }
}
