using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Patching;

/// <summary>
/// Strategic merge patch for the built-in kinds: lists merge by the keys the Kubernetes types declare
/// (see <see cref="MergeKeys"/>), other lists are replaced; supports null deletion and the
/// $patch (replace/delete/merge), $retainKeys, $deleteFromPrimitiveList and $setElementOrder directives.
/// </summary>
public static class StrategicMergePatch
{
    public static JsonNode? Apply(JsonNode? original, JsonNode? patch) => Merge(original, patch, "", atomicLists: false);

    /// <summary>Merges with every list replaced (how apply treats custom resources, whose schemas we do not know).</summary>
    public static JsonNode? ApplyAtomicLists(JsonNode? original, JsonNode? patch) => Merge(original, patch, "", atomicLists: true);

    private static JsonNode? Merge(JsonNode? original, JsonNode? patch, string path, bool atomicLists)
    {
        if (patch is not JsonObject p) return patch?.DeepClone();
        var directive = Directive(p);
        if (directive == "replace") return StripDirectives(p);
        var result = original is JsonObject o ? (JsonObject)o.DeepClone() : new JsonObject();
        foreach (var kv in p)
        {
            var key = kv.Key;
            if (key is "$patch" or "$retainKeys" || key.StartsWith("$setElementOrder/", StringComparison.Ordinal)) continue;
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray arr && kv.Value is JsonArray remove)
                    result[field] = new JsonArray(arr.Where(e => !remove.Any(r => JsonNode.DeepEquals(r, e))).Select(e => e?.DeepClone()).ToArray());
                continue;
            }
            var childPath = path.Length == 0 ? key : path + "." + key;
            switch (kv.Value)
            {
                case null:
                    result.Remove(key);
                    break;
                case JsonObject child when Directive(child) == "delete":
                    result.Remove(key);
                    break;
                case JsonArray list:
                    result[key] = atomicLists ? StripDirectives(list) : MergeList(result[key] as JsonArray, list, childPath);
                    break;
                case JsonObject child:
                    result[key] = Merge(result[key], child, childPath, atomicLists);
                    break;
                default:
                    result[key] = kv.Value.DeepClone();
                    break;
            }
        }
        if (p["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => k?.GetValue<string>()).ToHashSet();
            foreach (var k in result.Select(x => x.Key).ToList())
                if (!keep.Contains(k)) result.Remove(k);
        }
        return result;
    }

    private static string? Directive(JsonObject o) =>
        o["$patch"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static JsonNode StripDirectives(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                var r = new JsonObject();
                foreach (var kv in o)
                    if (!kv.Key.StartsWith('$')) r[kv.Key] = kv.Value is null ? null : StripDirectives(kv.Value);
                return r;
            case JsonArray a:
                return new JsonArray(a.Where(e => !(e is JsonObject eo && Directive(eo) is not null && eo.Count == 1))
                    .Select(e => e is null ? null : StripDirectives(e)).ToArray());
            default:
                return node.DeepClone();
        }
    }

    private static JsonArray MergeList(JsonArray? original, JsonArray patch, string path)
    {
        if (patch.Any(e => e is JsonObject eo && Directive(eo) == "replace"))
            return (JsonArray)StripDirectives(new JsonArray(patch.Where(e => !(e is JsonObject eo && Directive(eo) == "replace")).Select(e => e?.DeepClone()).ToArray()));
        var key = MergeKeys.For(path);
        if (key is null) return (JsonArray)StripDirectives(patch);
        var result = original is null ? new JsonArray() : (JsonArray)original.DeepClone();
        if (key.Length == 0)
        {
            foreach (var e in patch)
                if (!result.Any(r => JsonNode.DeepEquals(r, e))) result.Add(e?.DeepClone());
            return result;
        }
        foreach (var e in patch)
        {
            if (e is not JsonObject pe) { result.Add(e?.DeepClone()); continue; }
            var kv = pe[key];
            int idx = -1;
            for (int i = 0; i < result.Count; i++)
                if (result[i] is JsonObject re && JsonNode.DeepEquals(re[key], kv)) { idx = i; break; }
            if (Directive(pe) == "delete")
            {
                if (idx >= 0) result.RemoveAt(idx);
                continue;
            }
            if (idx >= 0) result[idx] = Merge(result[idx], pe, path + "[]", false);
            else result.Add(Merge(null, pe, path + "[]", false));
        }
        return result;
    }
}

/// <summary>The patch merge keys of the built-in types, by the field's path (list items marked "[]").</summary>
public static class MergeKeys
{
    /// <summary>The merge key for a list at this path; "" merges primitives as a set; null replaces the list.</summary>
    public static string? For(string path)
    {
        var last = path[(path.LastIndexOf('.') + 1)..];
        switch (last)
        {
            case "containers" or "initContainers" or "ephemeralContainers" or "env" or "volumes" or "imagePullSecrets" or "webhooks":
                return "name";
            case "volumeMounts": return "mountPath";
            case "volumeDevices": return "devicePath";
            case "conditions" or "addresses" when path.StartsWith("status", StringComparison.Ordinal): return "type";
            case "hostAliases": return "ip";
            case "ownerReferences": return "uid";
            case "finalizers" when path == "metadata.finalizers": return "";
            case "topologySpreadConstraints": return "topologyKey";
            case "ports":
                if (path == "spec.ports") return "port";
                if (path.EndsWith("containers[].ports", StringComparison.OrdinalIgnoreCase)) return "containerPort";
                return null;
            default: return null;
        }
    }
}
