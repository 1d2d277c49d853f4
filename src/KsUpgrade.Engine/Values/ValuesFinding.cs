namespace KsUpgrade.Engine.Values;

public enum ValuesFindingSeverity
{
    Warning,
    Error,
}

/// <summary>One problem found in ks-core-values.yaml: where (dotted path and line), how bad, and what.</summary>
public sealed record ValuesFinding(string Path, ValuesFindingSeverity Severity, string Message, int? Line = null)
{
    public override string ToString() => $"{Severity}: {Path}{(Line is { } l ? $" (line {l})" : "")}: {Message}";
}

/// <summary>One enabled ks-upgrade job from <c>upgrade.config.jobs</c>.</summary>
public sealed record UpgradeJobSettings(string Name, int? Priority, string? ExtensionName, string? ExtensionVersion);
