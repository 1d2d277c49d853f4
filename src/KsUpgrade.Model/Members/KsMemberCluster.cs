namespace KsUpgrade;

/// <summary>One condition of a KubeSphere Cluster object (status.conditions[]).</summary>
public sealed class KsClusterCondition
{
    public string Type { get; init; } = "";
    /// <summary>True, False or Unknown.</summary>
    public string Status { get; init; } = "";
    public string? Reason { get; init; }
    public string? Message { get; init; }
    public DateTimeOffset? LastTransitionTime { get; init; }

    public override string ToString() => $"{Type}={Status}";
}

/// <summary>
/// A cluster registered on a KubeSphere host: one <c>clusters.cluster.kubesphere.io</c> object, as Get-KsMemberCluster
/// returns it and Remove-KsMemberTaint accepts it from the pipeline (by Name, with the host connection it came from).
/// </summary>
public sealed class KsMemberCluster
{
    /// <summary>The Cluster object's name (the member's name on the host).</summary>
    public string Name { get; init; } = "";

    /// <summary>Host for the cluster object labelled <c>cluster-role.kubesphere.io/host</c>, else Member.</summary>
    public KsClusterRole Role { get; init; }

    /// <summary>The Ready condition is True.</summary>
    public bool Ready { get; init; }

    /// <summary>
    /// The cluster is tainted: its <c>Schedulable</c> condition is present (ks-upgrade sets it, Schedulable=False reason
    /// Upgrading, on every member while the host is upgraded). Remove-KsMemberTaint removes it; afterwards this is false.
    /// </summary>
    public bool Tainted { get; init; }

    /// <summary>
    /// Whether KubeSphere schedules extension agents onto the cluster: Ready and no Schedulable condition with status False
    /// (KubeSphere's IsClusterSchedulable, ignoring deletion).
    /// </summary>
    public bool AgentsSchedulable { get; init; }

    /// <summary>status.kubernetesVersion.</summary>
    public string? KubernetesVersion { get; init; }

    /// <summary>status.kubeSphereVersion.</summary>
    public string? KubeSphereVersion { get; init; }

    public IReadOnlyList<KsClusterCondition> Conditions { get; init; } = Array.Empty<KsClusterCondition>();

    /// <summary>The host connection this object was read from (so the pipeline can act on it again).</summary>
    internal KsCluster? HostCluster { get; set; }

    public override string ToString() => $"{Name} ({Role})";
}
