using k8s;

namespace KsUpgrade.Engine.Gateways;

/// <summary>Reads helm releases natively from their storage Secrets (what the gateway code needs of them).</summary>
public interface IGatewayReleaseStore
{
    /// <summary>The latest revision of every release (any status) whose name starts with <paramref name="namePrefix"/>, in all namespaces.</summary>
    Task<IReadOnlyList<KsGatewayRelease>> ListLatestAsync(IKubernetes client, string namePrefix, CancellationToken ct);

    /// <summary>Every stored revision of one release, oldest first.</summary>
    Task<IReadOnlyList<KsGatewayRelease>> HistoryAsync(IKubernetes client, string release, string @namespace, CancellationToken ct);
}
