namespace KsUpgrade;

/// <summary>Complete-KsUpgrade's record: the upgrade declared final.</summary>
public sealed class KsUpgradeCompletion
{
    public string Cluster { get; init; } = "";
    /// <summary>When the upgrade was declared final (the first time, if it already was).</summary>
    public DateTimeOffset Completed { get; init; }
    public string? FromVersion { get; init; }
    public string? ToVersion { get; init; }
    /// <summary>The upgrade's backup (kept: Undo no longer uses it, an etcd-level restore still can).</summary>
    public string? BackupPath { get; init; }

    public override string ToString() => $"{Cluster}: {FromVersion} -> {ToVersion} final since {Completed:u}";
}
