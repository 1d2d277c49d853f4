using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Authorization;
using KsUpgrade.Sandbox.Hosting;
using Microsoft.AspNetCore.Http;

namespace KsUpgrade.Sandbox.Control;

/// <summary>
/// /_sandbox/identities: mint, list and revoke non-admin identities.
/// POST {"name":"precheck","serviceAccount":"ksupgrade/ksupgrade-precheck"} or {"name":"ro","user":"alice","groups":["g"]}
/// → 201 {"name","user","groups","contexts":["host-precheck",…],"token"}: the token is only in this answer (and the kubeconfig).
/// GET → {"identities":[{"name","user","groups","contexts"}]} (no tokens). DELETE /identities/&lt;name&gt; → 200 or 404.
/// </summary>
internal static class IdentityEndpoints
{
    public static async Task HandleAsync(HttpContext ctx, SandboxHost host, string[] rest, string method)
    {
        switch (rest)
        {
            case [] when method == "GET":
                await HttpIo.WriteJsonAsync(ctx, 200, new JsonObject
                {
                    ["identities"] = new JsonArray(host.Identities.Identities.Select(i => (JsonNode)Describe(host, i)).ToArray()),
                });
                return;
            case [] when method == "POST":
            {
                var body = await HttpIo.ReadObjectAsync(ctx);
                string? S(string k) => body[k] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                var request = new IdentityRequest
                {
                    Name = S("name") ?? throw ApiException.BadRequest("name is required"),
                    User = S("user"),
                    ServiceAccount = S("serviceAccount"),
                    Groups = (body["groups"] as JsonArray)?.Select(g => g is JsonValue v && v.TryGetValue<string>(out var s) ? s : "").ToList(),
                };
                MintedIdentity minted;
                try { minted = host.MintIdentity(request); }
                catch (ArgumentException e) { throw ApiException.BadRequest(e.Message); }
                var answer = Describe(host, minted.Identity);
                answer["token"] = minted.Token;
                await HttpIo.WriteJsonAsync(ctx, 201, answer);
                return;
            }
            case [var name] when method == "DELETE":
                if (!host.RevokeIdentity(name)) throw new ApiException(404, "NotFound", $"identity \"{name}\" not found");
                await HttpIo.WriteJsonAsync(ctx, 200, new JsonObject { ["ok"] = true });
                return;
        }
        throw new ApiException(404, "NotFound", "unknown control endpoint");
    }

    private static JsonObject Describe(SandboxHost host, SandboxIdentity i) => new()
    {
        ["name"] = i.Name,
        ["user"] = i.User,
        ["groups"] = new JsonArray(i.Groups.Select(g => (JsonNode)JsonValue.Create(g)!).ToArray()),
        ["contexts"] = new JsonArray(host.Contexts.Select(c => (JsonNode)JsonValue.Create(KubeconfigWriter.ContextName(c, i.Name))!).ToArray()),
    };
}
