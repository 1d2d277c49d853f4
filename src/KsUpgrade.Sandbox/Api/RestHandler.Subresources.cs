using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Storage;
using Microsoft.AspNetCore.Http;

namespace KsUpgrade.Sandbox.Api;

public sealed partial class RestHandler
{
    private async Task HandleSubresourceAsync(HttpContext ctx, ResourceType t, string? ns, RequestInfo info, bool dryRun)
    {
        var name = info.Name!;
        switch (info.Subresource)
        {
            case "status" when t.HasStatus:
                switch (info.Verb)
                {
                    case "get":
                        await WriteObjectAsync(ctx, t, 200, _cluster.Read(t, ns, name) ?? throw ApiException.NotFound(t, name));
                        return;
                    case "update":
                        var body = await HttpIo.ReadObjectAsync(ctx);
                        await WriteObjectAsync(ctx, t, 200, _cluster.Update(t, ns, name, body, statusOnly: true, dryRun));
                        return;
                    case "patch":
                        var (result, _) = await PatchAsync(ctx, t, ns, name, statusOnly: true, dryRun);
                        await WriteObjectAsync(ctx, t, 200, result);
                        return;
                }
                break;
            case "scale" when t.HasScale:
                switch (info.Verb)
                {
                    case "get":
                        await HttpIo.WriteJsonAsync(ctx, 200, ScaleOf(_cluster.Read(t, ns, name) ?? throw ApiException.NotFound(t, name)));
                        return;
                    case "update":
                    {
                        var body = await HttpIo.ReadObjectAsync(ctx);
                        await HttpIo.WriteJsonAsync(ctx, 200, SetReplicas(t, ns, name, body, dryRun));
                        return;
                    }
                    case "patch":
                    {
                        var ct = (ctx.Request.ContentType ?? "").Split(';')[0].Trim();
                        var text = await HttpIo.ReadBodyAsync(ctx);
                        var patch = ct.Contains("yaml") ? Patching.YamlJson.Parse(text) : JsonNode.Parse(text);
                        JsonObject scaled;
                        lock (_cluster.Store.Gate)
                        {
                            var scale = ScaleOf(_cluster.Read(t, ns, name) ?? throw ApiException.NotFound(t, name));
                            var patched = ct switch
                            {
                                "application/json-patch+json" => Patching.JsonPatch.Apply(scale, (JsonArray)patch!),
                                "application/strategic-merge-patch+json" => Patching.StrategicMergePatch.Apply(scale, patch),
                                _ => Patching.MergePatch.Apply(scale, patch),
                            };
                            scaled = SetReplicas(t, ns, name, (JsonObject)patched!, dryRun);
                        }
                        await HttpIo.WriteJsonAsync(ctx, 200, scaled);
                        return;
                    }
                }
                break;
            case "eviction" when t.HasLog && info.Verb == "create":
            {
                // No disruption budgets are checked: an eviction deletes the pod.
                var (obj, _) = _cluster.DeleteObject(t, ns, name, new DeleteRequest { DryRun = dryRun });
                await HttpIo.WriteJsonAsync(ctx, 201, StatusObjects.Success(t, name, ObjectMeta.Uid(obj)));
                return;
            }
            case "token" when t.HasToken && info.Verb == "create":
            {
                // A token of the ServiceAccount itself: it has the rights RBAC gives the account, nothing more.
                if (_cluster.Read(t, ns, name) is null) throw ApiException.NotFound(t, name);
                long seconds = 3600;
                if (!(ctx.Request.ContentType ?? "").Contains("protobuf", StringComparison.OrdinalIgnoreCase)
                    && await HttpIo.ReadObjectAsync(ctx) is { } req && ObjectMeta.Long(req, "spec", "expirationSeconds") is long s)
                    seconds = s;
                await HttpIo.WriteJsonAsync(ctx, 201, new JsonObject
                {
                    ["kind"] = "TokenRequest",
                    ["apiVersion"] = "authentication.k8s.io/v1",
                    ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = ObjectMeta.Now() },
                    ["spec"] = new JsonObject { ["audiences"] = new JsonArray("https://kubernetes.default.svc"), ["expirationSeconds"] = seconds },
                    ["status"] = new JsonObject
                    {
                        ["token"] = _issueServiceAccountToken(ns ?? "default", name),
                        ["expirationTimestamp"] = DateTime.UtcNow.AddSeconds(seconds).ToString("yyyy-MM-ddTHH:mm:ssZ"),
                    },
                });
                return;
            }
            case "log" when t.HasLog && info.Verb == "get":
                await WriteLogAsync(ctx, ns ?? "", name);
                return;
        }
        throw ApiException.NotFoundPath(ctx.Request.Path);
    }

    private static JsonObject ScaleOf(JsonObject obj)
    {
        var selector = obj["spec"]?["selector"] as JsonObject;
        var sel = selector is null ? "" : string.Join(",",
            (selector["matchLabels"] as JsonObject ?? new JsonObject()).Select(kv => $"{kv.Key}={kv.Value}"));
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = ObjectMeta.Name(obj),
                ["namespace"] = ObjectMeta.Namespace(obj),
                ["uid"] = ObjectMeta.Uid(obj),
                ["resourceVersion"] = ObjectMeta.Str(obj, "metadata", "resourceVersion"),
                ["creationTimestamp"] = ObjectMeta.Str(obj, "metadata", "creationTimestamp"),
            },
            ["spec"] = new JsonObject { ["replicas"] = ObjectMeta.Long(obj, "spec", "replicas") ?? 1 },
            ["status"] = new JsonObject { ["replicas"] = ObjectMeta.Long(obj, "status", "replicas") ?? 0, ["selector"] = sel },
        };
    }

    private JsonObject SetReplicas(ResourceType t, string? ns, string name, JsonObject scale, bool dryRun)
    {
        lock (_cluster.Store.Gate)
        {
            var current = _cluster.Read(t, ns, name) ?? throw ApiException.NotFound(t, name);
            var replicas = ObjectMeta.Long(scale, "spec", "replicas") ?? throw ApiException.Invalid(t, name, "spec.replicas: Required value");
            if (replicas < 0) throw ApiException.Invalid(t, name, "spec.replicas: Invalid value: must be greater than or equal to 0");
            var rv = ObjectMeta.Str(scale, "metadata", "resourceVersion");
            if (!string.IsNullOrEmpty(rv) && rv != ObjectMeta.Str(current, "metadata", "resourceVersion"))
                throw ApiException.Conflict(t, name, "the object has been modified; please apply your changes to the latest version and try again");
            Defaulting.Obj(current, "spec")["replicas"] = replicas;
            return ScaleOf(_cluster.Update(t, ns, name, current, statusOnly: false, dryRun));
        }
    }

    private async Task WriteLogAsync(HttpContext ctx, string ns, string name)
    {
        var pod = _cluster.Read(_cluster.Registry.Find("", "v1", "pods")!, ns, name)
            ?? throw ApiException.NotFound(_cluster.Registry.Find("", "v1", "pods")!, name);
        var lines = _cluster.LogsOf(pod);
        if (int.TryParse(HttpIo.Query(ctx, "tailLines"), out var tail) && tail >= 0 && tail < lines.Count)
            lines = lines.Skip(lines.Count - tail).ToList();
        var text = lines.Count == 0 ? "" : string.Join("\n", lines) + "\n";
        if (int.TryParse(HttpIo.Query(ctx, "limitBytes"), out var limit) && limit >= 0 && limit < text.Length)
            text = text[..limit];
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain";
        await ctx.Response.WriteAsync(text, Encoding.UTF8, ctx.RequestAborted);
    }
}
