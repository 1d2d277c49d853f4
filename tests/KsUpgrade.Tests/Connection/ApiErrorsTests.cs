using System.Net;
using System.Net.Sockets;
using KsUpgrade.Engine.Connection;
using k8s.Autorest;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Tests.Connection;

public sealed class ApiErrorsTests
{
    private static HttpOperationException Http(HttpStatusCode code, string body = "") =>
        new("boom") { Response = new HttpResponseMessageWrapper(new HttpResponseMessage(code), body) };

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, "KsUpgrade.Unauthorized", KsErrorCategory.AuthenticationError)]
    [InlineData(HttpStatusCode.Forbidden, "KsUpgrade.Forbidden", KsErrorCategory.PermissionDenied)]
    [InlineData(HttpStatusCode.InternalServerError, "KsUpgrade.ApiError", KsErrorCategory.InvalidResult)]
    public void HttpStatusesMapToStableIds(HttpStatusCode code, string id, KsErrorCategory category)
    {
        var e = ApiErrors.Map(Http(code), "ctx", "https://srv:6443");
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(category, e.Category);
        Assert.Contains("ctx", e.Message);
        Assert.Contains("https://srv:6443", e.Message);
    }

    [Fact]
    public void ForbiddenCarriesTheStatusMessage()
    {
        var e = ApiErrors.Map(Http(HttpStatusCode.Forbidden, """{"kind":"Status","message":"nodes is forbidden"}"""), "c", "s");
        Assert.Contains("nodes is forbidden", e.Message);
    }

    [Fact]
    public void ConnectionRefusedIsUnreachable()
    {
        var e = ApiErrors.Map(new HttpRequestException("x", new SocketException((int)SocketError.ConnectionRefused)), "c", "s");
        Assert.Equal(ErrorIds.ClusterUnreachable, e.ErrorId);
        Assert.Equal(KsErrorCategory.ConnectionError, e.Category);
    }

    [Fact]
    public void TimeoutIsUnreachableButUserCancelIsStopped()
    {
        Assert.Equal(ErrorIds.ClusterUnreachable, ApiErrors.Map(new TaskCanceledException(), "c", "s").ErrorId);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var stopped = ApiErrors.Map(new OperationCanceledException(cts.Token), "c", "s", ct: cts.Token);
        Assert.Equal(ErrorIds.Stopped, stopped.ErrorId);
        Assert.Equal(KsErrorCategory.OperationStopped, stopped.Category);
    }

    [Fact]
    public void TlsFailureIsASecurityError()
    {
        var e = ApiErrors.Map(new HttpRequestException("ssl", new System.Security.Authentication.AuthenticationException("untrusted root")), "c", "s");
        Assert.Equal(ErrorIds.ClusterUnreachable, e.ErrorId);
        Assert.Equal(KsErrorCategory.SecurityError, e.Category);
    }
}
