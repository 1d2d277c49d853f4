using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Api;

/// <summary>
/// The OpenAPI v3 schemas (components.schemas) the sandbox publishes, so `kubectl explain` works: for the built-in
/// kinds, from the compact table in <see cref="BuiltinSchemaTable"/> (our own, shorter descriptions; the structure and
/// type names as Kubernetes publishes them: definition names like <c>io.k8s.api.core.v1.Pod</c>, nested types by
/// <c>$ref</c> (wrapped in <c>allOf</c>, as the API server does), <c>x-kubernetes-group-version-kind</c> on each kind);
/// for custom resources, each served version's <c>openAPIV3Schema</c> with <c>metadata</c> replaced by ObjectMeta, as
/// the apiextensions server publishes it. A kind of the table without field details is published with its
/// top-level fields only. Documents are cached per registry state (a CRD applied or deleted makes a new one) and, across
/// registry states and sandboxes, by their content (<see cref="ContentKey"/>).
/// </summary>
public static class OpenApiSchemas
{
    private const string MetaPrefix = "io.k8s.apimachinery.pkg.apis.meta.v1.";
    private static readonly Lazy<Dictionary<string, JsonObject>> Builtins = new(() => BuiltinSchemaTable.Parse());
    private static readonly ConditionalWeakTable<IReadOnlyList<ResourceType>, Dictionary<string, (string Json, string Hash)?>> Cache = new();

    /// <summary>The schema name Kubernetes gives a kind: io.k8s.api.&lt;group&gt;.&lt;version&gt;.Kind, a CRD's reversed group.</summary>
    public static string DefinitionName(ResourceType t)
    {
        if (t.FromCrd) return string.Join('.', Enumerable.Reverse(t.Group.Split('.'))) + "." + t.Version + "." + t.Kind;
        var group = t.Group.Length == 0 ? "core" : t.Group.EndsWith(".k8s.io", StringComparison.Ordinal) ? t.Group[..^".k8s.io".Length] : t.Group;
        var prefix = t.Group switch
        {
            "apiextensions.k8s.io" => "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.",
            "apiregistration.k8s.io" => "io.k8s.kube-aggregator.pkg.apis.apiregistration.",
            _ => "io.k8s.api." + group + ".",
        };
        return prefix + t.Version + "." + t.Kind;
    }

    /// <summary>
    /// The v3 document of one group version, a fresh copy each call (built once per registry state: a CRD applied or
    /// deleted makes a new one); null when nothing is served there.
    /// </summary>
    public static JsonObject? GroupVersionDocument(ResourceRegistry registry, string group, string version, Func<JsonObject?> paths) =>
        Entry(registry, group, version, paths) is { } e ? (JsonObject)JsonNode.Parse(e.Json)! : null;

    /// <summary>The hash of that document (the v3 index's <c>?hash=</c>).</summary>
    public static string? GroupVersionHash(ResourceRegistry registry, string group, string version, Func<JsonObject?> paths) =>
        Entry(registry, group, version, paths)?.Hash;

    private static (string Json, string Hash)? Entry(ResourceRegistry registry, string group, string version, Func<JsonObject?> paths)
    {
        var all = registry.All;
        var docs = Cache.GetValue(all, _ => new Dictionary<string, (string, string)?>());
        var key = group + "/" + version;
        lock (docs)
        {
            if (docs.TryGetValue(key, out var cached)) return cached;
            // the document depends only on the group version's types: sandboxes (and registry states) serving the same
            // types share it, so a new sandbox or a CRD applied elsewhere does not rebuild the built-in documents
            var content = ContentKey(all, group, version);
            if (!ByContent.TryGetValue(content, out var entry))
            {
                entry = null;
                if (paths() is { } doc)
                {
                    doc["components"] = new JsonObject { ["schemas"] = SchemasFor(all.Where(t => t.Group == group && t.Version == version && !t.Virtual)) };
                    var json = doc.ToJsonString();
                    entry = (json, Convert.ToHexString(System.Security.Cryptography.SHA512.HashData(System.Text.Encoding.UTF8.GetBytes(json))));
                }
                if (ByContent.Count >= MaxShared) ByContent.Clear();
                ByContent[content] = entry;
            }
            docs[key] = entry;
            return entry;
        }
    }

    private const int MaxShared = 1024;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Json, string Hash)?> ByContent = new(StringComparer.Ordinal);

    /// <summary>Everything a group version's document is built from (its paths and schemas): the types, in order, with their CRD schemas.</summary>
    internal static string ContentKey(IReadOnlyList<ResourceType> all, string group, string version)
    {
        var b = new System.Text.StringBuilder(group).Append('/').Append(version);
        foreach (var t in all.Where(t => t.Group == group && t.Version == version))
            b.Append('\n').Append(t.Plural).Append('|').Append(t.Kind).Append('|').Append(t.Namespaced).Append('|').Append(t.Virtual)
                .Append('|').Append(t.FromCrd).Append('|').Append(t.FromCrd ? t.Schema?.ToJsonString() ?? "-" : "");
        return b.ToString();
    }

    private static JsonObject SchemasFor(IEnumerable<ResourceType> types)
    {
        var builtins = Builtins.Value;
        var result = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        void Include(string name)
        {
            if (result.ContainsKey(name) || !builtins.TryGetValue(name, out var s)) return;
            result[name] = s.DeepClone();
            foreach (var r in Refs(s)) Include(r);
        }
        foreach (var t in types)
        {
            var name = DefinitionName(t);
            var gvk = new JsonArray(new JsonObject { ["group"] = t.Group, ["kind"] = t.Kind, ["version"] = t.Version });
            JsonObject schema;
            if (t.FromCrd)
                schema = CrdSchema(t.Schema);
            else if (builtins.TryGetValue(name, out var s))
            {
                Include(name);
                schema = (JsonObject)result[name]!;
            }
            else
                schema = TopLevel(t);
            schema["x-kubernetes-group-version-kind"] = gvk;
            result[name] = schema;
            foreach (var r in Refs(schema)) Include(r);
        }
        return new JsonObject(result.Select(kv => KeyValuePair.Create(kv.Key, kv.Value)));
    }

    private static IEnumerable<string> Refs(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    if (k == "$ref" && v is JsonValue val && val.TryGetValue<string>(out var r) && r.StartsWith("#/components/schemas/", StringComparison.Ordinal))
                        yield return r["#/components/schemas/".Length..];
                    else foreach (var x in Refs(v)) yield return x;
                }
                break;
            case JsonArray a:
                foreach (var i in a) foreach (var x in Refs(i)) yield return x;
                break;
        }
    }

    internal static JsonObject Ref(string name, string? description = null)
    {
        var o = new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/" + name }) };
        if (description is not null) o["description"] = description;
        o["default"] = new JsonObject();
        return o;
    }

    internal const string ApiVersionText = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.";
    internal const string KindText = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. In CamelCase.";
    internal const string MetadataText = "Standard object's metadata.";

    /// <summary>A built-in kind the table has no fields for: its top-level fields.</summary>
    private static JsonObject TopLevel(ResourceType t)
    {
        var props = new JsonObject
        {
            ["apiVersion"] = new JsonObject { ["type"] = "string", ["description"] = ApiVersionText },
            ["kind"] = new JsonObject { ["type"] = "string", ["description"] = KindText },
            ["metadata"] = Ref(MetaPrefix + "ObjectMeta", MetadataText),
        };
        return new JsonObject { ["type"] = "object", ["description"] = $"{t.Kind} ({t.ApiVersion}).", ["properties"] = props };
    }

    /// <summary>A CRD version's openAPIV3Schema as the apiextensions server publishes it: metadata is ObjectMeta.</summary>
    private static JsonObject CrdSchema(JsonObject? openApiV3Schema)
    {
        var schema = openApiV3Schema?.DeepClone() as JsonObject ?? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        schema["type"] ??= "object";
        var props = schema["properties"] as JsonObject ?? new JsonObject();
        props["apiVersion"] = new JsonObject { ["type"] = "string", ["description"] = ApiVersionText };
        props["kind"] = new JsonObject { ["type"] = "string", ["description"] = KindText };
        props["metadata"] = Ref(MetaPrefix + "ObjectMeta", MetadataText);
        schema["properties"] = props;
        return schema;
    }
}
