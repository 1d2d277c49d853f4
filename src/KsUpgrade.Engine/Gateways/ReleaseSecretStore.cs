using k8s;
using k8s.Models;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Gateways;

/// <summary>Gateway releases read natively from helm's release Secrets, through the helm layer's reader.</summary>
public sealed class ReleaseSecretStore : IGatewayReleaseStore
{
    public static readonly ReleaseSecretStore Instance = new();

    public async Task<IReadOnlyList<KsGatewayRelease>> ListLatestAsync(IKubernetes client, string namePrefix, CancellationToken ct)
    {
        var releases = await HelmReleaseReader.ListAsync(client, null, namePrefix, cancellationToken: ct).ConfigureAwait(false);
        return releases.Select(ToGatewayRelease)
            .OrderBy(r => r.Namespace, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<KsGatewayRelease>> HistoryAsync(IKubernetes client, string release, string @namespace, CancellationToken ct)
    {
        var history = await HelmReleaseReader.HistoryAsync(client, release, @namespace, ct).ConfigureAwait(false);
        return history.Select(ToGatewayRelease).OrderBy(r => r.Revision).ToList();
    }

    internal static KsGatewayRelease Decode(V1Secret secret) => ToGatewayRelease(HelmReleaseDecoder.DecodeSecret(secret));

    private static KsGatewayRelease ToGatewayRelease(HelmRelease r) => new()
    {
        Name = r.Name,
        Namespace = r.Namespace,
        Revision = r.Revision,
        Status = r.Status,
        ChartName = r.ChartName,
        ChartVersion = r.ChartVersion,
        AppVersion = r.AppVersion,
    };
}
