using System.Management.Automation;
using KsUpgrade.Validation;
using KsUpgrade.Engine.Backup;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Backs up what upgrade.sh backs up (system namespaces' workloads and config, the ClusterConfiguration, IAM and tenant
/// objects) as YAML files plus manifest.json with counts and SHA-256. Read-only for the cluster.
/// </summary>
[Cmdlet(VerbsData.Backup, "KsCluster", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = KubeconfigSet)]
[OutputType(typeof(KsBackupResult))]
public sealed class BackupKsClusterCommand : KsClusterCmdletBase
{
    /// <summary>The folder to create (or an empty one); never an existing non-empty folder.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? Path { get; set; }

    /// <summary>Leave out the data of Secrets (their names and metadata are kept).</summary>
    [Parameter]
    public SwitchParameter ExcludeSecretData { get; set; }

    protected override void ProcessRecord()
    {
        var cluster = ResolveCluster();
        var path = GetUnresolvedProviderPathFromPSPath(Path!);
        if (!ShouldProcess(path, $"Back up cluster {cluster.Context}")) return;
        try
        {
            var options = new BackupOptions(path) { ExcludeSecretData = ExcludeSecretData, KubeSphereVersion = cluster.KubeSphereVersion };
            var result = RunEngine((log, ct) => ClusterBackup.RunAsync(cluster, options, log, ct));
            WriteObject(result);
        }
        catch (KsUpgradeException e)
        {
            WriteError(e);
        }
    }
}
