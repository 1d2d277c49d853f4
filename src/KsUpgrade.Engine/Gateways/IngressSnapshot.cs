using k8s;
using k8s.Models;

namespace KsUpgrade.Engine.Gateways;

/// <summary>The Ingresses of a cluster by uid and class, to tell which ones a gateway upgrade created or re-classed.</summary>
internal static class IngressSnapshot
{
    public static async Task<IReadOnlyDictionary<string, (string Name, string? Class)>> TakeAsync(IKubernetes client, CancellationToken ct)
    {
        var list = await client.NetworkingV1.ListIngressForAllNamespacesAsync(cancellationToken: ct).ConfigureAwait(false);
        var map = new Dictionary<string, (string, string?)>(StringComparer.Ordinal);
        foreach (var i in list.Items ?? new List<V1Ingress>())
            map[i.Metadata.Uid ?? $"{i.Metadata.NamespaceProperty}/{i.Metadata.Name}"] = ($"{i.Metadata.NamespaceProperty}/{i.Metadata.Name}", i.Spec?.IngressClassName);
        return map;
    }

    /// <summary>namespace/name of Ingresses that are new, or whose ingressClassName changed, ordered.</summary>
    public static IReadOnlyList<string> Changed(IReadOnlyDictionary<string, (string Name, string? Class)> before, IReadOnlyDictionary<string, (string Name, string? Class)> after) =>
        after.Where(a => !before.TryGetValue(a.Key, out var b) || (b.Class != a.Value.Class && a.Value.Class is not null))
            .Select(a => a.Value.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
}
