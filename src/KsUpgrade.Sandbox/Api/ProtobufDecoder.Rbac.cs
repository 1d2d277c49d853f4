using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Api;

/// <summary>The rbac.authorization.k8s.io/v1 kinds in the protobuf wire form (field numbers of k8s.io/api/rbac/v1).</summary>
public static partial class ProtobufDecoder
{
    private static bool TryDecodeRbac(string kind, byte[] raw, JsonObject obj)
    {
        switch (kind)
        {
            case "Role" or "ClusterRole":
                foreach (var (f, _, b, _) in Fields(raw))
                {
                    switch (f)
                    {
                        case 1: obj["metadata"] = ObjectMetaOf(b!.Value); break;
                        case 2: Arr(obj, "rules").Add(PolicyRuleOf(b!.Value)); break;
                        case 3 when kind == "ClusterRole": obj["aggregationRule"] = AggregationRuleOf(b!.Value); break;
                    }
                }
                return true;
            case "RoleBinding" or "ClusterRoleBinding":
                foreach (var (f, _, b, _) in Fields(raw))
                {
                    switch (f)
                    {
                        case 1: obj["metadata"] = ObjectMetaOf(b!.Value); break;
                        case 2: Arr(obj, "subjects").Add(StringFields(b!.Value, "kind", "apiGroup", "name", "namespace")); break;
                        case 3: obj["roleRef"] = StringFields(b!.Value, "apiGroup", "kind", "name"); break;
                    }
                }
                return true;
            default:
                return false;
        }
    }

    private static JsonObject PolicyRuleOf(ReadOnlyMemory<byte> data)
    {
        var rule = new JsonObject();
        string[] names = { "verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs" };
        foreach (var (f, _, b, _) in Fields(data))
            if (f is >= 1 and <= 5) Arr(rule, names[f - 1]).Add(Str(b));
        return rule;
    }

    private static JsonObject AggregationRuleOf(ReadOnlyMemory<byte> data)
    {
        var rule = new JsonObject();
        foreach (var (f, _, b, _) in Fields(data))
            if (f == 1) Arr(rule, "clusterRoleSelectors").Add(LabelSelectorOf(b!.Value));
        return rule;
    }

    private static JsonObject LabelSelectorOf(ReadOnlyMemory<byte> data)
    {
        var selector = new JsonObject();
        foreach (var (f, _, b, _) in Fields(data))
        {
            if (f == 1) MapEntry(Obj(selector, "matchLabels"), b!.Value, false);
            else if (f == 2)
            {
                var requirement = new JsonObject();
                foreach (var (rf, _, rb, _) in Fields(b!.Value))
                {
                    if (rf == 1) requirement["key"] = Str(rb);
                    else if (rf == 2) requirement["operator"] = Str(rb);
                    else if (rf == 3) Arr(requirement, "values").Add(Str(rb));
                }
                Arr(selector, "matchExpressions").Add(requirement);
            }
        }
        return selector;
    }

    /// <summary>A message of optional string fields numbered 1.. in the order of <paramref name="names"/>; empty ones left out.</summary>
    private static JsonObject StringFields(ReadOnlyMemory<byte> data, params string[] names)
    {
        var o = new JsonObject();
        foreach (var (f, _, b, _) in Fields(data))
            if (f >= 1 && f <= names.Length && Str(b) is { Length: > 0 } value) o[names[f - 1]] = value;
        return o;
    }

    private static JsonArray Arr(JsonObject parent, string key)
    {
        if (parent[key] is JsonArray a) return a;
        a = new JsonArray();
        parent[key] = a;
        return a;
    }
}
