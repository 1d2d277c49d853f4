using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Seeds.Building;

/// <summary>Small helpers for writing Kubernetes JSON by hand.</summary>
public static class Json
{
    /// <summary>A JSON object of string pairs (labels, annotations, selectors).</summary>
    public static JsonObject Strings(params (string Key, string Value)[] pairs)
    {
        var o = new JsonObject();
        foreach (var (k, v) in pairs) o[k] = v;
        return o;
    }

    public static JsonObject Strings(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var o = new JsonObject();
        foreach (var (k, v) in pairs) o[k] = v;
        return o;
    }

    /// <summary>A JSON array of nodes (each must be parentless or is cloned).</summary>
    public static JsonArray Array(params JsonNode?[] items)
    {
        var a = new JsonArray();
        foreach (var i in items) a.Add(i?.Parent is null ? i : i.DeepClone());
        return a;
    }

    public static JsonArray Array(IEnumerable<JsonNode?> items) => Array(items.ToArray());

    public static JsonArray StringArray(IEnumerable<string> items) => new(items.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());

    /// <summary>Gets or creates a child object.</summary>
    public static JsonObject Child(this JsonObject o, string key)
    {
        if (o[key] is JsonObject c) return c;
        c = new JsonObject();
        o[key] = c;
        return c;
    }

    public static string? Str(this JsonNode? node, params string[] path)
    {
        var n = node;
        foreach (var p in path) n = n is JsonObject o ? o[p] : null;
        return n is JsonValue v && v.TryGetValue<string>(out var s) ? s : n?.ToString();
    }

    public static string Name(this JsonObject o) => o.Str("metadata", "name") ?? "";
    public static string? Namespace(this JsonObject o) => o.Str("metadata", "namespace");
    public static string Kind(this JsonObject o) => o.Str("kind") ?? "";
    public static string ApiVersion(this JsonObject o) => o.Str("apiVersion") ?? "";

    public static JsonObject Labels(this JsonObject o) => o.Child("metadata").Child("labels");
    public static JsonObject Annotations(this JsonObject o) => o.Child("metadata").Child("annotations");
}
