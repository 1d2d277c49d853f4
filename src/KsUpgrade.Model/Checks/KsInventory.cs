namespace KsUpgrade;

/// <summary>What a cluster holds, as pre-check.sh prints it, but typed.</summary>
public sealed class KsInventory
{
    /// <summary>Object counts per kind (deployments, services, ingresses, ... as pre-check.sh counts them).</summary>
    public KsObjectCount[] ObjectCounts { get; init; } = Array.Empty<KsObjectCount>();

    /// <summary>One row per node.</summary>
    public KsNodeInfo[] Nodes { get; init; } = Array.Empty<KsNodeInfo>();

    /// <summary>Pods that are neither Running nor Completed, all namespaces.</summary>
    public KsPodInfo[] UnhealthyPods { get; init; } = Array.Empty<KsPodInfo>();

    /// <summary>The component statuses under cc ks-installer `status` (v3 only).</summary>
    public KsComponentStatus[] ComponentStatuses { get; init; } = Array.Empty<KsComponentStatus>();

    /// <summary>clusters.cluster.kubesphere.io objects (host only).</summary>
    public KsClusterInfo[] KubeSphereClusters { get; init; } = Array.Empty<KsClusterInfo>();

    /// <summary>What could not be read (kind and reason, e.g. "not permitted"); empty when everything was read.</summary>
    public string[] Gaps { get; init; } = Array.Empty<string>();

    public int NodeCount => Nodes.Length;
    public int MasterCount => Nodes.Count(n => n.IsControlPlane);
    public int WorkerCount => Nodes.Count(n => !n.IsControlPlane);
}

/// <summary>How many objects of a kind the cluster holds. Count is null when the kind could not be counted.</summary>
public sealed record KsObjectCount(string Kind, long? Count, string? Note = null);

/// <summary>One node as pre-check.sh shows it.</summary>
public sealed record KsNodeInfo(
    string Name,
    string Status,
    string[] Roles,
    string? KubeletVersion,
    string? OsImage,
    string? ContainerRuntime,
    int PodCount)
{
    public bool IsControlPlane => Roles.Any(r => r is "master" or "control-plane");
}

/// <summary>A pod with its kubectl-style status (e.g. CrashLoopBackOff, Pending, Completed).</summary>
/// <param name="Owner">The workload the pod belongs to ("Deployment/ks-apiserver"); null for a pod no controller owns.</param>
public sealed record KsPodInfo(string Namespace, string Name, string Status, string? NodeName, string? Owner = null)
{
    /// <summary>"namespace/Kind/name" of the owning workload, or "namespace/Pod/name".</summary>
    public string OwnerKey => $"{Namespace}/{Owner ?? "Pod/" + Name}";
}

/// <summary>One component under cc ks-installer `status` (e.g. core enabled).</summary>
public sealed record KsComponentStatus(string Component, string? Status, string? Version);

/// <summary>
/// A KubeSphere Cluster object (clusters.cluster.kubesphere.io), read as Get-KsMemberCluster reads it. Ready: condition
/// Ready=True. Tainted: its `Schedulable` condition is present (the upgrade's taint; Remove-KsMemberTaint removes it).
/// AgentsSchedulable: Ready and no Schedulable=False, so KubeSphere schedules extension agents onto it.
/// </summary>
public sealed record KsClusterInfo(string Name, bool IsHost, bool Ready, bool Tainted, bool AgentsSchedulable, string? ReadyReason, string? KubernetesVersion, string? KubeSphereVersion);
