namespace KsUpgrade;

/// <summary>The outcome of one cluster upgrade.</summary>
public sealed class KsUpgradeResult
{
    /// <summary>The kubeconfig context of the upgraded cluster.</summary>
    public string Cluster { get; init; } = "";

    /// <summary>
    /// The cluster's name in the host's cluster list (for a member: what Remove-KsMemberTaint -Name takes from the
    /// pipeline). Defaults to the context name.
    /// </summary>
    public string Name { get; set; } = "";
    public KsClusterRole Role { get; init; }
    /// <summary>The KubeSphere version before the upgrade (the ClusterConfiguration's version label).</summary>
    public string? FromVersion { get; set; }
    /// <summary>The KubeSphere version the upgrade installs (the -Tag), set once helm upgrade succeeded.</summary>
    public string? ToVersion { get; set; }
    public KsUpgradeStep[] Steps { get; init; } = Array.Empty<KsUpgradeStep>();
    /// <summary>The directory holding the backup taken by this or an earlier (resumed) run.</summary>
    public string? BackupPath { get; set; }
    /// <summary>The ks-core release revision written by helm upgrade.</summary>
    public int? HelmRevision { get; set; }
    /// <summary>True when every step succeeded or had nothing to do.</summary>
    public bool Succeeded { get; set; }

    public override string ToString() => $"{Cluster} {Role} {FromVersion} -> {ToVersion}: {(Succeeded ? "succeeded" : "not completed")}";
}
