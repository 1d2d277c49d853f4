namespace KsUpgrade;

/// <summary>Whom a KubeSphere gateway serves, from its name.</summary>
public enum KsGatewayScope
{
    /// <summary>kubesphere-router-kubesphere-system (or kubesphere-router-cluster): the cluster gateway.</summary>
    Cluster,
    /// <summary>kubesphere-router-workspace-&lt;workspace&gt;.</summary>
    Workspace,
    /// <summary>kubesphere-router-&lt;project&gt;.</summary>
    Project,
}

/// <summary>One helm release that belongs to a gateway (a 3.4 gateway has two: &lt;name&gt; and &lt;name&gt;-ingress).</summary>
public sealed class KsGatewayRelease
{
    public string Name { get; init; } = "";
    public string Namespace { get; init; } = "";
    public int Revision { get; init; }
    /// <summary>deployed, superseded, failed, pending-install, pending-upgrade, pending-rollback, uninstalling, uninstalled.</summary>
    public string Status { get; init; } = "";
    public string ChartName { get; init; } = "";
    public string ChartVersion { get; init; } = "";
    public string AppVersion { get; init; } = "";

    public override string ToString() => $"{Namespace}/{Name} v{Revision} {Status} ({ChartName}-{ChartVersion})";
}

/// <summary>
/// A KubeSphere gateway: the helm releases whose name starts with kubesphere-router, merged by name without the trailing
/// <c>-ingress</c>. Returned by Get-KsGateway; Update-KsGateway accepts it from the pipeline by Name.
/// </summary>
public sealed class KsGateway
{
    /// <summary>The gateway (v1 Gateway CR) name, e.g. kubesphere-router-kubesphere-system; never ends in -ingress.</summary>
    public string Name { get; init; } = "";

    public KsGatewayScope Scope { get; init; }

    /// <summary>The project (Project scope) or workspace (Workspace scope) it serves; kubesphere-system for the cluster gateway.</summary>
    public string Namespace { get; init; } = "";

    /// <summary>The namespace the releases live in (kubesphere-controls-system normally).</summary>
    public string ReleaseNamespace { get; init; } = "";

    /// <summary>The latest revision of each release of this gateway.</summary>
    public IReadOnlyList<KsGatewayRelease> Releases { get; init; } = Array.Empty<KsGatewayRelease>();

    /// <summary>
    /// The status that matters across its releases: a pending-* status if any release is pending, else failed if any failed,
    /// else the status of the gateway's own release (&lt;name&gt;, or &lt;name&gt;-ingress when that is the only one).
    /// </summary>
    public string Status { get; init; } = "";

    /// <summary>Chart version of the gateway's own release (&lt;name&gt;), or of &lt;name&gt;-ingress when that is the only one.</summary>
    public string ChartVersion { get; init; } = "";

    /// <summary>
    /// Already on the KubeSphere 4 gateway: its &lt;name&gt;-ingress release is gone and its own release carries the v4 gateway
    /// chart (kubesphere-nginx-ingress, controller 1.12+).
    /// </summary>
    public bool Upgraded { get; init; }

    /// <summary>The host/cluster connection it was read from.</summary>
    internal KsCluster? Cluster { get; set; }

    public override string ToString() => $"{Name} ({Scope}, {Status}{(Upgraded ? ", upgraded" : "")})";
}
