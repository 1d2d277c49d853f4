using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade.Steps;

namespace KsUpgrade.Engine.Upgrade.Wiring;

/// <summary>
/// Test-KsCluster -Chart's ChartRenders: the upgrade's render proof (<see cref="ChartRenderProof"/>) with the upgrade's
/// parameters for this cluster's role (the upgrade's own, or its defaults with the image settings Test-KsCluster was
/// given, e.g. -ImageRegistry), so Test-KsCluster and the upgrade reach the same verdict and render the same images.
/// </summary>
public static class ChartRenderer
{
    /// <param name="upgrade">The upgrade's own parameters (tag, registries: its --sets) when known, as Invoke-KsUpgrade's pre-flight has them; null: the defaults.</param>
    public static Func<string, CancellationToken, Task<ChartRenderFindings>> For(KsCluster cluster, string valuesPath, string? helmPath,
        UpgradeParameters? upgrade = null) =>
        async (chartPath, ct) =>
        {
            var p = (upgrade ?? new UpgradeParameters()) with
            {
                Role = cluster.Role == KsClusterRole.Member ? KsClusterRole.Member : KsClusterRole.Host,
                ValuesPath = valuesPath,
                Chart = chartPath,
            };
            var api = KubeApi.For(cluster);
            var chart = await new LocalChartReader().ReadAsync(chartPath, ct).ConfigureAwait(false);
            var cc = await api.GetAsync(ResourceKind.ClusterConfigurations, KsNames.KubeSphereSystem, KsNames.InstallerCcName, ct).ConfigureAwait(false);
            var (ha, redisHa) = RedisFlagsStep.Read(cc);
            var proof = await ChartRenderProof.RunAsync(api, HelmClientUpgradeHelm.For(cluster, helmPath), chart, p, ha, redisHa, ct).ConfigureAwait(false);
            return proof.Findings;
        };
}
