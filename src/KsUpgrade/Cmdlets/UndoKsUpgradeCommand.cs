using System.Management.Automation;
using KsUpgrade.Engine.Undo;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Takes a cluster the upgrade changed (finished, or stopped at any step) back to KubeSphere 3.4 from the journal and
/// the upgrade's backup: helm rollback of ks-core to its recorded revision, the 3.4 CRDs and the backed-up objects, the
/// webhook configurations; what the upgrade created is removed. A member needs -HostCluster: its Schedulable condition
/// is put back there first, so the v4 host schedules no extension agent onto a member going back to 3.4. -ProbeImages
/// pulls the backup's 3.4 images first and refuses when one cannot be pulled. -WhatIf prints the plan. Journaled and resumable.
/// </summary>
[Cmdlet(VerbsCommon.Undo, "KsUpgrade", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = KubeconfigSet)]
[OutputType(typeof(KsUndoResult))]
public sealed class UndoKsUpgradeCommand : KsHelmReleaseCmdletBase
{
    /// <summary>-Timeout: how long helm rollback --wait may take (default 10m).</summary>
    public UndoKsUpgradeCommand() : base(UndoOptions.DefaultHelmTimeout) { }

    /// <summary>The cluster to undo: Undo-KsUpgrade [-Cluster] &lt;KsCluster&gt;, or piped.</summary>
    [Parameter(ParameterSetName = ClusterSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public override KsCluster? Cluster { get => base.Cluster; set => base.Cluster = value; }

    /// <summary>The backup to restore from (default: the one the upgrade journal names).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [KsUpgrade.Validation.ValidatePath]
    public string? BackupPath { get; set; }

    /// <summary>For a member: the host, where the member's Schedulable condition is put back before anything else.</summary>
    [Parameter]
    [ValidateNotNull]
    public KsCluster? HostCluster { get; set; }

    /// <summary>For a member: its name in the host's cluster list (default: its context name).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 253)]
    public string? MemberName { get; set; }

    /// <summary>Pull the 3.4 images the backup's workloads run with a short-lived Job first; refuse (KsUpgrade.UndoImagesNotPullable) if one cannot be pulled.</summary>
    [Parameter]
    public SwitchParameter ProbeImages { get; set; }

    protected override void ProcessRecord()
    {
        var cluster = ResolveCluster();
        WriteTarget(cluster);
        var host = Live(HostCluster);
        if (host is not null) WriteTarget(host, "the host, where the member's Schedulable condition is put back");
        var options = new UndoOptions
        {
            BackupPath = BackupPath is null ? null : GetUnresolvedProviderPathFromPSPath(BackupPath),
            HelmPath = HelmExecutable,
            HelmTimeout = Timeout,
            Host = host,
            MemberName = MemberName,
            ProbeImages = ProbeImages,
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
