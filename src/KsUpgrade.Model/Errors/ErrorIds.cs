namespace KsUpgrade;

/// <summary>The module's ErrorIds. Public contract: never rename one.</summary>
public static class ErrorIds
{
    public const string ContextNotFound = "KsUpgrade.ContextNotFound";
    public const string KubeconfigInvalid = "KsUpgrade.KubeconfigInvalid";
    public const string KubeconfigNotFound = "KsUpgrade.KubeconfigNotFound";
    public const string ClusterUnreachable = "KsUpgrade.ClusterUnreachable";
    public const string Unauthorized = "KsUpgrade.Unauthorized";
    public const string Forbidden = "KsUpgrade.Forbidden";
    public const string NotKubernetes = "KsUpgrade.NotKubernetes";
    /// <summary>The kubeconfig user's exec credential plugin failed or printed no credential.</summary>
    public const string CredentialPluginFailed = "KsUpgrade.CredentialPluginFailed";
    public const string InCluster = "KsUpgrade.InClusterUnavailable";
    public const string ApiError = "KsUpgrade.ApiError";
    public const string ValuesInvalid = "KsUpgrade.ValuesInvalid";
    public const string ChartNotFound = "KsUpgrade.ChartNotFound";
    public const string HelmNotFound = "KsUpgrade.HelmNotFound";
    public const string HelmFailed = "KsUpgrade.HelmFailed";
    public const string HelmUpgradeFailed = "KsUpgrade.HelmUpgradeFailed";
    public const string RoleMismatch = "KsUpgrade.RoleMismatch";
    public const string PreflightFailed = "KsUpgrade.PreflightFailed";
    /// <summary>The chart cannot be rendered as the upgrade would render it, or renders kinds the cluster will not serve: nothing was changed.</summary>
    public const string ChartRenderFailed = "KsUpgrade.ChartRenderFailed";
    public const string PrepareJobFailed = "KsUpgrade.PrepareJobFailed";
    public const string UpgradePhaseSkipped = "KsUpgrade.UpgradePhaseSkipped";
    public const string ReleasePending = "KsUpgrade.ReleasePending";
    public const string GatewayNotFound = "KsUpgrade.GatewayNotFound";
    public const string MemberNotFound = "KsUpgrade.MemberNotFound";
    /// <summary>Get-KsMemberCluster (or -All, -HostCluster) on a cluster that is not a KubeSphere multicluster host: it has no cluster list.</summary>
    public const string NotHostCluster = "KsUpgrade.NotHostCluster";
    public const string SandboxFailed = "KsUpgrade.SandboxFailed";
    public const string Stopped = "KsUpgrade.Stopped";
}
