namespace KsUpgrade;

/// <summary>One file of a backup.</summary>
public sealed class KsBackupFile
{
    public string Name { get; init; } = "";
    public int Objects { get; init; }
    /// <summary>Lower-case hex SHA-256 of the file's bytes.</summary>
    public string Sha256 { get; init; } = "";
    /// <summary>True when the file holds Secrets (or user password hashes); created readable by the owner only.</summary>
    public bool Sensitive { get; init; }
}

/// <summary>The outcome of Backup-KsCluster (and of the upgrade's backup step).</summary>
public sealed class KsBackupResult
{
    public string Cluster { get; init; } = "";
    public string Path { get; init; } = "";
    public DateTimeOffset Created { get; init; }
    public TimeSpan Duration { get; init; }
    public string? KubeSphereVersion { get; init; }
    public KsBackupFile[] Files { get; init; } = Array.Empty<KsBackupFile>();
    /// <summary>Kinds not served by the cluster (their CRD is missing), as group/resource.</summary>
    public string[] SkippedKinds { get; init; } = Array.Empty<string>();
    public bool SecretDataExcluded { get; init; }
    public int ObjectCount => Files.Sum(f => f.Objects);

    public override string ToString() => $"{Path}: {Files.Length} files, {ObjectCount} objects";
}
