namespace KsUpgrade.Engine.Upgrade;

/// <summary>The parameters of Invoke-KsHostUpgrade / Invoke-KsMemberUpgrade (defaults as upgrade.sh's).</summary>
public sealed record UpgradeParameters
{
    public const string DefaultTag = "v4.1.3";
    public const string DefaultImageRegistry = "docker.io";
    public const string DefaultExtensionVersion = "v1.1.5";

    /// <summary>Host or Member.</summary>
    public KsClusterRole Role { get; init; } = KsClusterRole.Host;
    /// <summary>ks-core-values.yaml (its upgrade: section drives the ks-upgrade jobs).</summary>
    public string ValuesPath { get; init; } = "";
    /// <summary>The ks-core chart: a directory or .tgz (the caller downloads a URL first).</summary>
    public string Chart { get; init; } = "";
    /// <summary>Where the chart came from (e.g. its URL) when <see cref="Chart"/> is a local copy of it; shown in the journal's messages.</summary>
    public string? ChartOrigin { get; init; }
    /// <summary>
    /// The SHA-256 (hex) of the archive <see cref="Chart"/> was extracted from (set by the wiring when the chart came from a
    /// .tgz or a URL): the journal keys the chart on it. Null for a chart folder, which is keyed on its files.
    /// </summary>
    public string? ChartArchiveSha256 { get; init; }
    /// <summary>
    /// -ChartSha256: the SHA-256 of the chart archive (.tgz or the bytes of the URL), checked before the chart is used.
    /// Not compared by the journal itself: the journal keys the chart on its content (<see cref="ChartArchiveSha256"/>) anyway.
    /// </summary>
    public string? ChartSha256 { get; init; }
    public string Tag { get; init; } = DefaultTag;
    public string ImageRegistry { get; init; } = DefaultImageRegistry;
    public string? ExtensionImageRegistry { get; init; }
    /// <summary>The ks-upgrade image tag; null = <see cref="Tag"/>.</summary>
    public string? UpgradeImageTag { get; init; }
    public string ExtensionVersion { get; init; } = DefaultExtensionVersion;
    /// <summary>null = the journal's backup path on resume, else ./backup-yyyyMMdd-HHmmss.</summary>
    public string? BackupPath { get; init; }
    /// <summary>helm upgrade --timeout.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;
    /// <summary>
    /// 45 minutes (upgrade.sh uses 30): the post-upgrade hook runs inside helm's timeout, and on a host with the guide's
    /// jobs (network, gateway) its worst case is 40 minutes (HelmTimeoutSufficient: museum sync 30 + gateway 5 + 5).
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = Checks.Preflight.HelmTimeoutSufficientCheck.DefaultTimeout;
    /// <summary>How long to wait for the prepare job.</summary>
    public TimeSpan JobTimeout { get; init; } = TimeSpan.FromSeconds(600);
    /// <summary>
    /// How long the post-check waits for the cluster to settle after helm: it checks again until every check passes or
    /// this time is up (zero: check once). Pods already failing at the pre-flight are a Warning, never waited for.
    /// </summary>
    public TimeSpan SettleTimeout { get; init; } = DefaultSettleTimeout;
    public static readonly TimeSpan DefaultSettleTimeout = TimeSpan.FromMinutes(5);
    /// <summary>The pre-flight's failing system pods by owner when the pre-flight checks came from a piped report (the journal keeps them).</summary>
    public IReadOnlyList<string>? PreflightFailingPods { get; init; }
    /// <summary>Resume from the journal (implied when the journal's parameters match).</summary>
    public bool Resume { get; init; }
    /// <summary>
    /// -IgnoreCheck: the pre-flight checks whose failure is waived, by Id (<see cref="Checks.CheckIds.ForIgnore"/>); each
    /// waived failure is a Warning and is recorded in the journal. Never ChartRenders; there is no "all".
    /// </summary>
    public IReadOnlyList<string> IgnoredChecks { get; init; } = Array.Empty<string>();
    /// <summary>The failed checks of the pre-flight report piped in (<see cref="SkipPreflightChecks"/>): the Preflight step waives or refuses them.</summary>
    public IReadOnlyList<KsCheckResult>? PreflightReportFailedChecks { get; init; }
    /// <summary>The Test-KsCluster checks already ran (a report was piped in): skip them in Preflight.</summary>
    public bool SkipPreflightChecks { get; init; }

    public string EffectiveUpgradeImageTag => string.IsNullOrEmpty(UpgradeImageTag) ? Tag : UpgradeImageTag!;

    /// <summary>The upgrade's parameters with these image settings (the rest at their defaults), e.g. to render the chart as the upgrade will.</summary>
    public static UpgradeParameters WithImages(Helm.KsCoreImageSettings images) => new()
    {
        Tag = images.Tag, ImageRegistry = images.ImageRegistry, UpgradeImageTag = images.UpgradeImageTag,
        ExtensionImageRegistry = images.ExtensionImageRegistry, ExtensionVersion = images.ExtensionVersion,
    };

    public string RoleName => Role == KsClusterRole.Member ? "member" : "host";

    /// <summary>
    /// The values the journal compares (none secret): the input files by content (<see cref="Journal.JournalInputs"/>), so the
    /// same files from another folder resume and an edited one is refused.
    /// </summary>
    public SortedDictionary<string, string> Normalized() => new(StringComparer.Ordinal)
    {
        ["Role"] = RoleName,
        [Journal.JournalInputs.ValuesKey] = string.IsNullOrEmpty(ValuesPath) ? "" : Journal.JournalInputs.FileDigest(ValuesPath),
        [Journal.JournalInputs.ChartKey] = Journal.JournalInputs.ChartDigest(Chart, ChartArchiveSha256),
        ["Tag"] = Tag,
        ["ImageRegistry"] = ImageRegistry,
        ["ExtensionImageRegistry"] = ExtensionImageRegistry ?? "",
        ["UpgradeImageTag"] = EffectiveUpgradeImageTag,
        ["ExtensionVersion"] = ExtensionVersion,
    };

    /// <summary>Where the compared files are read this time (for messages; not compared).</summary>
    public SortedDictionary<string, string> Sources() => new(StringComparer.Ordinal)
    {
        [Journal.JournalInputs.ValuesSource] = FullPath(ValuesPath),
        [Journal.JournalInputs.ChartSource] = ChartOrigin ?? (File.Exists(Chart) || Directory.Exists(Chart) ? FullPath(Chart) : Chart),
    };

    private static string FullPath(string p) => string.IsNullOrEmpty(p) ? "" : Path.GetFullPath(p);

    /// <summary>
    /// The folder the default ./backup-yyyyMMdd-HHmmss goes into: the cmdlets pass PowerShell's current location (never
    /// the process's directory, which may be a repository root or System32); null: the process's current directory.
    /// </summary>
    public string? BackupBaseDirectory { get; init; }

    public static string DefaultBackupPath(DateTimeOffset now, string? baseDirectory = null)
    {
        var name = $"backup-{now.ToLocalTime():yyyyMMdd-HHmmss}";
        return Path.GetFullPath(baseDirectory is null ? name : Path.Combine(baseDirectory, name));
    }
}
