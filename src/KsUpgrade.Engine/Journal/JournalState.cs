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

/// <summary>Journal facts read outside the upgrade engine (Test-KsCluster's checks).</summary>
public static class JournalFacts
{
    /// <summary>
    /// The system-workspace pods failing at the pre-flight, by owner ("namespace/Kind/name", a Deployment's pods by their
    /// Deployment): a JSON array. The post-check reports these as already failing, not as caused by the upgrade.
    /// </summary>
    public const string FailingSystemPodsBefore = "failingSystemPodsBefore";

    /// <summary>
    /// The failed pre-flight checks -IgnoreCheck waived: a JSON array of "Id: message". Written by the Preflight step,
    /// before the first change.
    /// </summary>
    public const string WaivedChecks = "waivedChecks";

    /// <summary>When Complete-KsUpgrade declared the finished upgrade final (ISO 8601): Undo-KsUpgrade refuses from then on.</summary>
    public const string Completed = "completed";

    /// <summary>Undo's journal: the upgrade journal it undoes (JSON of its JournalState), kept until Undo has finished.</summary>
    public const string UndoneUpgrade = "undoneUpgrade";
}

/// <summary>One step as the journal records it.</summary>
public sealed class JournalStepRecord
{
    public string Name { get; set; } = "";
    public string Status { get; set; } = "";
    public DateTimeOffset? Started { get; set; }
    public DateTimeOffset? Finished { get; set; }
    public string? Detail { get; set; }

    /// <summary>
    /// The fleet journal only: the Invoke-KsUpgrade run working on this cluster ("machine/pid/id"), null when no run holds
    /// it. Never written in a cluster's own journal.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Owner { get; set; }

    /// <summary>The fleet journal only: until when <see cref="Owner"/>'s claim holds unless renewed (UTC, the writer's clock).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? LeaseUntil { get; set; }

    /// <summary>
    /// The fleet journal only: how many times <see cref="Owner"/> has claimed or renewed this entry. Other runs judge the
    /// lease by when they saw this count change (on their own clock), not by <see cref="LeaseUntil"/>; null in an entry an
    /// older KsUpgrade wrote (judged by <see cref="LeaseUntil"/>).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? Renewals { get; set; }
}

/// <summary>The content of the journal ConfigMap.</summary>
public sealed class JournalState
{
    public string ParametersHash { get; set; } = "";
    /// <summary>The non-secret parameter values the hash was computed from, to say which one differs.</summary>
    public SortedDictionary<string, string> Parameters { get; set; } = new(StringComparer.Ordinal);
    /// <summary>
    /// Where the compared inputs were read from the first time (values file path, chart origin): shown in messages,
    /// never compared (the same content from another folder resumes).
    /// </summary>
    public SortedDictionary<string, string> Sources { get; set; } = new(StringComparer.Ordinal);
    public string? BackupPath { get; set; }
    public string ToolVersion { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Updated { get; set; }
    public List<JournalStepRecord> Steps { get; set; } = new();
    /// <summary>Facts later steps need on resume (from-version, redis flags).</summary>
    public SortedDictionary<string, string> Facts { get; set; } = new(StringComparer.Ordinal);

    public JournalStepRecord? Step(string name) => Steps.FirstOrDefault(s => s.Name == name);

    public bool IsDone(string step) => Step(step) is { } s && JournalStatus.IsDone(s.Status);
    public JournalStepRecord? Step(UpgradeStepId step) => Step(step.ToString());
    public bool IsDone(UpgradeStepId step) => IsDone(step.ToString());

    /// <summary>The upgrade's last step (PostCheck) is done: nothing is left to resume.</summary>
    public bool Finished => IsDone(UpgradeStepId.PostCheck);

    /// <summary>Complete-KsUpgrade declared this upgrade final.</summary>
    public bool Completed => Facts.ContainsKey(JournalFacts.Completed);

    /// <summary>Where an unfinished upgrade stopped: its last step not done, else its last step recorded (null: none).</summary>
    public JournalStepRecord? StoppedAt =>
        Steps.LastOrDefault(s => !JournalStatus.IsDone(s.Status)) ?? Steps.LastOrDefault();

    /// <summary>The owners in <see cref="JournalFacts.FailingSystemPodsBefore"/> (empty when the fact is missing or unreadable).</summary>
    public IReadOnlySet<string> FailingSystemPodsBefore()
    {
        if (!Facts.TryGetValue(JournalFacts.FailingSystemPodsBefore, out var json) || string.IsNullOrEmpty(json)) return new HashSet<string>();
        try { return (System.Text.Json.JsonSerializer.Deserialize<List<string>>(json) ?? new()).ToHashSet(StringComparer.Ordinal); }
        catch (System.Text.Json.JsonException) { return new HashSet<string>(); }
    }
}
