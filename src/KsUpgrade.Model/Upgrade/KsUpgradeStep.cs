namespace KsUpgrade;

/// <summary>Where one upgrade step stands.</summary>
public enum KsUpgradeStepStatus
{
    Pending,
    Running,
    Succeeded,
    /// <summary>Nothing to do, or already done by an earlier run (the journal says so).</summary>
    Skipped,
    Failed,
    /// <summary>Not performed: -WhatIf, or the user declined the confirmation.</summary>
    WhatIf,
}

/// <summary>One step of Invoke-KsHostUpgrade / Invoke-KsMemberUpgrade.</summary>
public sealed class KsUpgradeStep
{
    public KsUpgradeStep(string name) => Name = name;

    /// <summary>Stable step name, e.g. Backup, StopInstaller, HelmUpgrade.</summary>
    public string Name { get; }
    public KsUpgradeStepStatus Status { get; set; } = KsUpgradeStepStatus.Pending;
    public DateTimeOffset? Started { get; set; }
    public TimeSpan? Duration { get; set; }
    /// <summary>What the step did or would do (the plan under -WhatIf), or why it failed.</summary>
    public string Detail { get; set; } = "";

    public override string ToString() => $"{Name}: {Status}";
}
