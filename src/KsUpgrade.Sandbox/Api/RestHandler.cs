using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api.Selectors;
using KsUpgrade.Sandbox.Storage;
using Microsoft.AspNetCore.Http;

namespace KsUpgrade.Sandbox.Api;

/// <summary>Serves the resource endpoints of one cluster: get, list, watch, create, update, patch, delete, deletecollection.</summary>
public sealed partial class RestHandler
{
    private readonly SimulatedCluster _cluster;
    private readonly Func<string, string, string> _issueServiceAccountToken;

    /// <summary>Who sent the request: RBAC escalation prevention judges role and binding writes by it.</summary>
    public Authorization.SandboxIdentity Identity { get; init; } = Authorization.SandboxIdentity.Admin;

    /// <summary>Admission of a write, after authorization: the RBAC escalation check (a no-op for other kinds).</summary>
    private void Admit(ResourceType t, string? ns, JsonObject obj, JsonObject? existing) =>
        Authorization.RbacEscalation.Check(_cluster, Identity, t, ns, obj, existing);

    /// <param name="issueServiceAccountToken">Issues the token serviceaccounts/&lt;name&gt;/token answers (namespace, name → token).</param>
    public RestHandler(SimulatedCluster cluster, Func<string, string, string> issueServiceAccountToken)
    {
        _cluster = cluster;
        _issueServiceAccountToken = issueServiceAccountToken;
    }

    /// <summary>Works out the Kubernetes verb of a request (for counting and the fault plan) without serving it.</summary>
    public static string VerbOf(string method, RequestInfo info, HttpContext ctx)
    {
        return method switch
        {
            "GET" when info.WatchPath || HttpIo.QueryBool(ctx, "watch") => "watch",
            "GET" => info.Name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => info.Name is null ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };
    }

    public async Task HandleAsync(HttpContext ctx, RequestInfo info)
    {
        var t = _cluster.Registry.Find(info.Group, info.Version, info.Resource)
            ?? throw ApiException.NotFoundPath(ctx.Request.Path);
        if (!t.Namespaced && info.Namespace is not null)
            throw ApiException.NotFoundPath(ctx.Request.Path);
        var ns = t.Namespaced ? info.Namespace : null;
        var method = ctx.Request.Method;
        bool dryRun = HttpIo.Query(ctx, "dryRun") == "All";

        if (t.Virtual)
        {
            if (info.Verb != "create") throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
            // Typed clients send reviews as protobuf; the answer does not depend on the question, so it is not decoded.
            var review = (ctx.Request.ContentType ?? "").Contains("protobuf", StringComparison.OrdinalIgnoreCase)
                ? new JsonObject()
                : await HttpIo.ReadObjectAsync(ctx);
            await HttpIo.WriteJsonAsync(ctx, 201, Reviews.Answer(t, review));
            return;
        }
        if (info.Subresource is not null)
        {
            await HandleSubresourceAsync(ctx, t, ns, info, dryRun);
            return;
        }

        switch (info.Verb)
        {
            case "get":
            {
                var obj = _cluster.Read(t, ns, info.Name!) ?? throw ApiException.NotFound(t, info.Name!);
                await WriteObjectAsync(ctx, t, 200, obj);
                return;
            }
            case "list":
                await ListAsync(ctx, t, ns);
                return;
            case "watch":
                await WatchAsync(ctx, t, ns, info.Name);
                return;
            case "create":
            {
                if (info.Name is not null) throw ApiException.MethodNotAllowed($"POST is not supported on a named {t.Kind}");
                var body = await HttpIo.ReadObjectAsync(ctx);
                CheckKind(t, body);
                Admit(t, ns, body, null);
                var created = _cluster.Create(t, ns, body, dryRun);
                await WriteObjectAsync(ctx, t, 201, created);
                return;
            }
            case "update":
            {
                if (info.Name is null) throw ApiException.MethodNotAllowed("PUT is not supported on a collection");
                var body = await HttpIo.ReadObjectAsync(ctx);
                CheckKind(t, body);
                Admit(t, ns, body, _cluster.Read(t, ns, info.Name));
                var updated = _cluster.Update(t, ns, info.Name, body, statusOnly: false, dryRun);
                await WriteObjectAsync(ctx, t, 200, updated);
                return;
            }
            case "patch":
            {
                if (info.Name is null) throw ApiException.MethodNotAllowed("PATCH is not supported on a collection");
                var (result, created) = await PatchAsync(ctx, t, ns, info.Name, statusOnly: false, dryRun);
                await WriteObjectAsync(ctx, t, created ? 201 : 200, result);
                return;
            }
            case "delete":
            {
                var req = await ReadDeleteOptionsAsync(ctx, dryRun);
                var (obj, gone) = _cluster.DeleteObject(t, ns, info.Name!, req);
                if (gone && t.Kind is not ("Pod" or "Namespace" or "CustomResourceDefinition") && !t.FromCrd)
                    await HttpIo.WriteJsonAsync(ctx, 200, StatusObjects.Success(t, info.Name!, ObjectMeta.Uid(obj)));
                else
                    await WriteObjectAsync(ctx, t, gone ? 200 : 202, obj);
                return;
            }
            case "deletecollection":
            {
                var req = await ReadDeleteOptionsAsync(ctx, dryRun);
                var deleted = new JsonArray();
                foreach (var o in Select(ctx, t, ns))
                {
                    try
                    {
                        var (obj, _) = _cluster.DeleteObject(t, ObjectMeta.Namespace(o), ObjectMeta.Name(o), req);
                        deleted.Add(obj);
                    }
                    catch (ApiException e) when (e.Code == 404) { }
                }
                await HttpIo.WriteJsonAsync(ctx, 200, ListObject(t, deleted, _cluster.Store.CurrentResourceVersion.ToString(), null));
                return;
            }
            default:
                throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }
    }

    private static void CheckKind(ResourceType t, JsonObject body)
    {
        var kind = ObjectMeta.Str(body, "kind");
        var apiVersion = ObjectMeta.Str(body, "apiVersion");
        if (kind is not null && kind != t.Kind)
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({t.ApiVersion})");
    }

    private static async Task<DeleteRequest> ReadDeleteOptionsAsync(HttpContext ctx, bool dryRun)
    {
        string? policy = HttpIo.Query(ctx, "propagationPolicy");
        string? uid = null, rv = null;
        if (ctx.Request.ContentLength is > 0 || ctx.Request.Headers.TransferEncoding.Count > 0)
        {
            JsonObject? opts;
            if ((ctx.Request.ContentType ?? "").Contains("protobuf", StringComparison.OrdinalIgnoreCase))
            {
                using var ms = new MemoryStream();
                await ctx.Request.Body.CopyToAsync(ms, ctx.RequestAborted);
                opts = ProtobufDecoder.DecodeDeleteOptions(ms.ToArray());
            }
            else
            {
                var text = await HttpIo.ReadBodyAsync(ctx);
                opts = string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text) as JsonObject;
            }
            if (opts is not null)
            {
                policy ??= ObjectMeta.Str(opts, "propagationPolicy");
                if (opts["orphanDependents"]?.GetValue<bool>() == true) policy ??= "Orphan";
                uid = ObjectMeta.Str(opts, "preconditions", "uid");
                rv = ObjectMeta.Str(opts, "preconditions", "resourceVersion");
                if (opts["dryRun"] is JsonArray dr && dr.Any(d => d?.GetValue<string>() == "All")) dryRun = true;
            }
        }
        if (HttpIo.Query(ctx, "orphanDependents") == "true") policy ??= "Orphan";
        return new DeleteRequest { PropagationPolicy = policy, PreconditionUid = uid, PreconditionResourceVersion = rv, DryRun = dryRun };
    }

    /// <summary>The objects a list request selects (namespace, label and field selectors), in key order.</summary>
    private List<JsonObject> Select(HttpContext ctx, ResourceType t, string? ns)
    {
        var labels = LabelSelector.Parse(HttpIo.Query(ctx, "labelSelector"));
        var fields = FieldSelector.Parse(HttpIo.Query(ctx, "fieldSelector"), t);
        var result = new List<JsonObject>();
        lock (_cluster.Store.Gate)
        {
            foreach (var (_, o) in _cluster.Store.List(t.GroupResource, ns))
                if (labels.Matches(o["metadata"]?["labels"] as JsonObject) && fields.Matches(o))
                    result.Add(_cluster.Present(t, o));
        }
        return result;
    }

    private async Task ListAsync(HttpContext ctx, ResourceType t, string? ns)
    {
        var labels = LabelSelector.Parse(HttpIo.Query(ctx, "labelSelector"));
        var fields = FieldSelector.Parse(HttpIo.Query(ctx, "fieldSelector"), t);
        long limit = long.TryParse(HttpIo.Query(ctx, "limit"), out var l) && l > 0 ? l : long.MaxValue;
        string? after = null;
        if (HttpIo.Query(ctx, "continue") is { Length: > 0 } token)
        {
            try { after = Encoding.UTF8.GetString(Convert.FromBase64String(token)); }
            catch (FormatException) { throw ApiException.BadRequest("invalid continue token"); }
        }
        var accept = ctx.Request.Headers.Accept.ToString();
        bool asTable = accept.Contains("as=Table", StringComparison.Ordinal);
        bool asPartial = accept.Contains("as=PartialObjectMetadataList", StringComparison.Ordinal);
        // Plain lists are written from each stored object's JSON text (no DOM copies) when the stored form is the served one.
        var texts = new List<string>();
        var objects = new List<JsonObject>();
        string? next = null;
        long remaining = 0;
        string rv;
        int count = 0;
        lock (_cluster.Store.Gate)
        {
            rv = _cluster.Store.CurrentResourceVersion.ToString();
            foreach (var (key, o) in _cluster.Store.List(t.GroupResource, ns))
            {
                if (after is not null && string.CompareOrdinal(key, after) <= 0) continue;
                if (!labels.Matches(o["metadata"]?["labels"] as JsonObject) || !fields.Matches(o)) continue;
                if (count >= limit)
                {
                    remaining++;
                    continue;
                }
                count++;
                if (!asTable && !asPartial && ObjectMeta.Str(o, "apiVersion") == t.ApiVersion && ObjectMeta.Str(o, "kind") == t.Kind)
                    texts.Add(o.ToJsonString());
                else
                    objects.Add(_cluster.Present(t, o));
                if (count == limit) next = key;
            }
        }
        if (remaining == 0) next = null;
        var cont = next is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(next));
        if (!asTable && !asPartial)
        {
            foreach (var o in objects) texts.Add(o.ToJsonString());
            var meta = new JsonObject { ["resourceVersion"] = rv };
            if (cont is not null) { meta["continue"] = cont; meta["remainingItemCount"] = remaining; }
            var head = new JsonObject { ["kind"] = t.ListKind, ["apiVersion"] = t.ApiVersion, ["metadata"] = meta }.ToJsonString();
            var sb = new StringBuilder(texts.Sum(x => x.Length + 1) + head.Length + 16);
            sb.Append(head, 0, head.Length - 1).Append(",\"items\":[");
            for (int i = 0; i < texts.Count; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append(texts[i]);
            }
            sb.Append("]}");
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(sb.ToString());
            ctx.Response.ContentLength = bytes.Length;
            await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
            return;
        }
        if (asTable)
        {
            var table = TableBuilder.Build(t, objects, rv, cont, HttpIo.Query(ctx, "includeObject") == "Object", _cluster.Seed.KubernetesMinor);
            await HttpIo.WriteJsonAsync(ctx, 200, table);
            return;
        }
        {
            var partial = new JsonArray(objects.Select(o => (JsonNode)Partial(o)).ToArray());
            var list = ListObject(t, partial, rv, cont);
            list["kind"] = "PartialObjectMetadataList";
            list["apiVersion"] = "meta.k8s.io/v1";
            await HttpIo.WriteJsonAsync(ctx, 200, list);
        }
    }

    private static JsonObject Partial(JsonObject o) => new()
    {
        ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = o["metadata"]?.DeepClone(),
    };

    public static JsonObject ListObject(ResourceType t, JsonArray items, string rv, string? cont)
    {
        var meta = new JsonObject { ["resourceVersion"] = rv };
        if (cont is not null) meta["continue"] = cont;
        return new JsonObject { ["kind"] = t.ListKind, ["apiVersion"] = t.ApiVersion, ["metadata"] = meta, ["items"] = items };
    }

    private async Task WriteObjectAsync(HttpContext ctx, ResourceType t, int status, JsonObject obj)
    {
        var accept = ctx.Request.Headers.Accept.ToString();
        if (accept.Contains("as=Table", StringComparison.Ordinal))
        {
            var table = TableBuilder.Build(t, new[] { obj }, ObjectMeta.Str(obj, "metadata", "resourceVersion") ?? "", null,
                HttpIo.Query(ctx, "includeObject") == "Object", _cluster.Seed.KubernetesMinor);
            await HttpIo.WriteJsonAsync(ctx, status, table);
            return;
        }
        if (accept.Contains("as=PartialObjectMetadata", StringComparison.Ordinal))
        {
            await HttpIo.WriteJsonAsync(ctx, status, Partial(obj));
            return;
        }
        await HttpIo.WriteJsonAsync(ctx, status, obj);
    }
}
