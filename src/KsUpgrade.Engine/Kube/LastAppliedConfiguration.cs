using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Kube;

/// <summary>
/// The <c>kubectl.kubernetes.io/last-applied-configuration</c> annotation as <c>kubectl apply</c> writes it: the
/// applied object without that annotation (an empty <c>annotations: {}</c> stays), encoded as Go's encoding/json does
/// (keys sorted, compact, <c>&lt; &gt; &amp;</c> and U+2028/U+2029 escaped), plus a newline. Byte-equal to kubectl's,
/// so a later <c>kubectl apply</c> of the same file finds nothing to change.
/// </summary>
public static class LastAppliedConfiguration
{
    public const string Annotation = "kubectl.kubernetes.io/last-applied-configuration";

    public static string Of(JsonObject applied)
    {
        var copy = (JsonObject)applied.DeepClone();
        var metadata = copy["metadata"] as JsonObject ?? new JsonObject();
        copy["metadata"] = metadata;
        var annotations = metadata["annotations"] as JsonObject ?? new JsonObject();
        annotations.Remove(Annotation);
        metadata["annotations"] = annotations;
        var sb = new StringBuilder();
        Write(sb, copy);
        return sb.Append('\n').ToString();
    }

    private static void Write(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject o:
                sb.Append('{');
                var first = true;
                foreach (var (key, value) in o.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, key);
                    sb.Append(':');
                    Write(sb, value);
                }
                sb.Append('}');
                break;
            case JsonArray a:
                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    Write(sb, a[i]);
                }
                sb.Append(']');
                break;
            case JsonValue v:
                if (v.GetValueKind() == JsonValueKind.String) WriteString(sb, v.GetValue<string>());
                else sb.Append(v.ToJsonString()); // numbers, true, false as they are
                break;
        }
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '<': case '>': case '&': case '\u2028': case '\u2029':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
