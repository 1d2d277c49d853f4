using System.Management.Automation;

namespace KsUpgrade.Sandbox.PowerShell.Cmdlets;

/// <summary>Stops a sandbox started in this session, or all of them with -All.</summary>
[Cmdlet(VerbsLifecycle.Stop, "KsSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = SandboxSet)]
[OutputType(typeof(void))]
public sealed class StopKsSandboxCommand : PSCmdlet
{
    private const string SandboxSet = "Sandbox";
    private const string AllSet = "All";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = SandboxSet)]
    [ValidateNotNull]
    public KsSandbox? Sandbox { get; set; }

    /// <summary>Stops every sandbox this session started (what Get-KsSandbox lists).</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord()
    {
        var targets = All ? SandboxProcess.List() : new[] { Sandbox! };
        foreach (var sandbox in targets)
        {
            if (!ShouldProcess(sandbox.ToString(), "Stop")) continue;
            if (!SandboxProcess.Stop(sandbox.ProcessId))
                WriteVerbose($"Sandbox {sandbox.ProcessId} was not running (or was not started in this session).");
            else
                WriteVerbose($"Stopped {sandbox}.");
        }
    }
}
