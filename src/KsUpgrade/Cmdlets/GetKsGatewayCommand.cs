using System.Management.Automation;
using KsUpgrade.Completion;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>Lists the KubeSphere gateways (helm releases named kubesphere-router-*, read natively), merged by name.</summary>
[Cmdlet(VerbsCommon.Get, "KsGateway", DefaultParameterSetName = KubeconfigSet)]
[OutputType(typeof(KsGateway))]
public sealed class GetKsGatewayCommand : KsClusterCmdletBase
{
    /// <summary>Gateway names; wildcards allowed.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(GatewayNameCompleter))]
    [ValidateLength(1, 253)]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var cluster = ResolveCluster();
        var patterns = Name is { Length: > 0 } ? Name : new string?[] { null };
        foreach (var pattern in patterns)
        {
            try
            {
                foreach (var gateway in RunEngine((log, ct) => GatewayCatalog.ListAsync(cluster, pattern, log, ct)))
                    WriteObject(gateway);
            }
            catch (KsUpgradeException e)
            {
                WriteError(e);
            }
        }
    }
}
