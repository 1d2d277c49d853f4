using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Connection;

/// <summary>Reads which KubeSphere a cluster runs and its multicluster role.</summary>
public static class ClusterIdentity
{
    /// <summary>
    /// v3: the ks-installer ClusterConfiguration (label version, spec.multicluster.clusterRole);
    /// v4: the ks-core helm release (app version, values multicluster.role). Missing permissions or kinds leave the fields unknown.
    /// </summary>
    public static async Task FillAsync(KsCluster cluster, IKubeApi api, CancellationToken ct)
    {
        // both reads at once: they do not depend on each other
        var ccRead = TryGetInstallerConfigAsync(api, ct);
        var releaseRead = KsCoreRelease.TryReadLatestAsync(api, ct);
        await Task.WhenAll(ccRead, releaseRead).ConfigureAwait(false);
        var cc = await ccRead.ConfigureAwait(false);
        if (cc is not null)
        {
            if (cc.Label("version") is { } v)
                cluster.KubeSphereVersion = v;
            cluster.Role = ParseRole(cc.Str("spec", "multicluster", "clusterRole"));
        }
        // A v3.4 cluster also carries a ks-core release (installed by ks-installer, with a v3 app version):
        // only a v4 app version makes the release the source of truth.
        var release = await releaseRead.ConfigureAwait(false);
        if (release is not null && IsV4(release.AppVersion) && (release.Status == "deployed" || cluster.KubeSphereVersion is null))
        {
            cluster.KubeSphereVersion = release.AppVersion;
            if (release.MulticlusterRole is { } role) cluster.Role = ParseRole(role);
            else if (cluster.Role == KsClusterRole.Unknown) cluster.Role = KsClusterRole.None;
        }
    }

    private static bool IsV4(string? version)
    {
        var v = version?.TrimStart('v', 'V');
        var dot = v?.IndexOf('.') ?? -1;
        return v is not null && int.TryParse(dot < 0 ? v : v[..dot], out var major) && major >= 4;
    }

    public static KsClusterRole ParseRole(string? role) => role?.Trim().ToLowerInvariant() switch
    {
        "host" => KsClusterRole.Host,
        "member" => KsClusterRole.Member,
        "none" or "" => KsClusterRole.None,
        null => KsClusterRole.Unknown,
        _ => KsClusterRole.Unknown,
    };

    /// <summary>The ks-installer ClusterConfiguration, or null when the kind is not served, the object is missing or reading it is forbidden.</summary>
    public static async Task<JsonObject?> TryGetInstallerConfigAsync(IKubeApi api, CancellationToken ct)
    {
        try
        {
            return await api.GetAsync(ResourceKind.ClusterConfigurations, KsNames.KubeSphereSystem, KsNames.InstallerCcName, ct).ConfigureAwait(false);
        }
        catch (KsUpgradeException e) when (e.ErrorId == ErrorIds.Forbidden || ApiErrors.IsNotFound(e))
        {
            return null;
        }
    }
}
