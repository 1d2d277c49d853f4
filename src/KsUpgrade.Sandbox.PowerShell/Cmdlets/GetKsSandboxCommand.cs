using System.Management.Automation;

namespace KsUpgrade.Sandbox.PowerShell.Cmdlets;

/// <summary>Lists the sandboxes this session started that are still running, oldest first.</summary>
[Cmdlet(VerbsCommon.Get, "KsSandbox")]
[OutputType(typeof(KsSandbox))]
public sealed class GetKsSandboxCommand : PSCmdlet
{
    /// <summary>Only the sandboxes started from this seed (wildcards allowed).</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SeedCompleter))]
    [SupportsWildcards]
    public string? Seed { get; set; }

    protected override void ProcessRecord()
    {
        var pattern = Seed is null ? null : new WildcardPattern(Seed, WildcardOptions.IgnoreCase);
        foreach (var sandbox in SandboxProcess.List())
        {
            if (pattern is null || pattern.IsMatch(sandbox.Seed)) WriteObject(sandbox);
        }
    }
}
