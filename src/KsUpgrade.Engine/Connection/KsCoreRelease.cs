using k8s;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Connection;

/// <summary>The facts of the ks-core release that identify a KubeSphere 4 cluster.</summary>
public sealed record KsCoreReleaseInfo(int Revision, string Status, string? ChartVersion, string? AppVersion, string? Role);

/// <summary>Reads the latest ks-core release natively from its helm release secrets (through the helm layer's reader).</summary>
public static class KsCoreRelease
{
    /// <summary>Null when there is no ks-core release, or reading secrets is forbidden, or the release cannot be decoded.</summary>
    public static async Task<KsCoreReleaseInfo?> TryReadLatestAsync(IKubernetes client, CancellationToken ct)
    {
        HelmRelease? release;
        try
        {
            release = await HelmReleaseReader.LatestAsync(client, KsNames.KsCoreRelease, KsNames.KubeSphereSystem, ct).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response?.StatusCode is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (KsUpgradeException)
        {
            return null;
        }
        if (release is null) return null;
        var role = release.Config["multicluster"]?["role"]?.GetValue<object>()?.ToString();
        return new KsCoreReleaseInfo(release.Revision, release.Status,
            string.IsNullOrEmpty(release.ChartVersion) ? null : release.ChartVersion,
            string.IsNullOrEmpty(release.AppVersion) ? null : release.AppVersion, role);
    }
}
