using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;

namespace KsUpgrade.Engine.Connection;

/// <summary>Reads which KubeSphere a cluster runs and its multicluster role.</summary>
public static class ClusterIdentity
{
    /// <summary>
    /// v3: the ks-installer ClusterConfiguration (label version, spec.multicluster.clusterRole);
    /// v4: the ks-core helm release (app version, values multicluster.role). Missing permissions or kinds leave the fields unknown.
    /// </summary>
    public static async Task FillAsync(KsCluster cluster, IKubernetes client, CancellationToken ct)
    {
        // both reads at once: they do not depend on each other
        var ccRead = TryGetInstallerConfigAsync(client, ct);
        var releaseRead = KsCoreRelease.TryReadLatestAsync(client, ct);
        await Task.WhenAll(ccRead, releaseRead).ConfigureAwait(false);
        var cc = await ccRead.ConfigureAwait(false);
        if (cc is JsonElement c)
        {
            if (c.TryGetProperty("metadata", out var md) && md.TryGetProperty("labels", out var labels) && labels.TryGetProperty("version", out var v))
                cluster.KubeSphereVersion = v.GetString();
            cluster.Role = ParseRole(Path(c, "spec", "multicluster", "clusterRole"));
        }
        // A v3.4 cluster also carries a ks-core release (installed by ks-installer, with a v3 app version):
        // only a v4 app version makes the release the source of truth.
        var release = await releaseRead.ConfigureAwait(false);
        if (release is not null && IsV4(release.AppVersion) && (release.Status == "deployed" || cluster.KubeSphereVersion is null))
        {
            cluster.KubeSphereVersion = release.AppVersion;
            if (release.Role is not null) cluster.Role = ParseRole(release.Role);
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
    public static async Task<JsonElement?> TryGetInstallerConfigAsync(IKubernetes client, CancellationToken ct)
    {
        try
        {
            var obj = await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(
                "installer.kubesphere.io", "v1alpha1", KsNames.KubeSphereSystem, "clusterconfigurations", KsNames.InstallerCcName, cancellationToken: ct).ConfigureAwait(false);
            return obj;
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            return null;
        }
    }

    internal static string? Path(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return null;
        }
        return e.ValueKind == JsonValueKind.String ? e.GetString() : e.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? null : e.ToString();
    }
}
