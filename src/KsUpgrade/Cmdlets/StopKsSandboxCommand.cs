using System.Management.Automation;
using KsUpgrade.Engine.Sandbox;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>Stops a sandbox started in this session.</summary>
[Cmdlet(VerbsLifecycle.Stop, "KsSandbox", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class StopKsSandboxCommand : KsCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public KsSandbox? Sandbox { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess(Sandbox!.ToString(), "Stop")) return;
        if (!SandboxProcess.Stop(Sandbox.ProcessId))
            WriteVerbose($"Sandbox {Sandbox.ProcessId} was not running (or was not started in this session).");
    }
}
