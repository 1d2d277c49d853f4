namespace KsUpgrade.Engine.Gateways;

/// <summary>Parameters of Update-KsGateway (the same knobs as the upgrade cmdlets).</summary>
public sealed record GatewayUpgradeOptions
{
    /// <summary>ks-core chart directory or .tgz (already local); its templates/dynamic-upgrade-job.yaml is rendered.</summary>
    public required string Chart { get; init; }
    /// <summary>KubeSphere image tag (global.tag).</summary>
    public string Tag { get; init; } = "v4.1.3";
    /// <summary>Image registry (global.imageRegistry).</summary>
    public string ImageRegistry { get; init; } = "docker.io";
    /// <summary>ks-upgrade image tag (upgrade.image.tag); null = <see cref="Tag"/>.</summary>
    public string? UpgradeImageTag { get; init; }
    /// <summary>helm binary; null = KSUPGRADE_HELM or PATH.</summary>
    public string? HelmPath { get; init; }
    /// <summary>How long to wait for job dynamic-upgrade to complete.</summary>
    public TimeSpan JobTimeout { get; init; } = TimeSpan.FromSeconds(600);
    /// <summary>
    /// How long to wait, after the job, for the cluster to show the v4 gateway (v2 Gateway, release on the v4 chart,
    /// controller available, IngressClass); also for a gateway whose v2 Gateway already exists.
    /// </summary>
    public TimeSpan VerifyTimeout { get; init; } = TimeSpan.FromSeconds(300);
    /// <summary>For a member: the host, where its Schedulable condition and the gateway InstallPlan are checked.</summary>
    public KsCluster? HostCluster { get; init; }
    /// <summary>For a member: its name in the host's cluster list (default: its context name).</summary>
    public string? MemberName { get; init; }
    /// <summary>How often the job and its log are polled.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>The PVC holding ks-upgrade's backups (upgrade.persistenceVolume.name).</summary>
    public string PersistenceVolumeName { get; init; } = "ks-upgrade";
    /// <summary>
    /// -RepointIngressClass: once the gateway is verified, point the Ingresses ks-upgrade gave a class no IngressClass has
    /// (the cluster gateway's hard-coded kubesphere-router-cluster) at the gateway's IngressClass.
    /// </summary>
    public bool RepointIngressClass { get; init; }
    /// <summary>Renders the job; null = helm template via <see cref="HelmTemplateRenderer"/>.</summary>
    public IDynamicJobRenderer? Renderer { get; init; }

    internal string EffectiveUpgradeImageTag => string.IsNullOrEmpty(UpgradeImageTag) ? Tag : UpgradeImageTag;
}
