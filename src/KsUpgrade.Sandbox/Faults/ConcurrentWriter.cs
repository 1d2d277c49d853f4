using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Storage;
using Microsoft.AspNetCore.Http;

namespace KsUpgrade.Sandbox.Faults;

/// <summary>
/// The <see cref="FaultRule.ConcurrentWrite"/> fault: another client wrote the object just before this request, so the
/// apiserver refuses it with 409. The object is really rewritten (same content, next resourceVersion, a MODIFIED event),
/// so a client that retries with the resourceVersion it read before gets a genuine conflict from the store too.
/// </summary>
internal static class ConcurrentWriter
{
    public static async Task<ApiException> ConflictAsync(HttpContext ctx, SimulatedCluster cluster, RequestInfo info, string verb)
    {
        var t = cluster.Registry.Find(info.Group, info.Version, info.Resource);
        if (t is null) return ApiException.NotFoundPath(ctx.Request.Path);
        var ns = t.Namespaced ? info.Namespace ?? "" : "";
        if (verb == "create" && info.Name is null)
        {
            // a create lost the race: the concurrent writer created an object of that name first
            JsonObject body;
            try { body = await HttpIo.ReadObjectAsync(ctx); }
            catch (Exception e) when (e is not OperationCanceledException) { body = new JsonObject(); }
            var name = body["metadata"]?["name"]?.GetValue<string>() ?? body["metadata"]?["generateName"]?.GetValue<string>() ?? "";
            return ApiException.AlreadyExists(t, name);
        }
        var target = info.Name ?? "";
        lock (cluster.Store.Gate)
        {
            if (cluster.Store.Get(t.GroupResource, ns, target) is { } current)
                cluster.Store.Put(t.GroupResource, (JsonObject)current.DeepClone());
        }
        return ApiException.Conflict(t, target, "the object has been modified; please apply your changes to the latest version and try again");
    }
}
