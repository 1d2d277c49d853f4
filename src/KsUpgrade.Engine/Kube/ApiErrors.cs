using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using k8s.Autorest;

namespace KsUpgrade.Engine.Kube;

/// <summary>Maps transport and API failures to KsUpgradeExceptions with stable ErrorIds. Messages name the context and server, never a credential.</summary>
public static class ApiErrors
{
    public static KsUpgradeException Map(Exception e, string context, string server, string? doing = null, CancellationToken ct = default)
    {
        if (e is KsUpgradeException ks) return ks;
        var what = doing is null ? "" : $" while {doing}";
        var where = $"context '{context}' ({server})";
        if (e is OperationCanceledException && ct.IsCancellationRequested)
            return new KsUpgradeException(ErrorIds.Stopped, KsErrorCategory.OperationStopped, $"Stopped{what} on {where}.", context, e);
        if (e is HttpOperationException http && http.Response is not null)
        {
            var code = http.Response.StatusCode;
            var reason = StatusReason(http.Response.Content);
            return code switch
            {
                HttpStatusCode.Unauthorized => new KsUpgradeException(ErrorIds.Unauthorized, KsErrorCategory.AuthenticationError,
                    $"The API server of {where} refused the credentials (401 Unauthorized){what}. Check the token or client certificate of the kubeconfig user.", context, e),
                HttpStatusCode.Forbidden => new KsUpgradeException(ErrorIds.Forbidden, KsErrorCategory.PermissionDenied,
                    $"Access denied (403 Forbidden){what} on {where}{(reason is null ? "" : ": " + reason)}.", context, e),
                _ => new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.InvalidResult,
                    $"The API server of {where} answered {(int)code} {code}{what}{(reason is null ? "" : ": " + reason)}.", context, e),
            };
        }
        if (e is OperationCanceledException or TimeoutException)
            return new KsUpgradeException(ErrorIds.ClusterUnreachable, KsErrorCategory.OperationTimeout,
                $"The API server of {where} did not answer within the request timeout{what}.", context, e);
        if (e is HttpRequestException hre)
        {
            if (Find<AuthenticationException>(hre) is not null)
                return new KsUpgradeException(ErrorIds.ClusterUnreachable, KsErrorCategory.SecurityError,
                    $"TLS handshake with {where} failed{what}: the server certificate is not trusted by the kubeconfig's certificate authority (or the name does not match).", context, e);
            var socket = Find<SocketException>(hre);
            return new KsUpgradeException(ErrorIds.ClusterUnreachable, KsErrorCategory.ConnectionError,
                $"Cannot reach the API server of {where}{what}: {(socket?.Message ?? hre.Message)}.", context, e);
        }
        if (e is SocketException se || e is IOException)
            return new KsUpgradeException(ErrorIds.ClusterUnreachable, KsErrorCategory.ConnectionError,
                $"Cannot reach the API server of {where}{what}: {e.Message}.", context, e);
        return new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.NotSpecified, $"Unexpected failure{what} on {where}: {e.GetType().Name}.", context, e);
    }

    /// <summary>True when the API server answered 404 Not Found (the exception or the one it maps): the object, or the kind, is not there.</summary>
    public static bool IsNotFound(Exception e) => Find<HttpOperationException>(e)?.Response?.StatusCode == HttpStatusCode.NotFound;

    /// <summary>True when the API server answered 400 Bad Request (e.g. the log of a container that has not started).</summary>
    public static bool IsBadRequest(Exception e) => Find<HttpOperationException>(e)?.Response?.StatusCode == HttpStatusCode.BadRequest;

    /// <summary>True when the API server answered 422 Unprocessable Entity (e.g. a JSON patch whose test op failed).</summary>
    public static bool IsUnprocessable(Exception e) => Find<HttpOperationException>(e)?.Response?.StatusCode == HttpStatusCode.UnprocessableEntity;

    /// <summary>True when the API server answered 410 Gone (an expired continue token).</summary>
    public static bool IsGone(Exception e) => StatusCode(e) == HttpStatusCode.Gone;

    /// <summary>The HTTP status the API server answered, for an exception or the one it maps; null for transport failures.</summary>
    public static HttpStatusCode? StatusCode(Exception e) => Find<HttpOperationException>(e)?.Response?.StatusCode;

    private static T? Find<T>(Exception e) where T : Exception
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is T t) return t;
        return null;
    }

    /// <summary>The message of a Kubernetes Status body, if the content is one.</summary>
    private static string? StatusReason(string? content)
    {
        if (string.IsNullOrWhiteSpace(content)) return null;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(content);
            if (doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.String)
                return m.GetString();
        }
        catch (System.Text.Json.JsonException) { }
        return null;
    }
}
