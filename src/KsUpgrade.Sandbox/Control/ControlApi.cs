using System.Text.Json;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Faults;
using KsUpgrade.Sandbox.Hosting;
using Microsoft.AspNetCore.Http;

namespace KsUpgrade.Sandbox.Control;

/// <summary>
/// The control API under /_sandbox (same bearer token, separate from the Kubernetes API):
/// GET/POST/DELETE /faults, DELETE /faults/&lt;id&gt;, GET /requests, POST /requests/reset, GET /clusters,
/// GET /clusters/&lt;name&gt;/state, GET /clusters/&lt;name&gt;/changes, POST /actions/fail-job, /actions/node-ready, /actions/helm-release-status,
/// GET/POST /identities, DELETE /identities/&lt;name&gt; (see <see cref="IdentityEndpoints"/>). Only the admin token may call it.
/// </summary>
internal static class ControlApi
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task HandleAsync(HttpContext ctx, SandboxHost host, string path)
    {
        var segs = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = ctx.Request.Method;
        switch (segs)
        {
            case ["faults"] when method == "GET":
                await WriteAsync(ctx, FaultsDocument(host));
                return;
            case ["faults"] when method == "POST":
            {
                var text = await HttpIo.ReadBodyAsync(ctx);
                var node = JsonNode.Parse(text);
                var rules = node is JsonArray arr
                    ? arr.Select(n => n.Deserialize<FaultRule>(Json)!).ToList()
                    : new List<FaultRule> { node.Deserialize<FaultRule>(Json) ?? throw ApiException.BadRequest("a fault rule is required") };
                var added = rules.Select(host.Faults.Add).ToList();
                await WriteAsync(ctx, JsonSerializer.SerializeToNode(added, Json)!, 201);
                return;
            }
            case ["faults"] when method == "DELETE":
                host.Faults.Clear();
                await WriteAsync(ctx, FaultsDocument(host));
                return;
            case ["faults", var id] when method == "DELETE":
                if (!host.Faults.Remove(id)) throw new ApiException(404, "NotFound", $"fault rule \"{id}\" not found");
                await WriteAsync(ctx, FaultsDocument(host));
                return;
            case ["requests"] when method == "GET":
                await WriteAsync(ctx, new JsonObject
                {
                    ["total"] = host.Requests.Total(),
                    ["counts"] = JsonSerializer.SerializeToNode(host.Requests.Snapshot(), Json),
                });
                return;
            case ["requests", "reset"] when method == "POST":
                host.Requests.Reset();
                await WriteAsync(ctx, new JsonObject { ["total"] = 0 });
                return;
            case ["clusters"] when method == "GET":
                await WriteAsync(ctx, new JsonObject { ["clusters"] = new JsonArray(host.Contexts.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()) });
                return;
            case ["clusters", var name, "state"] when method == "GET":
                if (!host.TryGetCluster(name, out _)) throw new ApiException(404, "NotFound", $"cluster \"{name}\" not found");
                await WriteAsync(ctx, host.StateOf(name));
                return;
            case ["clusters", var name, "changes"] when method == "GET":
                if (!host.TryGetCluster(name, out var changed)) throw new ApiException(404, "NotFound", $"cluster \"{name}\" not found");
                await WriteAsync(ctx, new JsonObject { ["cluster"] = name, ["changes"] = changed.Store.Changes });
                return;
            case ["identities", ..]:
                await IdentityEndpoints.HandleAsync(ctx, host, segs[1..], method);
                return;
            case ["actions", var action] when method == "POST":
            {
                var body = JsonNode.Parse(await HttpIo.ReadBodyAsync(ctx)) as JsonObject ?? new JsonObject();
                string? S(string k) => body[k]?.GetValue<string>();
                switch (action)
                {
                    case "fail-job":
                        host.FailJob(S("name") ?? throw ApiException.BadRequest("name is required"), S("cluster"), S("namespace"));
                        break;
                    case "node-ready":
                        host.SetNodeReady(S("cluster") ?? host.Contexts[0], S("node") ?? throw ApiException.BadRequest("node is required"),
                            body["ready"]?.GetValue<bool>() ?? false);
                        break;
                    case "helm-release-status":
                        host.SetHelmReleaseStatus(S("cluster") ?? host.Contexts[0], S("namespace") ?? "default",
                            S("release") ?? throw ApiException.BadRequest("release is required"), S("status") ?? "pending-upgrade");
                        break;
                    default:
                        throw new ApiException(404, "NotFound", $"unknown action \"{action}\"");
                }
                await WriteAsync(ctx, new JsonObject { ["ok"] = true });
                return;
            }
        }
        throw new ApiException(404, "NotFound", "unknown control endpoint");
    }

    private static JsonObject FaultsDocument(SandboxHost host) => new()
    {
        ["rules"] = JsonSerializer.SerializeToNode(host.Faults.Rules, Json),
        ["failingJobs"] = new JsonArray(host.Faults.FailingJobs.Select(j => (JsonNode)new JsonObject
        {
            ["cluster"] = j.Cluster, ["namespace"] = j.Namespace, ["name"] = j.Name,
        }).ToArray()),
    };

    private static Task WriteAsync(HttpContext ctx, JsonNode body, int status = 200) => HttpIo.WriteJsonAsync(ctx, status, body);
}
