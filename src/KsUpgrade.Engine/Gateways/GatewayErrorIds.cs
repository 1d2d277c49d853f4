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
    /// <summary>Remove-KsLegacyGateway while gateways are still on v3.</summary>
    public const string LegacyGatewaysRemain = "KsUpgrade.LegacyGatewaysRemain";
    /// <summary>Finalizers or the legacy CRD could not be removed.</summary>
    public const string LegacyCleanupFailed = "KsUpgrade.LegacyCleanupFailed";
}
