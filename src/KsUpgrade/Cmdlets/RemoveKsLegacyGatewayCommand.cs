using System.Management.Automation;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// The gateway clean-up of the upgrade guide: once no gateway is left on v3, removes the finalizers of every
/// nginxes.gateway.kubesphere.io object and deletes that CRD. Refuses while v3 gateways remain, unless -Force.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "KsLegacyGateway", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = KubeconfigSet)]
[OutputType(typeof(KsLegacyGatewayCleanupResult))]
public sealed class RemoveKsLegacyGatewayCommand : KsClusterCmdletBase
{
    /// <summary>Clean up even while gateways are still on v3 (their v3 objects stop being reconciled).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var cluster = ResolveCluster();
        WriteTarget(cluster);
        try
        {
            var result = RunEngine((log, ct) => LegacyGatewayCleanup.RemoveAsync(cluster, Force, log, ct));
            if (result is not null) WriteObject(result);
        }
        catch (KsUpgradeException e)
        {
            WriteError(e);
        }
    }
}
