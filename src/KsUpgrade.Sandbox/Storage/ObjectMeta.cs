using System.Text.Json;
using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Storage;

/// <summary>Small helpers for reading and writing Kubernetes JSON objects.</summary>
public static class ObjectMeta
{
    public static JsonObject Meta(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject m) return m;
        m = new JsonObject();
        obj["metadata"] = m;
        return m;
    }

    public static string? Str(JsonNode? node, params string[] path)
    {
        var n = Walk(node, path);
        if (n is null) return null;
        return n is JsonValue v && v.TryGetValue<string>(out var s) ? s : n.ToJsonString();
    }

    public static long? Long(JsonNode? node, params string[] path)
    {
        var n = Walk(node, path);
        if (n is JsonValue v)
        {
            if (v.TryGetValue<long>(out var l)) return l;
            if (v.TryGetValue<int>(out var i)) return i;
            if (v.TryGetValue<double>(out var d)) return (long)d;
            if (v.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number) return e.GetInt64();
            if (v.TryGetValue<string>(out var s) && long.TryParse(s, out l)) return l;
        }
        return null;
    }

    public static JsonNode? Walk(JsonNode? node, string[] path)
    {
        var n = node;
        foreach (var p in path)
        {
            if (n is JsonObject o) { if (!o.TryGetPropertyValue(p, out n)) return null; }
            else if (n is JsonArray a && int.TryParse(p, out var i) && i >= 0 && i < a.Count) n = a[i];
            else return null;
        }
        return n;
    }

    public static string Name(JsonObject obj) => Str(obj, "metadata", "name") ?? "";
    public static string Namespace(JsonObject obj) => Str(obj, "metadata", "namespace") ?? "";
    public static string Uid(JsonObject obj) => Str(obj, "metadata", "uid") ?? "";

    public static JsonObject Labels(JsonObject obj) =>
        Meta(obj)["labels"] as JsonObject ?? new JsonObject();

    public static string Now() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ");

    public static bool JsonEquals(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    public static JsonObject OwnerRef(JsonObject owner, string apiVersion, string kind) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["name"] = Name(owner),
        ["uid"] = Uid(owner),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    public static bool IsOwnedBy(JsonObject obj, string uid)
    {
        if (obj["metadata"]?["ownerReferences"] is not JsonArray refs) return false;
        return refs.Any(r => r?["uid"]?.GetValue<string>() == uid);
    }

    public static List<string> Finalizers(JsonObject obj) =>
        (obj["metadata"]?["finalizers"] as JsonArray)?.Select(f => f?.GetValue<string>() ?? "").Where(f => f.Length > 0).ToList() ?? new();

    private const string NameChars = "bcdfghjklmnpqrstvwxz2456789";
    public static string RandomSuffix(int n = 5) =>
        new(Enumerable.Range(0, n).Select(_ => NameChars[Random.Shared.Next(NameChars.Length)]).ToArray());

    /// <summary>A short stable hash (like pod-template-hash) of a JSON node.</summary>
    public static string Hash(JsonNode? node)
    {
        var bytes = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(node?.ToJsonString() ?? ""));
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < 10; i++) sb.Append(NameChars[bytes[i] % NameChars.Length]);
        return sb.ToString();
    }
}
