using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Authorization;
using KsUpgrade.Sandbox.Control;
using KsUpgrade.Sandbox.Storage;
using Microsoft.AspNetCore.Http;

namespace KsUpgrade.Sandbox.Hosting;

/// <summary>
/// The request pipeline: bearer-token authentication (the admin or a minted identity), cluster selection by the local
/// port (each cluster is its own API server; a /clusters/&lt;name&gt; path prefix, on any port, is still honoured),
/// request counting, RBAC authorization
/// (the admin is system:masters and bypasses it), the fault plan, then discovery, OpenAPI, reviews, resources or the
/// control API (admin only).
/// </summary>
internal sealed class SandboxRouter
{
    private readonly SandboxHost _host;

    public SandboxRouter(SandboxHost host)
    {
        _host = host;
    }

    /// <summary>The identity of the request's bearer token (the admin or a minted one), or null.</summary>
    private SandboxIdentity? Authenticate(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        return _host.Identities.Authenticate(header[7..].Trim());
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
            var identity = Authenticate(ctx);
            if (identity is null)
            {
                await HttpIo.WriteJsonAsync(ctx, 401, StatusObjects.Failure(401, "Unauthorized", "Unauthorized", null));
                return;
            }
            if (path.StartsWith("/_sandbox/", StringComparison.Ordinal) || path == "/_sandbox")
            {
                // The control API is the sandbox operator's: only the admin token may use it.
                if (!identity.IsAdmin)
                    throw new ApiException(403, "Forbidden", $"forbidden: User \"{identity.User}\" cannot use the sandbox control API");
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
                cluster = _host.ClusterOnPort(ctx.Connection.LocalPort) ?? _host.FirstCluster;
                prefix = "";
            }
            await ServeClusterAsync(ctx, cluster, prefix, path, identity);
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

    private async Task ServeClusterAsync(HttpContext ctx, SimulatedCluster cluster, string prefix, string path, SandboxIdentity identity)
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
        identity = Impersonation.Resolve(ctx, cluster, identity);

        // Authorization (RBAC) before anything is served or injected, as on a real API server.
        if (!identity.IsAdmin || _host.Access.Enabled)
        {
            var attributes = RequestAuthorization.AttributesOf(ctx, identity, info, path, verb);
            var decision = RbacAuthorizer.Authorize(cluster, attributes);
            _host.Access.Add(new AccessRecord(cluster.ClusterName, attributes, decision.Allowed));
            if (!decision.Allowed) throw Forbidden.Exception(attributes, decision.Reason);
        }

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

        if (info is not null && cluster.Registry.Find(info.Group, info.Version, info.Resource) is { Virtual: true } review && info.Verb == "create")
        {
            // Access and rules reviews are answered for the caller's identity.
            await Reviews.HandleAsync(ctx, cluster, review, identity, _host.Identities.Authenticate);
            return;
        }
        if (info is not null)
        {
            var cut = fault is { CutsWatch: true } && verb == "watch" ? fault : null;
            await new RestHandler(cluster, _host.Identities.IssueServiceAccountToken)
            {
                Identity = identity,
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
            ["api"] => DiscoveryDocuments.CoreVersions($"127.0.0.1:{ctx.Connection.LocalPort}"),
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
