namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>KubeSphere (cc label `version`) ≥ v3.4.0 and &lt; v4 (pre-check.sh parity, plus: already upgraded says so).</summary>
public sealed class KubeSphereVersionCheck : ClusterCheck
{
    public static readonly LooseVersion Minimum = new(3, 4, 0);

    public override string Id => "KubeSphereVersion";
    public override string Title => "KubeSphere is v3.4.x";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var deployed = await ctx.LastDeployedKsCoreAsync().ConfigureAwait(false);
        if (deployed is not null && LooseVersion.TryParse(deployed.AppVersion, out var app) && app.Major >= 4)
            return Failed($"Already upgraded: release ks-core revision {deployed.Revision} is deployed with appVersion {deployed.AppVersion} (chart {deployed.ChartVersion}).",
                "Nothing to upgrade from v3; run Test-KsCluster -Phase PostUpgrade to verify the v4 cluster.", deployed);

        var cc = await ctx.ClusterConfiguration.ConfigureAwait(false);
        if (!cc.IsOk || cc.Value is null)
            return Skipped("No ClusterConfiguration to read the version from (see ClusterConfiguration).");
        var label = cc.Value.Version;
        if (!LooseVersion.TryParse(label, out var v))
            return Failed($"cc ks-installer has no readable version label ('{label ?? "missing"}').",
                "The label metadata.labels.version of cc ks-installer should say v3.4.x; check the installation.");
        if (v >= new LooseVersion(4, 0, 0))
            return Failed($"cc ks-installer says {label}: the cluster is already on KubeSphere v4.",
                "Run Test-KsCluster -Phase PostUpgrade to verify the v4 cluster.", label!);
        if (v < Minimum)
            return Failed($"KubeSphere {label} is older than {Minimum}; it can't be upgraded to v4.1.3 directly.",
                "Upgrade to KubeSphere v3.4.x first (ks-installer), then run Test-KsCluster again.", label!);
        return Passed($"KubeSphere {label}.");
    }
}
