namespace KsUpgrade.Engine.Upgrade;

/// <summary>ErrorIds of the upgrade engine not in KsUpgrade.ErrorIds. Public contract: never rename one.</summary>
public static class UpgradeErrorIds
{
    /// <summary>The backup path is an existing file or a non-empty directory.</summary>
    public const string BackupPathNotEmpty = "KsUpgrade.BackupPathNotEmpty";
    /// <summary>Test-KsBackup: the path is not a folder.</summary>
    public const string BackupNotFound = "KsUpgrade.BackupNotFound";
    /// <summary>The journal of an earlier run was written with different parameters.</summary>
    public const string JournalMismatch = "KsUpgrade.JournalMismatch";
    /// <summary>A member upgrade while the given host is not on KubeSphere 4 yet.</summary>
    public const string HostNotUpgraded = "KsUpgrade.HostNotUpgraded";
    /// <summary>A member upgrade without -HostCluster (and without -SkipHostCheck): the host's version cannot be checked.</summary>
    public const string HostClusterRequired = "KsUpgrade.HostClusterRequired";
    /// <summary>The chart given cannot be read (no Chart.yaml, broken archive).</summary>
    public const string ChartInvalid = "KsUpgrade.ChartInvalid";
    /// <summary>The post-upgrade checks found problems.</summary>
    public const string PostCheckFailed = "KsUpgrade.PostCheckFailed";
    /// <summary>A parameter value is not acceptable (registry, tag, role).</summary>
    public const string ParameterInvalid = "KsUpgrade.ParameterInvalid";
}
