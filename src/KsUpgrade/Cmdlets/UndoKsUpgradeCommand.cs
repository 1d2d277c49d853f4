using System.Management.Automation;
using KsUpgrade.Engine.Undo;
using KsUpgrade.Hosting;
using KsUpgrade.Validation;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Takes a cluster the upgrade changed (finished, or stopped at any step) back to KubeSphere 3.4 from the journal and
/// the upgrade's backup: helm rollback of ks-core to its recorded revision, the 3.4 CRDs and the backed-up objects, the
/// webhook configurations; what the upgrade created is removed. -WhatIf prints the plan. Journaled and resumable.
/// </summary>
[Cmdlet(VerbsCommon.Undo, "KsUpgrade", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = KubeconfigSet)]
[OutputType(typeof(KsUndoResult))]
public sealed class UndoKsUpgradeCommand : KsClusterCmdletBase
{
    /// <summary>The backup to restore from (default: the one the upgrade journal names).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? BackupPath { get; set; }

    /// <summary>The helm executable (default: $env:KSUPGRADE_HELM, then PATH).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? HelmPath { get; set; }

    /// <summary>How long helm rollback may take (default 10m).</summary>
    [Parameter]
    [DurationTransformation]
    [ValidateDuration("1m", "24h")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    protected override void ProcessRecord()
    {
        var cluster = ResolveCluster();
        WriteTarget(cluster);
        var options = new UndoOptions
        {
            BackupPath = BackupPath is null ? null : GetUnresolvedProviderPathFromPSPath(BackupPath),
            HelmPath = HelmPath is null ? null : GetUnresolvedProviderPathFromPSPath(HelmPath),
            HelmTimeout = Timeout,
        };
        try
        {
            // The engine writes the KsUndoResult to the output itself (also when a step fails).
            RunEngine((log, ct) => ClusterUndo.For(cluster, options, log).RunAsync(ct));
        }
        catch (KsUpgradeException e)
        {
            WriteError(e);
        }
    }
}
