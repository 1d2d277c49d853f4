using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Control;
using KsUpgrade.Sandbox.Storage;
using Microsoft.AspNetCore.Http;

namespace KsUpgrade.Sandbox.Hosting;

/// <summary>
/// The request pipeline: bearer-token check, cluster selection by path prefix (/clusters/&lt;name&gt;; unprefixed paths
/// go to the first cluster), request counting, the fault plan, then discovery, OpenAPI, resources or the control API.
/// </summary>
internal sealed class SandboxRouter
{
    private readonly SandboxHost _host;
    private readonly byte[] _tokenBytes;

    public SandboxRouter(SandboxHost host)
    {
        _host = host;
        _tokenBytes = Encoding.UTF8.GetBytes(host.Token);
    }

    private bool Authorized(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        var given = Encoding.UTF8.GetBytes(header[7..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, _tokenBytes);
    }

    public async Task HandleAsync(HttpContext ctx)
    {
        try
        {
            var path = ctx.Request.Path.Value ?? "/";
            if (path is "/healthz" or "/livez" or "/readyz")
            {
                ctx.Response.ContentType = "text/plain";
                await ctx.Response.WriteAsync("ok");
                return;
            }
            if (!Authorized(ctx))
            {
                await HttpIo.WriteJsonAsync(ctx, 401, StatusObjects.Failure(401, "Unauthorized", "Unauthorized", null));
                return;
            }
            if (path.StartsWith("/_sandbox/", StringComparison.Ordinal) || path == "/_sandbox")
            {
                await ControlApi.HandleAsync(ctx, _host, path["/_sandbox".Length..]);
                return;
            }
            SimulatedCluster cluster;
            string prefix;
            if (path.StartsWith("/clusters/", StringComparison.Ordinal))
            {
                var rest = path["/clusters/".Length..];
                var slash = rest.IndexOf('/');
                var name = slash < 0 ? rest : rest[..slash];
                if (!_host.TryGetCluster(name, out cluster!))
                    throw ApiException.NotFoundPath(path);
                prefix = "/clusters/" + name;
                path = slash < 0 ? "/" : rest[slash..];
            }
            else
            {
                cluster = _host.FirstCluster;
                prefix = "";
            }
            await ServeClusterAsync(ctx, cluster, prefix, path);
        }
        catch (ApiException e)
        {
            if (!ctx.Response.HasStarted) await HttpIo.WriteErrorAsync(ctx, e);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (!ctx.Response.HasStarted)
                await HttpIo.WriteJsonAsync(ctx, 500, StatusObjects.Failure(500, "InternalError", "Internal error occurred: " + e.Message, null));
        }
    }

    private async Task ServeClusterAsync(HttpContext ctx, SimulatedCluster cluster, string prefix, string path)
    {
        var info = RequestInfo.Parse(path, cluster.Registry);
        string verb, resource;
        if (info is not null)
        {
            verb = RestHandler.VerbOf(ctx.Request.Method, info, ctx);
            info.Verb = verb;
            resource = info.Subresource is null ? info.Resource : info.Resource + "/" + info.Subresource;
        }
        else
        {
            verb = ctx.Request.Method.ToLowerInvariant();
            resource = path.StartsWith("/openapi", StringComparison.Ordinal) ? "openapi" : path == "/version" ? "version" : "discovery";
        }
        _host.Requests.Add(cluster.ClusterName, verb, resource);

        var fault = _host.Faults.Match(cluster.ClusterName, verb, resource, info?.Namespace, info?.Name);
        if (fault is not null)
        {
            if (fault.DelayMs > 0) await Task.Delay(fault.DelayMs, ctx.RequestAborted);
            if (fault.DropConnection)
            {
                ctx.Abort();
                return;
            }
            if (fault.ConcurrentWrite && info is not null && verb is not ("get" or "list" or "watch"))
                throw await KsUpgrade.Sandbox.Faults.ConcurrentWriter.ConflictAsync(ctx, cluster, info, verb);
            if (fault.Status is int code)
            {
                var reason = code switch
                {
                    429 => "TooManyRequests", 500 => "InternalError", 503 => "ServiceUnavailable", 504 => "Timeout",
                    404 => "NotFound", 409 => "Conflict", 403 => "Forbidden", 401 => "Unauthorized", _ => "InternalError",
                };
                throw new ApiException(code, reason, fault.Message ?? $"injected fault ({code})") { RetryAfterSeconds = fault.RetryAfterSeconds };
            }
        }

        if (info is not null)
        {
            var cut = fault is { CutsWatch: true } && verb == "watch" ? fault : null;
            await new RestHandler(cluster, _host.Token)
            {
                WatchCut = cut,
                OnWatchCut = cut is null ? null : () => _host.Faults.RecordWatchCut(new Faults.FaultRuleMatch(cut, cluster.ClusterName, verb, resource, info.Namespace, info.Name)),
            }.HandleAsync(ctx, info);
            return;
        }
        if (ctx.Request.Method != "GET") throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        var segs = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segs is ["api"] or ["apis"] && AggregatedDiscovery.Requested(ctx.Request.Headers.Accept.ToString()))
        {
            var aggregated = AggregatedDiscovery.Build(cluster, core: segs[0] == "api");
            var bytes = System.Text.Encoding.UTF8.GetBytes(aggregated.ToJsonString());
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = AggregatedDiscovery.ContentType;
            ctx.Response.Headers.Vary = "Accept";
            await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
            return;
        }
        if (segs is ["openapi", "v2"])
        {
            await OpenApiV2Document.WriteAsync(ctx, cluster);
            return;
        }
        JsonObject? doc = segs switch
        {
            ["version"] => DiscoveryDocuments.Version(cluster),
            ["api"] => DiscoveryDocuments.CoreVersions($"127.0.0.1:{_host.Port}"),
            ["api", var v] => DiscoveryDocuments.ResourceList(cluster, "", v),
            ["apis"] => DiscoveryDocuments.GroupList(cluster),
            ["apis", var g] => DiscoveryDocuments.GroupOf(cluster, g),
            ["apis", var g, var v] => DiscoveryDocuments.ResourceList(cluster, g, v),
            ["openapi", "v3"] => DiscoveryDocuments.OpenApiV3Index(cluster, prefix),
            ["openapi", "v3", "api", var v] => DiscoveryDocuments.OpenApiV3GroupVersion(cluster, "", v),
            ["openapi", "v3", "apis", var g, var v] => DiscoveryDocuments.OpenApiV3GroupVersion(cluster, g, v),
            _ => null,
        };
        if (doc is null) throw ApiException.NotFoundPath(path);
        await HttpIo.WriteJsonAsync(ctx, 200, doc);
    }
}
