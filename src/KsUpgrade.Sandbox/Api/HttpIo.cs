using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace KsUpgrade.Sandbox.Api;

/// <summary>Reading request bodies and writing JSON answers.</summary>
public static class HttpIo
{
    public static async Task WriteJsonAsync(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext ctx, ApiException e)
    {
        if (e.RetryAfterSeconds is int ra) ctx.Response.Headers["Retry-After"] = ra.ToString();
        return WriteJsonAsync(ctx, e.Code, e.ToStatus());
    }

    public static async Task<string> ReadBodyAsync(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(ctx.RequestAborted);
    }

    public static async Task<JsonObject> ReadObjectAsync(HttpContext ctx)
    {
        var ct = ctx.Request.ContentType ?? "application/json";
        if (ct.Contains("protobuf", StringComparison.OrdinalIgnoreCase))
        {
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms, ctx.RequestAborted);
            return ProtobufDecoder.Decode(ms.ToArray());
        }
        var text = await ReadBodyAsync(ctx);
        try
        {
            var node = ct.Contains("yaml", StringComparison.OrdinalIgnoreCase)
                ? Patching.YamlJson.Parse(text)
                : JsonNode.Parse(text);
            return node as JsonObject ?? throw ApiException.BadRequest("the request body is not a JSON object");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw ApiException.BadRequest("the body of the request could not be decoded: " + ex.Message);
        }
    }

    public static string? Query(HttpContext ctx, string name)
    {
        var v = ctx.Request.Query[name];
        return v.Count == 0 ? null : v[0];
    }

    public static bool QueryBool(HttpContext ctx, string name) =>
        Query(ctx, name) is { } v && (v == "true" || v == "1");
}
