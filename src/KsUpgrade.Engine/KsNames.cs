namespace KsUpgrade.Engine;

/// <summary>
/// The names of KubeSphere's namespaces, releases and objects, in one place for the whole engine (checks, upgrade,
/// journal, gateways, connection): upgrade-reference.md §1, §7.
/// </summary>
public static class KsNames
{
    public const string KubeSphereSystem = "kubesphere-system";
    public const string KubeSystem = "kube-system";
    public const string ControlsSystem = "kubesphere-controls-system";
    public const string KsCoreRelease = "ks-core";
    public const string InstallerCcName = "ks-installer";
    public const string KubeSphereConfig = "kubesphere-config";
    public const string EtcdEndpoints = "etcd";
    public const string SystemWorkspaceSelector = "kubesphere.io/workspace=system-workspace";
    public const string HostClusterLabel = "cluster-role.kubesphere.io/host";
    public const string DefaultClassAnnotation = "storageclass.kubernetes.io/is-default-class";
    public const string BetaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class";
    public const string WelcomeLine = "Welcome to KubeSphere!";
    public const string GatewayReleasePrefix = "kubesphere-router";
    public static readonly string[] InstallerAppLabels = { "ks-install", "ks-installer" };
    public const string DefaultUpgradePvc = "ks-upgrade";
    public const string ExtensionsMuseum = "extensions-museum";
    public const string ControllerManager = "ks-controller-manager";
}
