using System.Text.Json;
using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Kube;

/// <summary>Small helpers over JSON objects of the Kubernetes API.</summary>
public static class KubeJson
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        foreach (var p in path)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(p, out node)) return null;
        }
        return node;
    }

    /// <summary>The string (or scalar rendered as text) at a path, or null.</summary>
    public static string? Str(this JsonNode? node, params string[] path)
    {
        var n = node.At(path);
        if (n is not JsonValue v) return null;
        return v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => v.ToJsonString(),
        };
    }

    public static bool? Bool(this JsonNode? node, params string[] path)
    {
        var n = node.At(path);
        if (n is not JsonValue v) return null;
        return v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => bool.TryParse(v.GetValue<string>(), out var b) ? b : null,
            _ => null,
        };
    }

    public static long? Long(this JsonNode? node, params string[] path)
    {
        if (node.At(path) is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) return null;
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<int>(out var i)) return i;
        if (v.TryGetValue<double>(out var d)) return (long)d;
        return double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p) ? (long)p : null;
    }

    public static string Name(this JsonObject o) => o.Str("metadata", "name") ?? "";
    public static string? Namespace(this JsonObject o) => o.Str("metadata", "namespace");
    public static string? ResourceVersion(this JsonObject o) => o.Str("metadata", "resourceVersion");

    public static string? Label(this JsonObject o, string key) => o.Str("metadata", "labels", key);
    public static string? Annotation(this JsonObject o, string key) => o.Str("metadata", "annotations", key);

    /// <summary>Returns the object (or a new one) at a property, creating it when missing.</summary>
    public static JsonObject Obj(this JsonObject o, string property)
    {
        if (o[property] is JsonObject existing) return existing;
        var created = new JsonObject();
        o[property] = created;
        return created;
    }

    public static JsonObject Parse(string json) =>
        JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException("The API answered with JSON that is not an object.");

    public static JsonObject FromElement(JsonElement e) =>
        JsonObject.Create(e.Clone()) ?? throw new InvalidDataException("The API answered with JSON that is not an object.");

    /// <summary>"ns/name" or "name".</summary>
    public static string Ref(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";

    /// <summary>Tells whether the job has the given condition (Complete, Failed) with status True.</summary>
    public static bool HasCondition(JsonObject obj, string type) =>
        obj.At("status", "conditions") is JsonArray conditions
        && conditions.OfType<JsonObject>().Any(c => c.Str("type") == type && c.Str("status") == "True");

    /// <summary>The object as a KubernetesClient model (V1Job, V1Pod...), for code that reads many typed fields.</summary>
    public static T As<T>(this JsonObject o) => k8s.KubernetesJson.Deserialize<T>(o.ToJsonString());

    /// <summary>A KubernetesClient model as a JSON object (to create or replace it through <see cref="IKubeApi"/>).</summary>
    public static JsonObject ToJsonObject(object model) => Parse(k8s.KubernetesJson.Serialize(model));
}
