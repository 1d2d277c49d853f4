using KsUpgrade.Engine.Checks.PostUpgrade;
using KsUpgrade.Engine.Checks.Preflight;

namespace KsUpgrade.Engine.Checks;

/// <summary>Every check, in report order (the table in docs/checks.md).</summary>
public static class CheckCatalog
{
    public static IReadOnlyList<IClusterCheck> All { get; } = new IClusterCheck[]
    {
        new ChartAvailableCheck(),
        new UpgradeInProgressCheck(),
        new NodesReadyCheck(),
        new DefaultStorageClassCheck(),
        new KubernetesVersionCheck(),
        new KubernetesVersionSupportedCheck(),
        new HelmVersionCheck(),
        new ClusterConfigurationCheck(),
        new KubeSphereVersionCheck(),
        new KsInstallerIdleCheck(),
        new KsCoreReleaseNotPendingCheck(),
        new ClusterRoleCheck(),
        new EtcdEndpointsCheck(),
        new UpgradePvcBindableCheck(),
        new ValuesFileCheck(),
        new SystemPodsHealthyCheck(),
        new MembersReadyCheck(),
        new WebhookServiceRefsCheck(),
        new KubeSphereServiceAccountTokenCheck(),
        new JwtSecretConsistentCheck(),
        new MemberExtensionChartsCheck(),
        new UpgradeJobsMatchComponentsCheck(),
        new HelmTimeoutSufficientCheck(),
        new ImagesPullableCheck(),
        new ChartRendersCheck(),
        new ChartAdoptionCheck(),
        new KsCoreReleaseDeployedCheck(),
        new SystemPodsRunningCheck(),
        new KsCoreDeploymentsAvailableCheck(),
        new MembersSchedulableCheck(),
        new GatewaysUpgradedCheck(),
        new IngressClassesExistCheck(),
        new KsCoreImagesMatchTargetCheck(),
        new ExtensionsMuseumSyncedCheck(),
        new InstallPlansInstalledCheck(),
        new LegacyWebhooksRemovedCheck(),
    };

    public static IEnumerable<IClusterCheck> For(KsCheckPhase phase) => All.Where(c => c.Phases.Contains(phase));
}
