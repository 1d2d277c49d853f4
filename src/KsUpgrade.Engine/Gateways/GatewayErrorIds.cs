namespace KsUpgrade.Engine.Gateways;

/// <summary>ErrorIds of the gateway cmdlets (in addition to <see cref="ErrorIds.GatewayNotFound"/>). Never rename one.</summary>
public static class GatewayErrorIds
{
    /// <summary>PVC ks-upgrade (the gateway backup of the cluster upgrade) is missing in kubesphere-system.</summary>
    public const string UpgradePvcMissing = "KsUpgrade.UpgradePvcMissing";
    /// <summary>The cluster's ks-core release is not on KubeSphere 4 yet.</summary>
    public const string ClusterNotUpgraded = "KsUpgrade.ClusterNotUpgraded";
    /// <summary>A dynamic-upgrade job is still running (another session?).</summary>
    public const string GatewayJobBusy = "KsUpgrade.GatewayJobBusy";
    /// <summary>The rendered dynamic-upgrade template holds something other than the expected objects.</summary>
    public const string GatewayJobInvalid = "KsUpgrade.GatewayJobInvalid";
    /// <summary>The gateway extension is not installed for the cluster (no InstallPlan gateway on the host; no extension chart on a member).</summary>
    public const string GatewayExtensionMissing = "KsUpgrade.GatewayExtensionMissing";
    /// <summary>A member whose Cluster object on the host still has the Schedulable condition: the extension's agent is not scheduled onto it.</summary>
    public const string MemberNotSchedulable = "KsUpgrade.GatewayMemberNotSchedulable";
    /// <summary>A member's gateways need -HostCluster (the Schedulable condition and the InstallPlan live on the host).</summary>
    public const string HostClusterRequired = "KsUpgrade.GatewayHostClusterRequired";
    /// <summary>A workspace gateway: ks-upgrade v4.1.3 would uninstall its controller and then fail (no namespace named after it).</summary>
    public const string WorkspaceGatewayUnsupported = "KsUpgrade.GatewayWorkspaceUnsupported";
    /// <summary>The dynamic-upgrade job failed or timed out.</summary>
    public const string GatewayUpgradeFailed = "KsUpgrade.GatewayUpgradeFailed";
    /// <summary>The job completed but the cluster does not show the v4 gateway (v2 Gateway, v4 release, controller, IngressClass).</summary>
    public const string GatewayNotVerified = "KsUpgrade.GatewayNotVerified";
    /// <summary>Remove-KsLegacyGateway while gateways are still on v3.</summary>
    public const string LegacyGatewaysRemain = "KsUpgrade.LegacyGatewaysRemain";
    /// <summary>Finalizers or the legacy CRD could not be removed.</summary>
    public const string LegacyCleanupFailed = "KsUpgrade.LegacyCleanupFailed";
}
