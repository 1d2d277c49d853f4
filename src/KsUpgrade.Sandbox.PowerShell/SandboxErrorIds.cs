namespace KsUpgrade.Sandbox.PowerShell;

/// <summary>
/// The ErrorIds the sandbox cmdlets raise. They are entries of the one catalogue, KsUpgrade.ErrorIds
/// (src/KsUpgrade.Model/Errors/ErrorIds.cs), repeated here because this assembly does not reference the product;
/// tests/Pester/Module.Tests.ps1 checks that every constant here is in the catalogue with the same value.
/// </summary>
public static class SandboxErrorIds
{
    public const string SandboxFailed = "KsUpgrade.SandboxFailed";
    public const string SandboxScaleInvalid = "KsUpgrade.SandboxScaleInvalid";
}

/// <summary>A sandbox failure with a stable ErrorId, a category and a remedy.</summary>
public sealed class SandboxException : Exception
{
    public SandboxException(string errorId, System.Management.Automation.ErrorCategory category, string message, object? target = null, string? remedy = null)
        : base(message)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
        Remedy = remedy;
    }

    public string ErrorId { get; }
    public System.Management.Automation.ErrorCategory Category { get; }
    public object? Target { get; }
    public string? Remedy { get; }
}
