using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Patching;

/// <summary>
/// A subset of server-side apply: merges the applied configuration into the live object (lists of built-in kinds by
/// their merge keys, other lists atomically), removes fields this manager applied before and no longer applies (unless
/// another applier owns them), reports conflicts with other appliers' differing values unless forced, and records the
/// manager's field set in metadata.managedFields (operation Apply).
/// </summary>
public static class ServerSideApply
{
    public static JsonObject Apply(JsonObject? current, JsonObject applied, string manager, bool force, ResourceType t)
    {
        bool builtin = !t.FromCrd;
        var newSet = FieldSet.Of(applied, builtin);
        var clean = (JsonObject)applied.DeepClone();
        ObjectMeta.Meta(clean).Remove("managedFields");
        ObjectMeta.Meta(clean).Remove("resourceVersion");

        var entries = (current?["metadata"]?["managedFields"] as JsonArray)?.Select(e => (JsonObject)e!.DeepClone()).ToList() ?? new List<JsonObject>();
        JsonObject merged;
        if (current is null)
        {
            merged = clean;
        }
        else
        {
            var others = entries.Where(e => ObjectMeta.Str(e, "manager") != manager && ObjectMeta.Str(e, "operation") == "Apply").ToList();
            var conflicts = new List<(JsonObject Entry, string Path)>();
            foreach (var other in others)
            {
                var otherSet = FieldSet.FromFieldsV1(other["fieldsV1"] as JsonObject);
                foreach (var p in newSet.Paths)
                {
                    if (!otherSet.Paths.Contains(p)) continue;
                    var live = Resolve(current, p);
                    var mine = Resolve(applied, p);
                    if (live.Found && live.Node is not JsonObject && mine.Node is not JsonObject && !JsonNode.DeepEquals(live.Node, mine.Node))
                        conflicts.Add((other, p));
                }
            }
            if (conflicts.Count > 0 && !force)
            {
                var msg = $"Apply failed with {conflicts.Count} conflict{(conflicts.Count > 1 ? "s" : "")}: " +
                    string.Join("; ", conflicts.Select(c => $"conflict with \"{ObjectMeta.Str(c.Entry, "manager")}\": {Readable(c.Path)}"));
                var causes = new JsonArray(conflicts.Select(c => (JsonNode)new JsonObject
                {
                    ["reason"] = "FieldManagerConflict",
                    ["message"] = $"conflict with \"{ObjectMeta.Str(c.Entry, "manager")}\"",
                    ["field"] = Readable(c.Path),
                }).ToArray());
                throw new ApiException(409, "Conflict", msg, new JsonObject
                {
                    ["name"] = ObjectMeta.Name(current), ["group"] = t.Group, ["kind"] = t.Plural, ["causes"] = causes,
                });
            }
            foreach (var (entry, path) in conflicts)
            {
                var s = FieldSet.FromFieldsV1(entry["fieldsV1"] as JsonObject);
                s.Paths.RemoveWhere(x => x == path || x.StartsWith(path + FieldSet.Sep, StringComparison.Ordinal));
                entry["fieldsV1"] = s.ToFieldsV1();
            }

            merged = (JsonObject)(builtin ? StrategicMergePatch.Apply(current, clean) : StrategicMergePatch.ApplyAtomicLists(current, clean))!;
            var mineBefore = entries.FirstOrDefault(e => ObjectMeta.Str(e, "manager") == manager && ObjectMeta.Str(e, "operation") == "Apply");
            if (mineBefore is not null)
            {
                var prev = FieldSet.FromFieldsV1(mineBefore["fieldsV1"] as JsonObject);
                var ownedByOthers = new HashSet<string>(entries.Where(e => e != mineBefore)
                    .SelectMany(e => FieldSet.FromFieldsV1(e["fieldsV1"] as JsonObject).Paths), StringComparer.Ordinal);
                // A field the manager no longer applies is removed, unless another manager owns it or it is an ancestor
                // of a field still applied (fieldsV1 lists ancestors such as f:metadata as paths of their own).
                foreach (var p in prev.Paths.Where(p => !newSet.Paths.Contains(p) && !ownedByOthers.Contains(p) && !newSet.HasDescendantOf(p))
                             .OrderByDescending(p => p.Count(ch => ch == FieldSet.Sep)))
                    RemovePath(merged, p);
            }
        }

        var previous = entries.FirstOrDefault(e => ObjectMeta.Str(e, "manager") == manager && ObjectMeta.Str(e, "operation") == "Apply");
        var fieldsV1 = newSet.ToFieldsV1();
        var applyEntry = new JsonObject
        {
            ["manager"] = manager,
            ["operation"] = "Apply",
            ["apiVersion"] = t.ApiVersion,
            // An unchanged field set keeps its time, so re-applying the same configuration is a no-op write.
            ["time"] = previous is not null && JsonNode.DeepEquals(previous["fieldsV1"], fieldsV1) && ObjectMeta.Str(previous, "time") is { } kept
                ? kept : ObjectMeta.Now(),
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = fieldsV1,
        };
        int at = previous is null ? -1 : entries.IndexOf(previous);
        if (at >= 0) entries[at] = applyEntry; else entries.Add(applyEntry);
        ObjectMeta.Meta(merged)["managedFields"] = new JsonArray(entries.Select(e => (JsonNode)e).ToArray());
        if (current is not null) ObjectMeta.Meta(merged)["resourceVersion"] = ObjectMeta.Str(current, "metadata", "resourceVersion");
        return merged;
    }

    private static string Readable(string path) =>
        "." + string.Join(".", path.Split(FieldSet.Sep).Select(s => s.StartsWith("f:") ? s[2..] : "[" + s[2..] + "]")).Replace(".[", "[");

    private static (bool Found, JsonNode? Node) Resolve(JsonNode? root, string path)
    {
        var cur = root;
        foreach (var seg in path.Split(FieldSet.Sep))
        {
            if (seg.StartsWith("f:"))
            {
                if (cur is not JsonObject o || !o.TryGetPropertyValue(seg[2..], out cur)) return (false, null);
            }
            else if (seg.StartsWith("k:"))
            {
                var key = JsonNode.Parse(seg[2..]) as JsonObject;
                if (cur is not JsonArray a || key is null) return (false, null);
                cur = a.FirstOrDefault(i => i is JsonObject io && key.All(k => JsonNode.DeepEquals(io[k.Key], k.Value)));
                if (cur is null) return (false, null);
            }
            else if (seg.StartsWith("v:"))
            {
                var v = JsonNode.Parse(seg[2..]);
                if (cur is not JsonArray a) return (false, null);
                cur = a.FirstOrDefault(i => JsonNode.DeepEquals(i, v));
                if (cur is null) return (false, null);
            }
        }
        return (true, cur);
    }

    private static void RemovePath(JsonObject root, string path)
    {
        var segs = path.Split(FieldSet.Sep);
        var parentPath = string.Join(FieldSet.Sep, segs.Take(segs.Length - 1));
        var parent = segs.Length == 1 ? (true, (JsonNode?)root) : Resolve(root, parentPath);
        if (!parent.Item1) return;
        var last = segs[^1];
        if (last.StartsWith("f:") && parent.Item2 is JsonObject po) po.Remove(last[2..]);
        else if (parent.Item2 is JsonArray pa)
        {
            var target = Resolve(root, path);
            if (target.Found) pa.Remove(target.Node);
        }
    }
}
