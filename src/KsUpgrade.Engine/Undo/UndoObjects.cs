using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Undo;

/// <summary>
/// How Undo compares a backed-up object with the live one and writes it back: without what the server assigns
/// (resourceVersion, uid, times, generation, managed fields, status), owner references by kind and name (a re-created
/// owner has a new uid: the reference is pointed at the live owner, and dropped when there is none).
/// </summary>
internal static class UndoObjects
{
    private static readonly string[] ServerMetadata =
        { "resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds" };

    /// <summary>What two objects are compared by.</summary>
    public static string Comparable(JsonObject obj)
    {
        var o = (JsonObject)obj.DeepClone();
        o.Remove("status");
        if (o["metadata"] is JsonObject md)
        {
            foreach (var k in ServerMetadata) md.Remove(k);
            if (md["annotations"] is JsonObject ann)
            {
                ann.Remove("deployment.kubernetes.io/revision");
                ann.Remove("kubectl.kubernetes.io/last-applied-configuration");
                if (ann.Count == 0) md.Remove("annotations");
            }
            if (md["labels"] is JsonObject { Count: 0 }) md.Remove("labels");
            if (md["ownerReferences"] is JsonArray refs)
                md["ownerReferences"] = new JsonArray(refs.OfType<JsonObject>().Select(r => (JsonNode?)$"{r.Str("kind")}/{r.Str("name")}").ToArray());
        }
        return Sorted(o)!.ToJsonString();
    }

    /// <summary>The backed-up object as a create body: server fields dropped, owner references resolved against the live owners.</summary>
    public static JsonObject ForCreate(JsonObject backedUp, IReadOnlyDictionary<string, string> liveUids)
    {
        var o = (JsonObject)backedUp.DeepClone();
        if (o["metadata"] is JsonObject md)
        {
            foreach (var k in ServerMetadata) md.Remove(k);
            if (md["ownerReferences"] is JsonArray refs)
            {
                var kept = new JsonArray();
                foreach (var r in refs.OfType<JsonObject>())
                    if (liveUids.TryGetValue($"{r.Str("kind")}/{r.Str("name")}", out var uid))
                    {
                        var copy = (JsonObject)r.DeepClone();
                        copy["uid"] = uid;
                        kept.Add(copy);
                    }
                if (kept.Count == 0) md.Remove("ownerReferences"); else md["ownerReferences"] = kept;
            }
        }
        return o;
    }

    /// <summary>A PVC re-created from the backup: a new claim (its volume and binding are not the old ones).</summary>
    public static JsonObject NewClaim(JsonObject backedUp, IReadOnlyDictionary<string, string> liveUids)
    {
        var o = ForCreate(backedUp, liveUids);
        o.Remove("status");
        (o["spec"] as JsonObject)?.Remove("volumeName");
        if (o["metadata"]?["annotations"] is JsonObject ann)
        {
            ann.Remove("pv.kubernetes.io/bind-completed");
            ann.Remove("pv.kubernetes.io/bound-by-controller");
        }
        return o;
    }

    public static string Ref(JsonObject o) => $"{o.Str("kind")} {KubeJson.Ref(o.Namespace(), o.Name())}";

    /// <summary>
    /// True when the object was created after <paramref name="since"/> (the backup's start), by its creationTimestamp,
    /// which the API server writes in whole seconds: one created in the second the backup started counts as created
    /// since (an object of a backed-up set that existed then is in the backup, which lists its sets after it started).
    /// </summary>
    public static bool CreatedSince(JsonObject o, DateTimeOffset since) =>
        DateTimeOffset.TryParse(o.Str("metadata", "creationTimestamp"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var created)
        && created >= since.AddTicks(-(since.UtcTicks % TimeSpan.TicksPerSecond));

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };
}
