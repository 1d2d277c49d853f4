using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Patching;
using KsUpgrade.Sandbox.Storage;
using Microsoft.AspNetCore.Http;

namespace KsUpgrade.Sandbox.Api;

public sealed partial class RestHandler
{
    private const string PatchTypes = "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";

    /// <summary>Applies a PATCH (JSON, merge, strategic merge or server-side apply). Returns the result and whether it created.</summary>
    private async Task<(JsonObject Result, bool Created)> PatchAsync(HttpContext ctx, ResourceType t, string? ns, string name, bool statusOnly, bool dryRun)
    {
        var contentType = (ctx.Request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        var text = await HttpIo.ReadBodyAsync(ctx);
        if (contentType == "application/apply-patch+yaml")
            return ServerSideApplyPatch(ctx, t, ns, name, text, statusOnly, dryRun);

        JsonNode? patch;
        try { patch = JsonNode.Parse(text); }
        catch (System.Text.Json.JsonException e) { throw ApiException.BadRequest("invalid patch: " + e.Message); }

        lock (_cluster.Store.Gate)
        {
            var current = _cluster.Read(t, ns, name) ?? throw ApiException.NotFound(t, name);
            JsonNode? patched = contentType switch
            {
                "application/json-patch+json" => JsonPatch.Apply(current, patch as JsonArray ?? throw ApiException.BadRequest("a JSON patch must be an array")),
                "application/merge-patch+json" => MergePatch.Apply(current, patch),
                "application/strategic-merge-patch+json" when !t.FromCrd => StrategicMergePatch.Apply(current, patch),
                _ => throw new ApiException(415, "UnsupportedMediaType",
                    $"the body of the request was in an unknown format - accepted media types include: {PatchTypes}{(t.FromCrd ? "" : ", application/strategic-merge-patch+json")}"),
            };
            if (patched is not JsonObject po) throw ApiException.BadRequest("the patch did not produce an object");
            if (!statusOnly) Admit(t, ns, po, current);
            var result = _cluster.Update(t, ns, name, po, statusOnly, dryRun);
            return (result, false);
        }
    }

    private (JsonObject, bool) ServerSideApplyPatch(HttpContext ctx, ResourceType t, string? ns, string name, string text, bool statusOnly, bool dryRun)
    {
        var manager = HttpIo.Query(ctx, "fieldManager");
        if (string.IsNullOrEmpty(manager))
            throw new ApiException(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        bool force = HttpIo.QueryBool(ctx, "force");
        JsonObject applied;
        try { applied = YamlJson.Parse(text) as JsonObject ?? throw ApiException.BadRequest("the apply configuration must be an object"); }
        catch (YamlDotNet.Core.YamlException e) { throw ApiException.BadRequest("error decoding YAML: " + e.Message); }
        var appliedName = ObjectMeta.Str(applied, "metadata", "name");
        if (appliedName is not null && appliedName != name)
            throw ApiException.BadRequest($"the name of the object ({appliedName}) does not match the name on the URL ({name})");
        if (ObjectMeta.Str(applied, "kind") is { } kind && kind != t.Kind)
            throw ApiException.BadRequest($"the kind of the object ({kind}) does not match the kind of the URL ({t.Kind})");

        lock (_cluster.Store.Gate)
        {
            var current = _cluster.Read(t, ns, name);
            var merged = ServerSideApply.Apply(current, applied, manager, force, t);
            ObjectMeta.Meta(merged)["name"] = name;
            if (!statusOnly) Admit(t, ns, merged, current);
            if (current is null)
            {
                if (statusOnly) throw ApiException.NotFound(t, name);
                return (_cluster.Create(t, ns, merged, dryRun), true);
            }
            return (_cluster.Update(t, ns, name, merged, statusOnly, dryRun), false);
        }
    }
}
