using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Checks;

/// <summary>
/// The checks' paginated LISTs (limit + continue) over the access layer, and the mapping of its errors to
/// <see cref="ClusterReadException"/> (the checks report what they may not read instead of failing).
/// </summary>
internal static class KubeListPager
{
    public const int PageSize = 500;

    /// <summary>
    /// Fetches every page of a LIST, keeping only the mapped rows (pages are not kept). A continue token that expired
    /// (410 Gone) restarts the LIST once from the beginning.
    /// </summary>
    public static async Task<List<TRow>> ListAllAsync<TRow>(IKubeApi api, string what, ResourceKind kind, string? ns, string? labelSelector,
        Action<JsonObject, List<TRow>> collect, CancellationToken ct, int pageSize = PageSize, string? fieldSelector = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var rows = new List<TRow>();
            string? cont = null;
            try
            {
                do
                {
                    var page = await Call(what, () => api.ListPageAsync(kind, ns, labelSelector, fieldSelector, pageSize, cont, ct)).ConfigureAwait(false);
                    foreach (var item in page.Items) collect(item, rows);
                    cont = page.Continue;
                }
                while (!string.IsNullOrEmpty(cont));
                return rows;
            }
            catch (ClusterReadException ex) when (attempt == 0 && cont is not null && ApiErrors.IsGone(ex))
            {
                // the continue token expired mid-list; start over once
            }
        }
    }

    /// <summary>Counts a kind: LIST limit=1 and read remainingItemCount; pages through (not holding items) when the server omits it.</summary>
    public static async Task<long> CountAsync(IKubeApi api, string what, ResourceKind kind, CancellationToken ct)
    {
        var first = await Call(what, () => api.ListPageAsync(kind, null, null, 1, null, ct)).ConfigureAwait(false);
        if (string.IsNullOrEmpty(first.Continue))
            return first.Items.Count;
        if (first.RemainingItemCount is long remaining)
            return first.Items.Count + remaining;
        long total = first.Items.Count;
        var cont = first.Continue;
        while (!string.IsNullOrEmpty(cont))
        {
            var page = await Call(what, () => api.ListPageAsync(kind, null, null, PageSize, cont, ct)).ConfigureAwait(false);
            total += page.Items.Count;
            cont = page.Continue;
        }
        return total;
    }

    /// <summary>
    /// Runs one request of the access layer; its errors become 403 → Forbidden, 404 → NotServed, anything else → Other
    /// (never with response bodies). A stop stays a stop.
    /// </summary>
    public static async Task<T> Call<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (KsUpgradeException ex) when (ex.ErrorId == ErrorIds.Stopped && ex.InnerException is OperationCanceledException stop)
        {
            throw stop;
        }
        catch (KsUpgradeException ex)
        {
            var code = ApiErrors.StatusCode(ex);
            throw ex.ErrorId == ErrorIds.Forbidden
                ? new ClusterReadException(ClusterReadFailure.Forbidden, what, $"not permitted to read {what}", ex)
                : code == System.Net.HttpStatusCode.NotFound
                    ? new ClusterReadException(ClusterReadFailure.NotServed, what, $"{what}: not served (404)", ex)
                    : new ClusterReadException(ClusterReadFailure.Other, what,
                        code is null ? $"reading {what} failed: {ex.InnerException?.Message ?? ex.Message}" : $"reading {what} failed: HTTP {(int)code} {code}", ex);
        }
    }

    /// <summary>Like <see cref="Call{T}"/> for a single object: 404 → null (the object does not exist).</summary>
    public static async Task<T?> GetOrNull<T>(string what, Func<Task<T?>> call) where T : class
    {
        try
        {
            return await Call(what, call).ConfigureAwait(false);
        }
        catch (ClusterReadException ex) when (ex.Failure == ClusterReadFailure.NotServed)
        {
            return null;
        }
    }
}
