namespace KsUpgrade;

/// <summary>What Test-KsBackup found for one file listed in a backup's manifest.</summary>
public sealed class KsBackupFileCheck
{
    public string Name { get; init; } = "";
    /// <summary>Objects the manifest lists for the file.</summary>
    public int Objects { get; init; }
    /// <summary>Objects found in the file: one per YAML document, the items of a kind: List (-1 when it is missing or not readable as YAML).</summary>
    public int ObjectsFound { get; init; }
    /// <summary>SHA-256 the manifest lists.</summary>
    public string Sha256 { get; init; } = "";
    /// <summary>SHA-256 of the file as it is now (empty when it is missing).</summary>
    public string Sha256Found { get; init; } = "";
    public bool Sensitive { get; init; }
    /// <summary>What is wrong with the file; null when it is as the manifest says.</summary>
    public string? Problem { get; init; }
    public bool Intact => Problem is null;

    public override string ToString() => Problem is null ? $"{Name}: intact" : $"{Name}: {Problem}";
}

/// <summary>The outcome of Test-KsBackup: is a backup folder complete and unchanged since Backup-KsCluster wrote it?</summary>
public sealed class KsBackupCheck
{
    public string Path { get; init; } = "";
    /// <summary>The kubeconfig context the backup was taken from (from the manifest).</summary>
    public string? Cluster { get; init; }
    public DateTimeOffset? Created { get; init; }
    public string? KubeSphereVersion { get; init; }
    public KsBackupFileCheck[] Files { get; init; } = Array.Empty<KsBackupFileCheck>();
    /// <summary>Every problem found, the files' ones included; empty for an intact backup.</summary>
    public string[] Problems { get; init; } = Array.Empty<string>();
    public bool Intact => Problems.Length == 0;
    public int ObjectCount => Files.Where(f => f.ObjectsFound > 0).Sum(f => f.ObjectsFound);

    public override string ToString() => Intact ? $"{Path}: intact, {Files.Length} files, {ObjectCount} objects" : $"{Path}: {Problems.Length} problem(s)";
}
