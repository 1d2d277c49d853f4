using System.Net;
using System.Net.Sockets;
using k8s.Autorest;

namespace KsUpgrade.Engine.Kube;

/// <summary>Retries transient API failures (5xx, 429, connection reset or refused) with exponential backoff.</summary>
public sealed class KubeRetry
{
    public static readonly KubeRetry Default = new();

    public int MaxAttempts { get; init; } = 5;
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromMilliseconds(300);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(8);
    /// <summary>Also retry 409 Conflict: only for calls without a precondition (a delete, a patch without resourceVersion).</summary>
    public bool RetryConflicts { get; init; }
    /// <summary>Receives a note per retry (for Verbose records).</summary>
    public Action<string>? OnRetry { get; init; }

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, string doing, CancellationToken ct)
    {
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < MaxAttempts && !ct.IsCancellationRequested && (IsTransient(e, out var retryAfter) || (RetryConflicts && IsConflict(e))))
            {
                var wait = retryAfter ?? delay;
                if (wait > MaxDelay) wait = MaxDelay;
                OnRetry?.Invoke($"Transient failure while {doing} ({Describe(e)}); retry {attempt} of {MaxAttempts - 1} in {wait.TotalSeconds:0.#} s.");
                await Task.Delay(wait, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    private static bool IsConflict(Exception e) =>
        e is HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict } c && !c.Response.Content.Contains("AlreadyExists", StringComparison.Ordinal);

    public static bool IsTransient(Exception e, out TimeSpan? retryAfter)
    {
        retryAfter = null;
        switch (e)
        {
            case HttpOperationException http when http.Response is not null:
                var code = (int)http.Response.StatusCode;
                if (code == 429)
                {
                    if (http.Response.Headers is { } h && h.TryGetValue("Retry-After", out var values)
                        && int.TryParse(values.FirstOrDefault(), out var seconds))
                        retryAfter = TimeSpan.FromSeconds(seconds);
                    return true;
                }
                return code >= 500;
            case HttpRequestException:
            case IOException:
            case SocketException:
                return true;
            case TaskCanceledException tce when tce.InnerException is TimeoutException:
                return true;
            default:
                return false;
        }
    }

    private static string Describe(Exception e) => e switch
    {
        HttpOperationException http when http.Response is not null => $"{(int)http.Response.StatusCode} {http.Response.StatusCode}",
        _ => e.GetType().Name,
    };

    internal static HttpStatusCode? Status(Exception e) => e is HttpOperationException { Response: not null } h ? h.Response.StatusCode : null;
}
