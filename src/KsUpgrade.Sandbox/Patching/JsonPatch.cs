using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Patching;

/// <summary>RFC 6902 JSON Patch: add, remove, replace, move, copy, test.</summary>
public static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonArray operations)
    {
        var doc = document.DeepClone();
        foreach (var opNode in operations)
        {
            if (opNode is not JsonObject op) throw ApiException.BadRequest("invalid JSON patch operation");
            var kind = ObjectMeta.Str(op, "op") ?? "";
            var path = ObjectMeta.Str(op, "path") ?? throw ApiException.BadRequest("JSON patch operation without path");
            switch (kind)
            {
                case "add": doc = Add(doc, path, op["value"]?.DeepClone()); break;
                case "remove": doc = Remove(doc, path, out _); break;
                case "replace":
                    doc = Remove(doc, path, out _);
                    doc = Add(doc, path, op["value"]?.DeepClone());
                    break;
                case "move":
                {
                    var from = ObjectMeta.Str(op, "from") ?? throw ApiException.BadRequest("move without from");
                    doc = Remove(doc, from, out var moved);
                    doc = Add(doc, path, moved);
                    break;
                }
                case "copy":
                {
                    var from = ObjectMeta.Str(op, "from") ?? throw ApiException.BadRequest("copy without from");
                    doc = Add(doc, path, Resolve(doc, from)?.DeepClone());
                    break;
                }
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(doc, path), op["value"]))
                        throw new ApiException(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                    break;
                default: throw ApiException.BadRequest($"Unexpected kind: {kind}");
            }
        }
        return doc;
    }

    private static List<string> Tokens(string path)
    {
        if (path.Length == 0) return new();
        if (path[0] != '/') throw ApiException.BadRequest($"invalid JSON pointer: {path}");
        return path[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToList();
    }

    private static JsonNode? Resolve(JsonNode doc, string path)
    {
        JsonNode? cur = doc;
        foreach (var t in Tokens(path))
        {
            cur = cur switch
            {
                JsonObject o => o.TryGetPropertyValue(t, out var n) ? n : throw Missing(path),
                JsonArray a when int.TryParse(t, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw Missing(path),
            };
        }
        return cur;
    }

    private static ApiException Missing(string path) =>
        new(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{path}\": missing value");

    private static JsonNode Add(JsonNode doc, string path, JsonNode? value)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0) return value ?? throw ApiException.BadRequest("cannot replace the document with null");
        var parent = Resolve(doc, ParentPath(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o: o[last] = value; break;
            case JsonArray a:
                if (last == "-") a.Add(value);
                else if (int.TryParse(last, out var i) && i >= 0 && i <= a.Count) a.Insert(i, value);
                else throw Missing(path);
                break;
            default: throw Missing(path);
        }
        return doc;
    }

    private static JsonNode Remove(JsonNode doc, string path, out JsonNode? removed)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0) throw ApiException.BadRequest("cannot remove the document root");
        var parent = Resolve(doc, ParentPath(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                if (!o.Remove(last, out removed)) throw Missing(path);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                break;
            default: throw Missing(path);
        }
        return doc;
    }

    private static string ParentPath(List<string> tokens) =>
        tokens.Count <= 1 ? "" : "/" + string.Join('/', tokens.Take(tokens.Count - 1).Select(Escape));

    private static string Escape(string t) => t.Replace("~", "~0").Replace("/", "~1");
}
