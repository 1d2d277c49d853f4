namespace KsUpgrade;

/// <summary>The result of Test-KsCluster for one cluster: the verdict, every check and the inventory.</summary>
public sealed class KsClusterReport
{
    /// <summary>The cluster checked. Settable: the connection layer fills it.</summary>
    public KsCluster? Cluster { get; set; }

    /// <summary>The phase the checks ran for (Preflight on v3.x, PostUpgrade on v4.x when not asked for).</summary>
    public KsCheckPhase Phase { get; init; }

    /// <summary>True when no check Failed (Warnings and Skipped do not fail the report).</summary>
    public bool Passed => Checks.All(c => c.Status != KsCheckStatus.Failed);

    /// <summary>Every check, in the documented order (docs/checks.md).</summary>
    public KsCheckResult[] Checks { get; init; } = Array.Empty<KsCheckResult>();

    /// <summary>What the cluster holds (pre-check.sh's information part).</summary>
    public KsInventory Inventory { get; init; } = new();

    /// <summary>Wall time of the whole run.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>The role read from the cluster: cc spec.multicluster.clusterRole on v3, kubesphere-config on v4.</summary>
    public KsClusterRole ClusterRole { get; init; } = KsClusterRole.Unknown;

    /// <summary>Kubernetes server gitVersion, e.g. v1.26.15.</summary>
    public string? KubernetesVersion { get; init; }

    /// <summary>KubeSphere version: cc label version on v3, the ks-core release appVersion on v4.</summary>
    public string? KubeSphereVersion { get; init; }

    /// <summary>The check Ids Test-KsCluster was told not to run (-ExcludeCheck); they are in <see cref="Checks"/> as Skipped.</summary>
    public string[] ExcludedChecks { get; init; } = Array.Empty<string>();

    /// <summary>The checks that Failed.</summary>
    public KsCheckResult[] FailedChecks => Checks.Where(c => c.Status == KsCheckStatus.Failed).ToArray();

    /// <summary>The checks that ended in a Warning.</summary>
    public KsCheckResult[] WarningChecks => Checks.Where(c => c.Status == KsCheckStatus.Warning).ToArray();

    /// <summary>The result of the check with this Id, or null.</summary>
    public KsCheckResult? this[string id] => Checks.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));

    public override string ToString() =>
        $"{Cluster?.Context ?? "cluster"} {Phase}: {(Passed ? "Passed" : "Failed")} ({FailedChecks.Length} failed, {WarningChecks.Length} warnings)";
}
