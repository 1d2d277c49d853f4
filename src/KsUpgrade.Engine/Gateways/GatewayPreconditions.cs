using System.Text.Json.Nodes;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Members;

namespace KsUpgrade.Engine.Gateways;

/// <summary>
/// What must hold before any gateway of a cluster is touched, in this order, each with its own ErrorId and a remedy
/// naming the next command: the cluster's ks-core release is on v4; PVC ks-upgrade (the gateway backup) exists; the
/// gateway extension is installed for the cluster (InstallPlan gateway on the host; on a member, the extension chart the
/// host synced and the host's InstallPlan); on a member, its Cluster object on the host has no Schedulable condition
/// (KubeSphere schedules no extension agent, so no gateway controller, onto it before). Read-only.
/// </summary>
public static class GatewayPreconditions
{
    public const string InstallPlanGroup = "kubesphere.io";
    public const string InstallPlanVersion = "v1alpha1";
    public const string InstallPlanName = "gateway";
    private static readonly ResourceKind InstallPlans = new(InstallPlanGroup, InstallPlanVersion, "installplans", "InstallPlan", false);

    public static async Task CheckAsync(KsCluster cluster, GatewayUpgradeOptions options, IEngineLog log, CancellationToken ct)
    {
        var api = KubeApi.For(cluster, log.Verbose);
        await CoreOnV4Async(cluster, api, ct).ConfigureAwait(false);
        await PvcAsync(cluster, api, options, ct).ConfigureAwait(false);
        var role = await RoleAsync(cluster, api, ct).ConfigureAwait(false);
        if (role != KsClusterRole.Member)
        {
            if (!await InstallPlanAsync(api, ct).ConfigureAwait(false))
                throw new KsUpgradeException(ErrorIds.GatewayExtensionMissing, KsErrorCategory.NotInstalled,
                    $"The gateway extension is not installed on '{cluster.Context}': no InstallPlan {InstallPlanName} ({InstallPlanGroup}/{InstallPlanVersion}). Its controller installs the v4 gateway the dynamic-upgrade job asks for; without it the job would uninstall the old controller and nothing would replace it.",
                    cluster.Context)
                { Remedy = "Upgrade the host with the gateway job enabled (jobs.gateway.enabled in the values of Invoke-KsHostUpgrade creates InstallPlan gateway), or install the Gateway extension from the KubeSphere console's Extensions Center; then run Update-KsGateway again." };
            return;
        }

        var charts = await api.ListAllAsync(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, null, ct).ConfigureAwait(false);
        if (!charts.Any(c => c.Name().StartsWith("extension-gateway-", StringComparison.Ordinal) && c.Name().EndsWith("-chart", StringComparison.Ordinal)))
            throw new KsUpgradeException(ErrorIds.GatewayExtensionMissing, KsErrorCategory.NotInstalled,
                $"The gateway extension's chart is not on member '{cluster.Context}' (no ConfigMap {KsNames.KubeSphereSystem}/extension-gateway-<version>-chart): the host's gateway job syncs it to every member.",
                cluster.Context)
            { Remedy = "Upgrade the host first with the gateway job enabled (Invoke-KsHostUpgrade), then this member (Invoke-KsMemberUpgrade -HostCluster), then run Update-KsGateway -HostCluster again." };
        var host = options.HostCluster
                   ?? throw new KsUpgradeException(ErrorIds.GatewayHostClusterRequired, KsErrorCategory.InvalidArgument,
                       $"'{cluster.Context}' is a member cluster: its gateways are upgraded by the gateway extension's agent, which the host schedules onto it only when its Cluster object there has no Schedulable condition. Pass the host (-HostCluster) so that can be checked.",
                       cluster.Context)
                   { Remedy = "Update-KsGateway -Cluster <member> -HostCluster (Connect-KsCluster -Context <host>) [-MemberName <name on the host>]" };
        var memberName = options.MemberName ?? cluster.Context;
        if (!await InstallPlanAsync(KubeApi.For(host, log.Verbose), ct).ConfigureAwait(false))
            throw new KsUpgradeException(ErrorIds.GatewayExtensionMissing, KsErrorCategory.NotInstalled,
                $"The gateway extension is not installed on the host '{host.Context}' (no InstallPlan {InstallPlanName}), so no agent runs on member '{memberName}'.",
                host.Context)
            { Remedy = "Install the Gateway extension on the host (its InstallPlan places it on every cluster), then run Update-KsGateway again." };
        var member = (await MemberClusters.ListAsync(host, memberName, log, ct).ConfigureAwait(false)).Single();
        if (member.Tainted)
            throw new KsUpgradeException(ErrorIds.GatewayMemberNotSchedulable, KsErrorCategory.InvalidOperation,
                $"Member '{memberName}' is still tainted on the host '{host.Context}' (its Schedulable condition, set while the host was upgraded, is present): the gateway extension's agent is not scheduled onto it, so nothing would install the v4 gateway the job asks for.",
                memberName)
            { Remedy = $"After the member is upgraded (Invoke-KsMemberUpgrade), remove the condition: Remove-KsMemberTaint -Cluster <host> -Name {memberName} (Invoke-KsMemberUpgrade -HostCluster does it itself); then run Update-KsGateway again." };
    }

    private static async Task CoreOnV4Async(KsCluster cluster, IKubeApi api, CancellationToken ct)
    {
        var core = await KsCoreRelease.TryReadLatestAsync(api, ct).ConfigureAwait(false);
        if (string.IsNullOrEmpty(core?.AppVersion) || !core.AppVersion.StartsWith("v4.", StringComparison.OrdinalIgnoreCase))
            throw new KsUpgradeException(ErrorIds.ClusterNotUpgraded, KsErrorCategory.InvalidOperation,
                $"The ks-core release of '{cluster.Context}' is {(core is null ? "missing" : $"on appVersion {(string.IsNullOrEmpty(core.AppVersion) ? "?" : core.AppVersion)} (revision {core.Revision}, {core.Status})")}: gateways are upgraded only after the cluster is on KubeSphere 4.",
                cluster.Context)
            { Remedy = "Upgrade this cluster first: Invoke-KsHostUpgrade (the host) / Invoke-KsMemberUpgrade -HostCluster (a member, after its host); then run Update-KsGateway." };
    }

    private static async Task PvcAsync(KsCluster cluster, IKubeApi api, GatewayUpgradeOptions options, CancellationToken ct)
    {
        if (await api.GetAsync(ResourceKind.PersistentVolumeClaims, KsNames.KubeSphereSystem, options.PersistenceVolumeName, ct).ConfigureAwait(false) is null)
            throw new KsUpgradeException(ErrorIds.UpgradePvcMissing, KsErrorCategory.ResourceUnavailable,
                $"PVC {KsNames.KubeSphereSystem}/{options.PersistenceVolumeName} is missing on '{cluster.Context}': it holds the gateway backup the dynamic upgrade converts.",
                options.PersistenceVolumeName)
            { Remedy = "The gateway backup is written by the gateway job of the cluster upgrade (jobs.gateway.enabled) into this PVC; without it the gateways cannot be converted. Restore the PVC, or re-create the gateways on v4 by hand." };
    }

    /// <summary>multicluster.clusterRole of ConfigMap kubesphere-system/kubesphere-config (the connection's role when it does not exist).</summary>
    private static async Task<KsClusterRole> RoleAsync(KsCluster cluster, IKubeApi api, CancellationToken ct)
    {
        var cm = await api.GetAsync(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, KsNames.KubeSphereConfig, ct).ConfigureAwait(false);
        if (cm is null) return cluster.Role;
        var data = (cm["data"] as JsonObject)?.Where(kv => kv.Value is JsonValue).ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());
        return KubeSphereConfigFile.Role(data);
    }

    /// <summary>InstallPlan gateway exists and is not disabled (404, also when the kind is not served: false).</summary>
    private static async Task<bool> InstallPlanAsync(IKubeApi api, CancellationToken ct)
    {
        var plan = await api.GetAsync(InstallPlans, null, InstallPlanName, ct).ConfigureAwait(false);
        return plan is not null && (plan["spec"]?["enabled"] is not JsonValue v || !v.TryGetValue<bool>(out var enabled) || enabled);
    }
}
