using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Patching;

/// <summary>
/// The set of fields an applied configuration sets, as paths of fieldsV1 segments ("f:spec", "k:{\"name\":\"x\"}",
/// "v:\"a\""), convertible to and from the managedFields fieldsV1 form.
/// </summary>
public sealed class FieldSet
{
    public const char Sep = '\u0001';
    public HashSet<string> Paths { get; } = new(StringComparer.Ordinal);

    public static FieldSet Of(JsonObject applied, bool builtin)
    {
        var set = new FieldSet();
        foreach (var kv in applied)
        {
            if (kv.Key is "apiVersion" or "kind") continue;
            if (kv.Key == "metadata" && kv.Value is JsonObject meta)
            {
                foreach (var m in meta)
                    if (m.Key is "labels" or "annotations" or "finalizers" or "ownerReferences")
                        set.Walk(m.Value, "f:metadata" + Sep + "f:" + m.Key, "metadata." + m.Key, builtin);
                continue;
            }
            set.Walk(kv.Value, "f:" + kv.Key, kv.Key, builtin);
        }
        return set;
    }

    private void Walk(JsonNode? node, string path, string dotted, bool builtin)
    {
        Paths.Add(path);
        switch (node)
        {
            case JsonObject o:
                foreach (var kv in o) Walk(kv.Value, path + Sep + "f:" + kv.Key, dotted + "." + kv.Key, builtin);
                break;
            case JsonArray a:
                var key = builtin ? MergeKeys.For(dotted) : null;
                if (key is null) break;
                foreach (var item in a)
                {
                    if (key.Length == 0) { Paths.Add(path + Sep + "v:" + (item?.ToJsonString() ?? "null")); continue; }
                    if (item is not JsonObject io) continue;
                    var seg = "k:" + new JsonObject { [key] = io[key]?.DeepClone() }.ToJsonString();
                    Walk(io, path + Sep + seg, dotted + "[]", builtin);
                }
                break;
        }
    }

    /// <summary>Whether some path of the set lies below <paramref name="path"/>.</summary>
    public bool HasDescendantOf(string path)
    {
        var prefix = path + Sep;
        return Paths.Any(p => p.StartsWith(prefix, StringComparison.Ordinal));
    }

    public JsonObject ToFieldsV1()
    {
        var root = new JsonObject();
        foreach (var p in Paths.OrderBy(p => p, StringComparer.Ordinal))
        {
            var cur = root;
            foreach (var seg in p.Split(Sep))
            {
                if (cur[seg] is not JsonObject next) { next = new JsonObject(); cur[seg] = next; }
                cur = next;
            }
        }
        MarkSelf(root, true);
        return root;
    }

    private static void MarkSelf(JsonObject o, bool isRoot)
    {
        foreach (var kv in o.ToList())
            if (kv.Value is JsonObject child)
            {
                if (kv.Key.StartsWith("k:", StringComparison.Ordinal) && child.Count > 0) child["."] = new JsonObject();
                MarkSelf(child, false);
            }
    }

    public static FieldSet FromFieldsV1(JsonObject? fields)
    {
        var set = new FieldSet();
        if (fields is not null) set.Collect(fields, "");
        return set;
    }

    private void Collect(JsonObject o, string prefix)
    {
        foreach (var kv in o)
        {
            if (kv.Key == ".") continue;
            var path = prefix.Length == 0 ? kv.Key : prefix + Sep + kv.Key;
            Paths.Add(path);
            if (kv.Value is JsonObject child) Collect(child, path);
        }
    }
}
