namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>The ClusterConfiguration kind is served and `cc ks-installer` exists in kubesphere-system (pre-check.sh parity).</summary>
public sealed class ClusterConfigurationCheck : ClusterCheck
{
    public override string Id => "ClusterConfiguration";
    public override string Title => "ClusterConfiguration ks-installer exists";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var cc = await ctx.ClusterConfiguration.ConfigureAwait(false);
        if (cc.Failure == ClusterReadFailure.NotServed)
            return Failed("ClusterConfiguration not served: clusterconfigurations.installer.kubesphere.io does not exist, so this is not a KubeSphere 3.x cluster installed by ks-installer; it can't be upgraded this way.",
                "Connect to a KubeSphere 3.4 cluster (check the kubeconfig context).");
        if (!cc.IsOk)
            return CannotRead(cc);
        if (cc.Value is null)
            return Failed("ClusterConfiguration kubesphere-system/ks-installer does not exist; the cluster can't be upgraded.",
                "Restore cc ks-installer (kubectl -n kubesphere-system get cc ks-installer) from your KubeSphere 3.4 installation before upgrading.");
        return Passed($"cc ks-installer found (version label {cc.Value.Version ?? "missing"}).");
    }
}
