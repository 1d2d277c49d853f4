using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade.Steps;

namespace KsUpgrade.Engine.Upgrade.Wiring;

/// <summary>
/// Test-KsCluster -Chart's ChartRenders: the upgrade's render proof (<see cref="ChartRenderProof"/>) with the upgrade's
/// default parameters for this cluster's role (and the image settings given, e.g. Test-KsCluster -ImageRegistry), so
/// Test-KsCluster and the upgrade reach the same verdict and render the same images.
/// </summary>
public static class ChartRenderer
{
    public static Func<string, CancellationToken, Task<ChartRenderFindings>> For(KsCluster cluster, string valuesPath, string? helmPath,
        Helm.KsCoreImageSettings? images = null) =>
        async (chartPath, ct) =>
        {
            var p = new UpgradeParameters
            {
                Role = cluster.Role == KsClusterRole.Member ? KsClusterRole.Member : KsClusterRole.Host,
                ValuesPath = valuesPath,
                Chart = chartPath,
            };
            if (images is not null)
                p = p with
                {
                    Tag = images.Tag, ImageRegistry = images.ImageRegistry, UpgradeImageTag = images.UpgradeImageTag,
                    ExtensionImageRegistry = images.ExtensionImageRegistry, ExtensionVersion = images.ExtensionVersion,
                };
            var api = KubeApi.For(cluster);
            var chart = await new LocalChartReader().ReadAsync(chartPath, ct).ConfigureAwait(false);
            var cc = await api.GetAsync(ResourceKind.ClusterConfigurations, KsNames.KubeSphereSystem, KsNames.InstallerCcName, ct).ConfigureAwait(false);
            var (ha, redisHa) = RedisFlagsStep.Read(cc);
            var proof = await ChartRenderProof.RunAsync(api, HelmClientUpgradeHelm.For(cluster, helmPath), chart, p, ha, redisHa, ct).ConfigureAwait(false);
            return proof.Findings;
        };
}
