namespace KsUpgrade.Engine.Gateways;

/// <summary>Naming rules of KubeSphere gateways and their helm releases.</summary>
public static class GatewayNames
{
    public const string IngressSuffix = "-ingress";
    public const string ClusterGatewayName = "kubesphere-router-kubesphere-system";
    /// <summary>The release name ks-upgrade uses for a v1 Gateway labelled kubesphere.io/gateway-type=cluster.</summary>
    public const string ClusterGatewayAltName = "kubesphere-router-cluster";
    /// <summary>
    /// The ingressClassName ks-upgrade v4.1.3's dynamic job gives the cluster gateway's Ingresses (hard-coded); the v4 cluster
    /// gateway's IngressClass is named after the gateway (<see cref="ClusterGatewayName"/>), so no IngressClass has it.
    /// </summary>
    public const string ClusterGatewayIngressClass = "kubesphere-router-cluster";
    private const string WorkspacePrefix = "kubesphere-router-workspace-";
    private const string ProjectPrefix = "kubesphere-router-";

    /// <summary>The gateway name of a release: the release name without a trailing -ingress.</summary>
    public static string GatewayOf(string release) =>
        release.EndsWith(IngressSuffix, StringComparison.Ordinal) ? release[..^IngressSuffix.Length] : release;

    public static string IngressReleaseOf(string gateway) => gateway + IngressSuffix;

    public static KsGatewayScope ScopeOf(string gateway) =>
        gateway is ClusterGatewayName or ClusterGatewayAltName ? KsGatewayScope.Cluster
        : gateway.StartsWith(WorkspacePrefix, StringComparison.Ordinal) && gateway.Length > WorkspacePrefix.Length ? KsGatewayScope.Workspace
        : KsGatewayScope.Project;

    /// <summary>The project or workspace the gateway serves (kubesphere-system for the cluster gateway).</summary>
    public static string ServedNamespaceOf(string gateway) => ScopeOf(gateway) switch
    {
        KsGatewayScope.Cluster => KsNames.KubeSphereSystem,
        KsGatewayScope.Workspace => gateway[WorkspacePrefix.Length..],
        _ => gateway.StartsWith(ProjectPrefix, StringComparison.Ordinal) ? gateway[ProjectPrefix.Length..] : gateway,
    };
}
