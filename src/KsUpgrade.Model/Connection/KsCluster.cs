namespace KsUpgrade;

/// <summary>The role a cluster plays in a KubeSphere multicluster setup.</summary>
public enum KsClusterRole
{
    Unknown = 0,
    None,
    Host,
    Member,
}

/// <summary>
/// A connected Kubernetes cluster, as returned by Connect-KsCluster and accepted by every cluster cmdlet
/// through -Cluster (bound from the pipeline by property name).
/// The live connection is kept out of sight: it holds credentials and is never shown or serialized.
/// </summary>
public sealed class KsCluster
{
    public KsCluster(string context, string server, KsConnectionSettings settings)
    {
        Context = context;
        Server = server;
        Settings = settings;
    }

    /// <summary>The kubeconfig context name (or a synthetic name for -Server/-InCluster connections).</summary>
    public string Context { get; }

    /// <summary>The API server URL.</summary>
    public string Server { get; }

    /// <summary>The Kubernetes server version (gitVersion), e.g. v1.26.15.</summary>
    public string? KubernetesVersion { get; set; }

    /// <summary>The KubeSphere version: v3 from the ks-installer ClusterConfiguration, v4 from the ks-core release.</summary>
    public string? KubeSphereVersion { get; set; }

    /// <summary>Host, Member, None or Unknown.</summary>
    public KsClusterRole Role { get; set; } = KsClusterRole.Unknown;

    /// <summary>How to reach the cluster. Internal: carries credentials.</summary>
    internal KsConnectionSettings Settings { get; }

    /// <summary>The engine's live connection, created on first use and cached here.</summary>
    internal object? Connection { get; set; }

    public override string ToString() => $"{Context} ({Server})";
}
