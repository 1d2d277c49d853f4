namespace KsUpgrade.Engine.Checks;

/// <summary>
/// What is known about a ks-core-values.yaml. Fill it from Values/UpgradeValues.Load (the helm layer) or let
/// <see cref="LocalValuesInspector"/> read a path. Problems fail the ValuesFile check; UnknownKeys warn.
/// </summary>
public sealed record ValuesFindings
{
    public string Path { get; init; } = "";

    /// <summary>Set when the file could not be read or parsed as YAML.</summary>
    public string? ParseError { get; init; }

    public bool HasUpgradeSection { get; init; }

    /// <summary>`upgrade.enabled` (null when absent).</summary>
    public bool? UpgradeEnabled { get; init; }

    /// <summary>`upgrade.persistenceVolume.storageClassName` (null or empty: the default StorageClass).</summary>
    public string? StorageClassName { get; init; }

    /// <summary>`upgrade.persistenceVolume.name` (default ks-upgrade).</summary>
    public string? PvcName { get; init; }

    /// <summary>Hard problems, e.g. "upgrade.config.jobs.gateway: enabled but extensionRef.version is missing".</summary>
    public IReadOnlyList<string> Problems { get; init; } = Array.Empty<string>();

    /// <summary>Keys not in the known schema (typos such as `enable:`), as dotted paths.</summary>
    public IReadOnlyList<string> UnknownKeys { get; init; } = Array.Empty<string>();

    /// <summary>The enabled `upgrade.config.jobs` (name, priority, extensionRef); null when not known.</summary>
    public IReadOnlyList<Values.UpgradeJobSettings>? EnabledJobs { get; init; }

    /// <summary>`global.imagePullSecrets` names (the secrets the chart's pods, and the -ProbeImages Job, pull with).</summary>
    public IReadOnlyList<string> ImagePullSecrets { get; init; } = Array.Empty<string>();

    /// <summary>Other doubtful settings, e.g. `enabled: "true"` as a string.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
}
