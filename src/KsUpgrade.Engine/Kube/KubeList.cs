using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Kube;

public static class KubeList
{
    public const int PageSize = 500;

    /// <summary>Every page of a LIST, fetched one after another (limit + continue): never the whole list in memory.</summary>
    public static async IAsyncEnumerable<KubePage> PagesAsync(this IKubeApi api, ResourceKind kind, string? ns, string? labelSelector,
        [EnumeratorCancellation] CancellationToken ct, int pageSize = PageSize)
    {
        string? token = null;
        do
        {
            var page = await api.ListPageAsync(kind, ns, labelSelector, pageSize, token, ct).ConfigureAwait(false);
            yield return page;
            token = page.Continue;
        } while (token is not null);
    }

    /// <summary>All items of a small LIST (for bounded lists: pods of a job, PVCs with a label).</summary>
    public static async Task<List<JsonObject>> ListAllAsync(this IKubeApi api, ResourceKind kind, string? ns, string? labelSelector, CancellationToken ct)
    {
        var all = new List<JsonObject>();
        await foreach (var page in api.PagesAsync(kind, ns, labelSelector, ct).ConfigureAwait(false)) all.AddRange(page.Items);
        return all;
    }

    /// <summary>The served kind of a group by plural (e.g. "iam.kubesphere.io", "users"), or null when not served.</summary>
    public static async Task<ResourceKind?> FindByPluralAsync(this IKubeApi api, string group, string plural, CancellationToken ct) =>
        (await api.DiscoverAsync(group, ct).ConfigureAwait(false)).FirstOrDefault(k => k.Plural == plural);

    /// <summary>The kind of a manifest object (built-in table first, then discovery), or null when not served.</summary>
    public static async Task<ResourceKind?> KindOfAsync(this IKubeApi api, string apiVersion, string kind, CancellationToken ct)
    {
        var (group, version) = ResourceKind.SplitApiVersion(apiVersion);
        var builtIn = ResourceKind.BuiltIn.FirstOrDefault(k => k.Group == group && k.Version == version && k.Kind == kind);
        if (builtIn is not null) return builtIn;
        // exactly that version: a CRD that serves GlobalRole at v1alpha2 does not serve it at v1beta1
        return (await api.DiscoverAsync(group, ct).ConfigureAwait(false)).FirstOrDefault(k => k.Kind == kind && k.Version == version);
    }
}
