namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>A workspace and its user namespaces (projects).</summary>
public sealed record WorkspaceSpec(string Name, IReadOnlyList<string> Namespaces);

/// <summary>Kind of a 3.4 gateway: cluster gateway, workspace gateway or project gateway.</summary>
public enum GatewayScope { Cluster, Workspace, Project }

/// <summary>
/// A 3.4 gateway: v1alpha1 Gateway <c>kubesphere-router-&lt;target&gt;</c> in kubesphere-controls-system, its Nginx CR
/// <c>&lt;name&gt;-ingress</c> and the two Helm releases <c>&lt;name&gt;</c> and <c>&lt;name&gt;-ingress</c>.
/// Target is kubesphere-system (cluster), <c>workspace-&lt;ws&gt;</c> (workspace) or the project namespace.
/// </summary>
public sealed record GatewaySpec(GatewayScope Scope, string Target, string ServiceType = "NodePort")
{
    public string Name => Scope switch
    {
        GatewayScope.Cluster => "kubesphere-router-kubesphere-system",
        GatewayScope.Workspace => $"kubesphere-router-workspace-{Target}",
        _ => $"kubesphere-router-{Target}",
    };
}

/// <summary>Parameters of one KubeSphere 3.4 seed cluster (host or member).</summary>
public sealed class Ks34Profile
{
    public required string ClusterName { get; init; }
    /// <summary>host or member (cc spec.multicluster.clusterRole).</summary>
    public required string Role { get; init; }
    public string KsVersion { get; init; } = "v3.4.1";
    public string KubernetesVersion { get; init; } = "v1.26.15";
    /// <summary>Node names are &lt;prefix&gt;-master-N and &lt;prefix&gt;-worker-N.</summary>
    public required string NodePrefix { get; init; }
    /// <summary>First two octets of node IPs, e.g. "10.10" gives masters 10.10.0.11-13 and workers 10.10.0.21+.</summary>
    public required string IpPrefix { get; init; }
    public int Masters { get; init; } = 3;
    public int Workers { get; init; } = 3;
    /// <summary>Host only: member clusters registered on this host (clusters.cluster.kubesphere.io objects).</summary>
    public IReadOnlyList<string> Members { get; init; } = Array.Empty<string>();
    /// <summary>cc spec.common.redis.enableHA (adds the ks-redis Helm release and redis-ha objects).</summary>
    public bool RedisHa { get; init; }
    public IReadOnlyList<WorkspaceSpec> Workspaces { get; init; } = Array.Empty<WorkspaceSpec>();
    public IReadOnlyList<GatewaySpec> Gateways { get; init; } = Array.Empty<GatewaySpec>();
    /// <summary>Ingresses without ingressClassName: (namespace, name, service).</summary>
    public IReadOnlyList<(string Namespace, string Name, string Service)> Ingresses { get; init; } = Array.Empty<(string, string, string)>();
    public string StorageClass { get; init; } = "local";
    /// <summary>
    /// Whose jwtSecret kubesphere-config carries: a member joined to a host shares the host's (the host signs the tokens
    /// the member accepts), so members name their host here. Default: the cluster's own.
    /// </summary>
    public string? JwtSecretFrom { get; init; }
    public string JwtSecretOf => JwtSecretFrom ?? ClusterName;
    public double JobRunSeconds { get; init; } = 0.5;
    public double PodReadySeconds { get; init; } = 0.2;

    // Scale knobs (null = the seed's natural size).
    /// <summary>Total node count (first three are masters).</summary>
    public int? Nodes { get; set; }
    /// <summary>Total number of user (workspace) namespaces.</summary>
    public int? Namespaces { get; set; }
    /// <summary>Pods per node: at least this many pods run on every node.</summary>
    public int? PodsPerNode { get; set; }
    /// <summary>Extra IAM/RBAC objects (users, global/workspace/namespace role bindings), in total.</summary>
    public int? RbacObjects { get; set; }

    public bool IsHost => Role == "host";

    /// <summary>Applies a scale map (keys Nodes, Namespaces, PodsPerNode, RbacObjects; case-insensitive).</summary>
    public void ApplyScale(IReadOnlyDictionary<string, int>? scale)
    {
        if (scale is null) return;
        foreach (var (key, value) in scale)
        {
            if (value < 0) throw new ArgumentException($"Scale value {key}={value} must not be negative.");
            switch (key.ToLowerInvariant())
            {
                case "nodes": if (value < 1) throw new ArgumentException("Scale Nodes must be at least 1."); Nodes = value; break;
                case "namespaces": Namespaces = value; break;
                case "podspernode": PodsPerNode = value; break;
                case "rbacobjects": RbacObjects = value; break;
                default: throw new ArgumentException($"Unknown scale key '{key}'. Known keys: Nodes, Namespaces, PodsPerNode, RbacObjects, Members.");
            }
        }
    }
}
