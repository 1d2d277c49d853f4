namespace KsUpgrade;

/// <summary>
/// The module's ErrorIds: the one catalogue. Public contract: never rename a value. Each constant is named after its
/// value (<c>KsUpgrade.&lt;Name&gt;</c>) and listed in README.md's ErrorIds table (a test holds the two together, and
/// finds any <c>"KsUpgrade.X"</c> ErrorId written as a literal elsewhere in src/).
/// </summary>
public static class ErrorIds
{
    // Connection
    /// <summary>The kubeconfig has no such context; the message lists the contexts that exist.</summary>
    public const string ContextNotFound = "KsUpgrade.ContextNotFound";
    /// <summary>The kubeconfig cannot be read (YAML errors with line and column).</summary>
    public const string KubeconfigInvalid = "KsUpgrade.KubeconfigInvalid";
    /// <summary>No kubeconfig file at the path given (or in $env:KUBECONFIG, ~/.kube/config).</summary>
    public const string KubeconfigNotFound = "KsUpgrade.KubeconfigNotFound";
    /// <summary>The API server did not answer within -RequestTimeout.</summary>
    public const string ClusterUnreachable = "KsUpgrade.ClusterUnreachable";
    /// <summary>The API server refused the credentials (401).</summary>
    public const string Unauthorized = "KsUpgrade.Unauthorized";
    /// <summary>The identity may not do what was asked (403).</summary>
    public const string Forbidden = "KsUpgrade.Forbidden";
    /// <summary>The server answered, but not as a Kubernetes API server.</summary>
    public const string NotKubernetes = "KsUpgrade.NotKubernetes";
    /// <summary>The kubeconfig user's exec credential plugin failed or printed no credential.</summary>
    public const string CredentialPluginFailed = "KsUpgrade.CredentialPluginFailed";
    /// <summary>-InCluster outside a pod (no service account token or KUBERNETES_SERVICE_HOST).</summary>
    public const string InClusterUnavailable = "KsUpgrade.InClusterUnavailable";
    /// <summary>Any other failure of an API request or a local write during a step (category says which).</summary>
    public const string ApiError = "KsUpgrade.ApiError";

    // Parameters, values, charts
    /// <summary>A parameter value is not acceptable (registry, tag, gateway name, role); found before anything runs.</summary>
    public const string ParameterInvalid = "KsUpgrade.ParameterInvalid";
    /// <summary>The values file is missing, not YAML, or holds a value the upgrade cannot use.</summary>
    public const string ValuesInvalid = "KsUpgrade.ValuesInvalid";
    /// <summary>No chart at the path or URL given.</summary>
    public const string ChartNotFound = "KsUpgrade.ChartNotFound";
    /// <summary>A chart archive or directory is malformed or unsafe (no Chart.yaml, broken archive, path traversal, checksum mismatch).</summary>
    public const string ChartInvalid = "KsUpgrade.ChartInvalid";
    /// <summary>
    /// The chart archive's SHA-256 is not the one -ChartSha256 expects (category SecurityError). The chart was not used:
    /// nothing was extracted for helm and nothing in the cluster changed.
    /// </summary>
    public const string ChartDigestMismatch = "KsUpgrade.ChartDigestMismatch";
    /// <summary>The chart cannot be rendered as the upgrade would render it, or renders kinds the cluster will not serve: nothing was changed.</summary>
    public const string ChartRenderFailed = "KsUpgrade.ChartRenderFailed";

    // Helm
    /// <summary>No helm binary on PATH or at -HelmPath.</summary>
    public const string HelmNotFound = "KsUpgrade.HelmNotFound";
    /// <summary>helm failed (its stderr, without credentials), or a --set key or value it would refuse.</summary>
    public const string HelmFailed = "KsUpgrade.HelmFailed";
    /// <summary>The helm binary is older than a feature needs (e.g. server-side dry run needs helm 3.13).</summary>
    public const string HelmVersionUnsupported = "KsUpgrade.HelmVersionUnsupported";
    /// <summary>helm did not finish within its process timeout.</summary>
    public const string HelmTimeout = "KsUpgrade.HelmTimeout";
    /// <summary>A helm release secret could not be decoded.</summary>
    public const string HelmReleaseInvalid = "KsUpgrade.HelmReleaseInvalid";
    /// <summary>helm upgrade of the ks-core release failed.</summary>
    public const string HelmUpgradeFailed = "KsUpgrade.HelmUpgradeFailed";
    /// <summary>The release is stuck in pending-* and the engine cannot prove the pending revision its own.</summary>
    public const string ReleasePending = "KsUpgrade.ReleasePending";

    // Upgrade
    /// <summary>The cluster is not the role the cmdlet upgrades (a member to Invoke-KsHostUpgrade, or the other way).</summary>
    public const string RoleMismatch = "KsUpgrade.RoleMismatch";
    /// <summary>The pre-flight checks failed (a piped report with a Failed check, or the Preflight step).</summary>
    public const string PreflightFailed = "KsUpgrade.PreflightFailed";
    /// <summary>The prepare-upgrade job failed or timed out.</summary>
    public const string PrepareJobFailed = "KsUpgrade.PrepareJobFailed";
    /// <summary>A ks-upgrade job logged `[Validator] ... skipping`: the phase did not run.</summary>
    public const string UpgradePhaseSkipped = "KsUpgrade.UpgradePhaseSkipped";
    /// <summary>The post-upgrade checks found problems.</summary>
    public const string PostCheckFailed = "KsUpgrade.PostCheckFailed";
    /// <summary>The journal of an earlier run was written with different parameters.</summary>
    public const string JournalMismatch = "KsUpgrade.JournalMismatch";
    /// <summary>A member upgrade while the given host is not on KubeSphere 4 yet.</summary>
    public const string HostNotUpgraded = "KsUpgrade.HostNotUpgraded";
    /// <summary>A member upgrade without -HostCluster (and without -SkipHostCheck): the host's version cannot be checked; a member's Undo without -HostCluster.</summary>
    public const string HostClusterRequired = "KsUpgrade.HostClusterRequired";

    // Undo
    /// <summary>Undo-KsUpgrade on a cluster with no upgrade journal (and no unfinished Undo): there is nothing to undo.</summary>
    public const string NothingToUndo = "KsUpgrade.NothingToUndo";
    /// <summary>Undo-KsUpgrade after Complete-KsUpgrade declared the upgrade final.</summary>
    public const string UpgradeCompleted = "KsUpgrade.UpgradeCompleted";
    /// <summary>Undo-KsUpgrade on a host whose members are already on KubeSphere 4: undo the members first (named).</summary>
    public const string MembersUpgraded = "KsUpgrade.MembersUpgraded";
    /// <summary>The backup is not intact, or was taken without what Undo needs (CRDs, webhooks, the release history).</summary>
    public const string BackupNotUsableForUndo = "KsUpgrade.BackupNotUsableForUndo";
    /// <summary>Complete-KsUpgrade on an upgrade that has not finished (or no upgrade journal).</summary>
    public const string UpgradeNotFinished = "KsUpgrade.UpgradeNotFinished";
    /// <summary>Undo-KsUpgrade -ProbeImages: a 3.4 image the backup's workloads run could not be pulled by the cluster; nothing was changed.</summary>
    public const string UndoImagesNotPullable = "KsUpgrade.UndoImagesNotPullable";
    /// <summary>Undo-KsUpgrade after Update-KsGateway converted gateways to KubeSphere 4 (named, with the evidence): Undo does not give them back; refused before any change.</summary>
    public const string GatewaysUpgraded = "KsUpgrade.GatewaysUpgraded";
    /// <summary>Undo-KsUpgrade: a kind of ks-core's manifests that helm rollback must build is served neither by the cluster nor by a definition the backup holds (named); refused before any change.</summary>
    public const string RollbackKindsNotServed = "KsUpgrade.RollbackKindsNotServed";

    // Backup
    /// <summary>The backup path is an existing file or a non-empty directory.</summary>
    public const string BackupPathNotEmpty = "KsUpgrade.BackupPathNotEmpty";
    /// <summary>Test-KsBackup: the path is not a folder.</summary>
    public const string BackupNotFound = "KsUpgrade.BackupNotFound";

    // Members
    /// <summary>No member cluster of that name on the host.</summary>
    public const string MemberNotFound = "KsUpgrade.MemberNotFound";
    /// <summary>Get-KsMemberCluster (or -All, -HostCluster) on a cluster that is not a KubeSphere multicluster host: it has no cluster list.</summary>
    public const string NotHostCluster = "KsUpgrade.NotHostCluster";
    /// <summary>Remove-KsMemberTaint without a member name (-Name or a piped member).</summary>
    public const string MemberNameRequired = "KsUpgrade.MemberNameRequired";
    /// <summary>Remove-KsMemberTaint was asked to act on the host's own Cluster object.</summary>
    public const string HostClusterRefused = "KsUpgrade.HostClusterRefused";
    /// <summary>The Schedulable condition kept moving: every guarded patch failed its test.</summary>
    public const string TaintConflict = "KsUpgrade.TaintConflict";
    /// <summary>The patch was accepted but the condition is still there afterwards.</summary>
    public const string TaintNotRemoved = "KsUpgrade.TaintNotRemoved";
    /// <summary>Remove-KsMemberTaint on a member that does not run KubeSphere 4 yet (by its own ks-core release, else the host's view); -Force overrides.</summary>
    public const string MemberNotUpgraded = "KsUpgrade.MemberNotUpgraded";

    // Gateways
    /// <summary>No gateway of that name (release Secrets) on the cluster.</summary>
    public const string GatewayNotFound = "KsUpgrade.GatewayNotFound";
    /// <summary>Update-KsGateway without a gateway name (-Name or a piped gateway).</summary>
    public const string GatewayNameRequired = "KsUpgrade.GatewayNameRequired";
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
    public const string GatewayMemberNotSchedulable = "KsUpgrade.GatewayMemberNotSchedulable";
    /// <summary>A member's gateways need -HostCluster (the Schedulable condition and the InstallPlan live on the host).</summary>
    public const string GatewayHostClusterRequired = "KsUpgrade.GatewayHostClusterRequired";
    /// <summary>A workspace gateway: ks-upgrade v4.1.3 would uninstall its controller and then fail (no namespace named after it).</summary>
    public const string GatewayWorkspaceUnsupported = "KsUpgrade.GatewayWorkspaceUnsupported";
    /// <summary>The dynamic-upgrade job failed or timed out.</summary>
    public const string GatewayUpgradeFailed = "KsUpgrade.GatewayUpgradeFailed";
    /// <summary>The job completed but the cluster does not show the v4 gateway (v2 Gateway, v4 release, controller, IngressClass).</summary>
    public const string GatewayNotVerified = "KsUpgrade.GatewayNotVerified";
    /// <summary>-RepointIngressClass could not point an Ingress at the gateway's IngressClass (its patch kept conflicting or failed).</summary>
    public const string IngressRepointFailed = "KsUpgrade.IngressRepointFailed";
    /// <summary>Remove-KsLegacyGateway while gateways are still on v3.</summary>
    public const string LegacyGatewaysRemain = "KsUpgrade.LegacyGatewaysRemain";
    /// <summary>Finalizers or the legacy CRD could not be removed.</summary>
    public const string LegacyCleanupFailed = "KsUpgrade.LegacyCleanupFailed";

    // Invoke-KsUpgrade (the fleet)
    /// <summary>Invoke-KsUpgrade: a pre-flight check failed on some cluster of the fleet (not waived by -IgnoreCheck); nothing was changed anywhere.</summary>
    public const string FleetPreflightFailed = "KsUpgrade.FleetPreflightFailed";
    /// <summary>Invoke-KsUpgrade: the fleet journal on the host was written by a run with different parameters (named).</summary>
    public const string FleetJournalMismatch = "KsUpgrade.FleetJournalMismatch";
    /// <summary>Invoke-KsUpgrade: the host's upgrade did not succeed, so no member was started.</summary>
    public const string FleetHostFailed = "KsUpgrade.FleetHostFailed";

    // Sandbox and the session
    /// <summary>The sandbox could not start or stop.</summary>
    public const string SandboxFailed = "KsUpgrade.SandboxFailed";
    /// <summary>Start-KsSandbox -Scale with an unknown key or a value out of range.</summary>
    public const string SandboxScaleInvalid = "KsUpgrade.SandboxScaleInvalid";
    /// <summary>The run was stopped (Ctrl+C, Select-Object -First); what was done is journaled.</summary>
    public const string Stopped = "KsUpgrade.Stopped";
    /// <summary>-IgnoreCheck or -ExcludeCheck names a check Id that does not exist (or 'all', which is not accepted).</summary>
    public const string CheckIdUnknown = "KsUpgrade.CheckIdUnknown";
    /// <summary>-IgnoreCheck names a check that is never waived (ChartRenders, the render proof; HelmVersion, the helm the upgrade runs).</summary>
    public const string CheckNotWaivable = "KsUpgrade.CheckNotWaivable";
    /// <summary>A piped pre-flight report did not run every check (Test-KsCluster -ExcludeCheck): it cannot stand for the upgrade's pre-flight.</summary>
    public const string ReportIncomplete = "KsUpgrade.ReportIncomplete";
}
