namespace KsUpgrade;

public enum KsCheckStatus
{
    Passed,
    Warning,
    Failed,
    Skipped,
}

public enum KsCheckPhase
{
    Preflight,
    PostUpgrade,
}

/// <summary>One check of Test-KsCluster.</summary>
public sealed class KsCheckResult
{
    /// <summary>Stable identifier, e.g. NodesReady.</summary>
    public string Id { get; init; } = "";
    public string Title { get; init; } = "";
    public KsCheckStatus Status { get; init; }
    /// <summary>What was found, with names.</summary>
    public string Message { get; init; } = "";
    /// <summary>What to do about it (empty when the check passed).</summary>
    public string? Remedy { get; init; }
    /// <summary>The offending objects (names, small records).</summary>
    public object[] Data { get; init; } = Array.Empty<object>();

    public override string ToString() => $"{Id}: {Status} - {Message}";
}
