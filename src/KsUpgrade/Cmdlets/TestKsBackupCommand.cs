using System.Management.Automation;
using KsUpgrade.Engine.Backup;
using KsUpgrade.Hosting;
using KsUpgrade.Validation;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Checks backup folders against their manifest.json (files present, SHA-256, object counts, owner-only Secret files,
/// nothing extra). Reads only the disk. Takes the Path of Backup-KsCluster's result or an upgrade result's BackupPath
/// from the pipeline.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "KsBackup")]
[OutputType(typeof(KsBackupCheck), typeof(bool))]
public sealed class TestKsBackupCommand : KsCmdletBase
{
    /// <summary>The backup folders.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("BackupPath")]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string[]? Path { get; set; }

    /// <summary>Return only $true (intact) or $false for each folder.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var path in Path!)
        {
            try
            {
                var check = BackupVerifier.Verify(GetUnresolvedProviderPathFromPSPath(path));
                foreach (var problem in check.Problems) WriteVerbose($"{check.Path}: {problem}");
                WriteObject(Quiet ? check.Intact : check);
            }
            catch (KsUpgradeException e)
            {
                WriteError(e);
            }
        }
    }
}
