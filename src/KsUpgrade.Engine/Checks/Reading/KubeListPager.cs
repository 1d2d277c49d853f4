using System.Net;
using k8s.Autorest;
using k8s.Models;

namespace KsUpgrade.Engine.Checks;

/// <summary>Paginated LISTs (limit + continue) and the mapping of API errors to <see cref="ClusterReadException"/>.</summary>
internal static class KubeListPager
{
    public const int PageSize = 500;

    /// <summary>
    /// Fetches every page of a LIST, keeping only the mapped rows. A continue token that expired (410 Gone) restarts
    /// the LIST once from the beginning.
    /// </summary>
    public static async Task<List<TRow>> ListAllAsync<TList, TRow>(
        string what,
        Func<string?, int, Task<TList>> fetchPage,
        Func<TList, V1ListMeta?> meta,
        Action<TList, List<TRow>> collect,
        int pageSize = PageSize)
    {
        for (var attempt = 0; ; attempt++)
        {
            var rows = new List<TRow>();
            string? cont = null;
            try
            {
                do
                {
                    var page = await Call(what, () => fetchPage(cont, pageSize)).ConfigureAwait(false);
                    collect(page, rows);
                    cont = meta(page)?.ContinueProperty;
                }
                while (!string.IsNullOrEmpty(cont));
                return rows;
            }
            catch (ClusterReadException ex) when (attempt == 0 && cont is not null && ex.InnerException is HttpOperationException { Response.StatusCode: HttpStatusCode.Gone })
            {
                // the continue token expired mid-list; start over once
            }
        }
    }

    /// <summary>Counts a kind: LIST limit=1 and read remainingItemCount; pages through (not holding items) when the server omits it.</summary>
    public static async Task<long> CountAsync<TList>(string what, Func<string?, int, Task<TList>> fetchPage, Func<TList, V1ListMeta?> meta, Func<TList, int> itemCount)
    {
        var first = await Call(what, () => fetchPage(null, 1)).ConfigureAwait(false);
        var m = meta(first);
        if (string.IsNullOrEmpty(m?.ContinueProperty))
            return itemCount(first);
        if (m!.RemainingItemCount is long remaining)
            return itemCount(first) + remaining;
        long total = itemCount(first);
        var cont = m.ContinueProperty;
        while (!string.IsNullOrEmpty(cont))
        {
            var page = await Call(what, () => fetchPage(cont, PageSize)).ConfigureAwait(false);
            total += itemCount(page);
            cont = meta(page)?.ContinueProperty;
        }
        return total;
    }

    /// <summary>Runs one API call; 403 → Forbidden, 404 → NotServed, anything else → Other. Never includes response bodies.</summary>
    public static async Task<T> Call<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            var code = ex.Response?.StatusCode;
            throw code switch
            {
                HttpStatusCode.Forbidden => new ClusterReadException(ClusterReadFailure.Forbidden, what, $"not permitted to read {what}", ex),
                HttpStatusCode.NotFound => new ClusterReadException(ClusterReadFailure.NotServed, what, $"{what}: not served (404)", ex),
                _ => new ClusterReadException(ClusterReadFailure.Other, what, $"reading {what} failed: HTTP {(int?)code} {code}", ex),
            };
        }
        catch (HttpRequestException ex)
        {
            throw new ClusterReadException(ClusterReadFailure.Other, what, $"reading {what} failed: {ex.Message}", ex);
        }
    }

    /// <summary>Like <see cref="Call{T}"/> for a single object: 404 → null (the object does not exist).</summary>
    public static async Task<T?> GetOrNull<T>(string what, Func<Task<T>> call) where T : class
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
