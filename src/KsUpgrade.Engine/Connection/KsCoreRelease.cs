using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Connection;

/// <summary>The ks-core release that identifies a KubeSphere 4 cluster, read by the one release reader.</summary>
public static class KsCoreRelease
{
    /// <summary>The latest ks-core revision; null when there is none, or reading secrets is forbidden or not served.</summary>
    public static async Task<HelmRelease?> TryReadLatestAsync(IKubeApi api, CancellationToken ct)
    {
        try
        {
            return await HelmReleaseReader.LatestAsync(api, KsNames.KubeSphereSystem, KsNames.KsCoreRelease, ct).ConfigureAwait(false);
        }
        catch (KsUpgradeException e) when (e.ErrorId == ErrorIds.Forbidden || ApiErrors.IsNotFound(e))
        {
            return null;
        }
    }
}
