using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Seeds;

/// <summary>One simulated cluster as a seed describes it: its name (= kubeconfig context), version and objects.</summary>
public sealed class SeedCluster
{
    /// <summary>Cluster name; also the kubeconfig context name (each cluster is served on its own port).</summary>
    public required string Name { get; init; }

    /// <summary>Kubernetes gitVersion served at /version, e.g. v1.26.15.</summary>
    public string KubernetesVersion { get; init; } = "v1.26.15";

    /// <summary>The minor version of <see cref="KubernetesVersion"/> (26 for v1.26.15); 26 when it cannot be read.</summary>
    public int KubernetesMinor =>
        System.Text.RegularExpressions.Regex.Match(KubernetesVersion, @"^v?\d+\.(\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 26;

    /// <summary>Objects to load, as Kubernetes JSON (apiVersion, kind, metadata, ...). CRDs among them make their kinds served.</summary>
    public List<JsonObject> Objects { get; init; } = new();

    /// <summary>Seconds a simulated Job runs before it completes (or fails).</summary>
    public double JobRunSeconds { get; init; } = 0.5;

    /// <summary>
    /// Seconds the simulated gateway extension controller waits after a v2alpha1 Gateway is created before it installs the
    /// gateway's v4 release (see KubeSphere/GatewayExtensionController).
    /// </summary>
    public double GatewayControllerSeconds { get; init; } = 0.5;

    /// <summary>Seconds a workload's pods take to become ready.</summary>
    public double PodReadySeconds { get; init; } = 0.2;

    /// <summary>
    /// Seconds between two resyncs of the simulated KubeSphere cluster controller on a host, which writes each Cluster
    /// object's status.kubeSphereVersion and status.kubernetesVersion from the cluster it names (0 or less: it does not run).
    /// </summary>
    public double ClusterResyncSeconds { get; init; } = 1.0;

    /// <summary>
    /// Seconds between two renewals of each node's Lease in kube-node-lease (spec.renewTime), as a kubelet renews it:
    /// every quarter of its 40 s duration, 10 s (0 or less: never renewed).
    /// </summary>
    public double NodeLeaseRenewSeconds { get; init; } = 10;

    /// <summary>
    /// Seconds between two node status reports, which move each node condition's lastHeartbeatTime, as a kubelet
    /// reports an unchanged status every nodeStatusReportFrequency, 5 minutes (0 or less: never).
    /// </summary>
    public double NodeStatusReportSeconds { get; init; } = 300;
}
