using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Gateways;

/// <summary>The Ingresses of a cluster by uid and class, to tell which ones a gateway upgrade created or re-classed.</summary>
internal static class IngressSnapshot
{
    public static async Task<IReadOnlyDictionary<string, (string Name, string? Class)>> TakeAsync(IKubeApi api, CancellationToken ct)
    {
        var map = new Dictionary<string, (string, string?)>(StringComparer.Ordinal);
        await foreach (var page in api.PagesAsync(ResourceKind.Ingresses, null, null, ct).ConfigureAwait(false))
            foreach (var i in page.Items)
            {
                var name = $"{i.Namespace()}/{i.Name()}";
                map[i.Str("metadata", "uid") ?? name] = (name, i.Str("spec", "ingressClassName"));
            }
        return map;
    }

    /// <summary>namespace/name of Ingresses that are new, or whose ingressClassName changed, ordered.</summary>
    public static IReadOnlyList<string> Changed(IReadOnlyDictionary<string, (string Name, string? Class)> before, IReadOnlyDictionary<string, (string Name, string? Class)> after) =>
        after.Where(a => !before.TryGetValue(a.Key, out var b) || (b.Class != a.Value.Class && a.Value.Class is not null))
            .Select(a => a.Value.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
}
