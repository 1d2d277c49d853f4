namespace KsUpgrade.Engine.Journal;

public static class JournalStatus
{
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
    public const string Stopped = "stopped";

    /// <summary>A step recorded as done needs no re-run.</summary>
    public static bool IsDone(string status) => status is Succeeded or Skipped;
}

/// <summary>One step as the journal records it.</summary>
public sealed class JournalStepRecord
{
    public string Name { get; set; } = "";
    public string Status { get; set; } = "";
    public DateTimeOffset? Started { get; set; }
    public DateTimeOffset? Finished { get; set; }
    public string? Detail { get; set; }
}

/// <summary>The content of the journal ConfigMap.</summary>
public sealed class JournalState
{
    public string ParametersHash { get; set; } = "";
    /// <summary>The non-secret parameter values the hash was computed from, to say which one differs.</summary>
    public SortedDictionary<string, string> Parameters { get; set; } = new(StringComparer.Ordinal);
    public string? BackupPath { get; set; }
    public string ToolVersion { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Updated { get; set; }
    public List<JournalStepRecord> Steps { get; set; } = new();
    /// <summary>Facts later steps need on resume (from-version, redis flags).</summary>
    public SortedDictionary<string, string> Facts { get; set; } = new(StringComparer.Ordinal);

    public JournalStepRecord? Step(string name) => Steps.FirstOrDefault(s => s.Name == name);

    public bool IsDone(string step) => Step(step) is { } s && JournalStatus.IsDone(s.Status);
}
