using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Patching;

/// <summary>RFC 7386 JSON merge patch: objects merge recursively, null deletes, everything else replaces.</summary>
public static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p) return patch?.DeepClone();
        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : new JsonObject();
        foreach (var kv in p)
        {
            if (kv.Value is null) result.Remove(kv.Key);
            else result[kv.Key] = Apply(result[kv.Key], kv.Value);
        }
        return result;
    }
}
