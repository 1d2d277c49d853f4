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
    public const string SandboxFailed = "KsUpgrade.SandboxFailed";
    public const string Stopped = "KsUpgrade.Stopped";
    /// <summary>-IgnoreCheck or -ExcludeCheck names a check Id that does not exist (or 'all', which is not accepted).</summary>
    public const string CheckIdUnknown = "KsUpgrade.CheckIdUnknown";
    /// <summary>-IgnoreCheck names a check that cannot be waived (ChartRenders: the render proof).</summary>
    public const string CheckNotWaivable = "KsUpgrade.CheckNotWaivable";
    /// <summary>A piped pre-flight report did not run every check (Test-KsCluster -ExcludeCheck): it cannot stand for the upgrade's pre-flight.</summary>
    public const string ReportIncomplete = "KsUpgrade.ReportIncomplete";
}
