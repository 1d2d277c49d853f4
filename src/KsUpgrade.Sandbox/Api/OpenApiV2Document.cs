using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Storage;
using Microsoft.AspNetCore.Http;

namespace KsUpgrade.Sandbox.Api;

/// <summary>
/// GET /openapi/v2: the Swagger 2.0 document a Kubernetes API server publishes, in JSON or (on request) in gnostic's
/// protobuf form. Like the v3 documents it carries, per served resource, the item path with the resource's
/// group-version-kind on every operation and the dryRun/fieldManager/fieldValidation/force query parameters on the path,
/// and no schemas: its definitions are empty. Clients validating client-side (kubectl and helm fall back to it when a
/// kind is missing from the OpenAPI v3 documents, e.g. a custom resource whose CRD is not installed yet, or a v1 List)
/// find no model for the kind and skip validation, as they do on a real server for kinds it does not know.
/// </summary>
public static class OpenApiV2Document
{
    /// <summary>The protobuf media type answered (Content-Type); Go's mime parser accepts it, unlike the '@' form.</summary>
    public const string ProtobufMediaType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
    /// <summary>The deprecated spelling client-go still asks for (Accept), served as <see cref="ProtobufMediaType"/>.</summary>
    public const string ProtobufMediaTypeDeprecated = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    public static JsonObject Build(SimulatedCluster c)
    {
        var paths = new JsonObject();
        foreach (var t in c.Registry.All.OrderBy(t => t.Group, StringComparer.Ordinal).ThenBy(t => t.Version, StringComparer.Ordinal).ThenBy(t => t.Plural, StringComparer.Ordinal))
        {
            var basePath = t.Group.Length == 0 ? $"/api/{t.Version}" : $"/apis/{t.Group}/{t.Version}";
            var path = t.Namespaced ? $"{basePath}/namespaces/{{namespace}}/{t.Plural}/{{name}}" : $"{basePath}/{t.Plural}/{{name}}";
            if (paths.ContainsKey(path)) continue;
            var gvk = new JsonObject { ["group"] = t.Group, ["kind"] = t.Kind, ["version"] = t.Version };
            JsonObject Op(string id, string action, params string[] consumes)
            {
                var op = new JsonObject
                {
                    ["operationId"] = id + Pascal(t.Group, t.Version) + (t.Namespaced ? "Namespaced" : "") + t.Kind,
                    ["produces"] = new JsonArray("application/json", "application/yaml"),
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" }, ["401"] = new JsonObject { ["description"] = "Unauthorized" } },
                    ["x-kubernetes-action"] = action,
                    ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
                };
                if (consumes.Length > 0) op["consumes"] = new JsonArray(consumes.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray());
                return op;
            }
            var parameters = new JsonArray(
                QueryParam("dryRun", "When present, indicates that modifications should not be persisted."),
                QueryParam("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
                QueryParam("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields."),
                QueryParam("force", "Force is going to \"force\" Apply requests."),
                PathParam("name", $"name of the {t.Kind}"));
            if (t.Namespaced) parameters.Add(PathParam("namespace", "object name and auth scope, such as for teams and projects"));
            paths[path] = new JsonObject
            {
                ["get"] = Op("read", "get"),
                ["put"] = Op("replace", "put", "*/*"),
                ["delete"] = Op("delete", "delete", "*/*"),
                ["patch"] = Op("patch", "patch",
                    "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"),
                ["parameters"] = parameters,
            };
        }
        return new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = c.Seed.KubernetesVersion },
            ["paths"] = paths,
            ["definitions"] = new JsonObject(),
        };
    }

    /// <summary>Answers GET /openapi/v2 in the form the Accept header asks for, with an ETag (304 on If-None-Match).</summary>
    public static async Task WriteAsync(HttpContext ctx, SimulatedCluster c)
    {
        var form = Negotiate(ctx.Request.Headers.Accept.ToString())
            ?? throw new ApiException(406, "NotAcceptable", "only the following media types are accepted: application/json, " + ProtobufMediaType);
        var rendered = Rendered(c);
        var (body, etag) = form == "protobuf" ? rendered.Protobuf : rendered.Json;
        ctx.Response.Headers.ETag = etag;
        ctx.Response.Headers.Vary = "Accept";
        if (ctx.Request.Headers.IfNoneMatch.ToString() == etag)
        {
            ctx.Response.StatusCode = 304;
            return;
        }
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = form == "protobuf" ? ProtobufMediaType : "application/json";
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }

    /// <summary>Both forms of one document, with their ETags.</summary>
    private sealed record Forms((byte[] Body, string ETag) Json, (byte[] Body, string ETag) Protobuf);

    private const int MaxShared = 256;
    private static readonly ConcurrentDictionary<string, Lazy<Forms>> ByContent = new(StringComparer.Ordinal);

    /// <summary>
    /// The document in both forms, built and encoded once per content (<see cref="ContentKey"/>): kubectl and helm fetch
    /// it again and again, and building and encoding it costs tens of milliseconds. A CRD applied or deleted changes the
    /// served types and so the key; sandboxes serving the same types share the entry.
    /// </summary>
    private static Forms Rendered(SimulatedCluster c)
    {
        var key = ContentKey(c);
        if (ByContent.Count >= MaxShared && !ByContent.ContainsKey(key)) ByContent.Clear();
        return ByContent.GetOrAdd(key, _ => new Lazy<Forms>(() =>
        {
            var doc = Build(c);
            static (byte[], string) Tagged(byte[] body) => (body, "\"" + Convert.ToHexString(SHA512.HashData(body)) + "\"");
            return new Forms(Tagged(Encoding.UTF8.GetBytes(doc.ToJsonString())), Tagged(OpenApiV2Protobuf.Encode(doc)));
        })).Value;
    }

    /// <summary>Everything <see cref="Build"/> reads: the Kubernetes version and the served types in registry order.</summary>
    internal static string ContentKey(SimulatedCluster c)
    {
        var b = new StringBuilder(c.Seed.KubernetesVersion);
        foreach (var t in c.Registry.All)
            b.Append('\n').Append(t.Group).Append('|').Append(t.Version).Append('|').Append(t.Plural).Append('|').Append(t.Kind).Append('|').Append(t.Namespaced);
        return b.ToString();
    }

    /// <summary>
    /// Which form the Accept header asks for: "protobuf", "json", or null when it names only types /openapi/v2 does not
    /// serve (406). <c>*/*</c> and <c>application/*</c> get JSON, as on a real server; so does a request without Accept.
    /// </summary>
    public static string? Negotiate(string? accept)
    {
        if (string.IsNullOrWhiteSpace(accept)) return "json";
        foreach (var part in accept.Split(','))
        {
            var type = part.Split(';')[0].Trim();
            if (type.Equals(ProtobufMediaType, StringComparison.OrdinalIgnoreCase) || type.Equals(ProtobufMediaTypeDeprecated, StringComparison.OrdinalIgnoreCase))
                return "protobuf";
            if (type is "application/json" or "*/*" or "application/*") return "json";
        }
        return null;
    }

    private static string Pascal(string group, string version)
    {
        var head = group.Length == 0 ? "Core" : group.Split('.')[0];
        return char.ToUpperInvariant(head[0]) + head[1..] + char.ToUpperInvariant(version[0]) + version[1..];
    }

    private static JsonObject QueryParam(string name, string description) => new()
    {
        ["uniqueItems"] = true, ["type"] = "string", ["description"] = description, ["name"] = name, ["in"] = "query",
    };

    private static JsonObject PathParam(string name, string description) => new()
    {
        ["uniqueItems"] = true, ["type"] = "string", ["description"] = description, ["name"] = name, ["in"] = "path", ["required"] = true,
    };
}
