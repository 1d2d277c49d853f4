using System.Management.Automation;

namespace KsUpgrade.Sandbox.PowerShell.Cmdlets;

/// <summary>Lists the sandboxes this session started that are still running, oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "KsSandbox")]
[OutputType(typeof(KsSandbox))]
public sealed class GetKsSandboxCommand : PSCmdlet
{
    protected override void ProcessRecord()
    {
        foreach (var sandbox in SandboxProcess.List()) WriteObject(sandbox);
    }
}
