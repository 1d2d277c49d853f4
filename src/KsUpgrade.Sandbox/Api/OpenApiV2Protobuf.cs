using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Api;

/// <summary>
/// Encodes the Swagger 2.0 JSON of <see cref="OpenApiV2Document"/> as gnostic's <c>openapi.v2.Document</c> protobuf
/// message (what client-go's <c>OpenAPISchema()</c> asks for and unmarshals). Only the parts the sandbox's document
/// uses are encoded: swagger, info, paths (operations with operationId, consumes, produces, responses and vendor
/// extensions; query and path parameters), definitions. Vendor extension values travel as YAML text, as in gnostic.
/// </summary>
public static class OpenApiV2Protobuf
{
    public static byte[] Encode(JsonObject doc)
    {
        var w = new ProtoWriter();
        w.String(1, Str(doc["swagger"]));
        if (doc["info"] is JsonObject info)
            w.Message(2, iw => { iw.String(1, Str(info["title"])); iw.String(2, Str(info["version"])); });
        if (doc["paths"] is JsonObject paths)
            w.Message(8, pw =>
            {
                foreach (var (name, item) in paths)
                    if (item is JsonObject pathItem)
                        pw.Message(2, nw => { nw.String(1, name); nw.Message(2, iw => PathItem(iw, pathItem)); });
            });
        if (doc["definitions"] is JsonObject defs && defs.Count > 0)
            throw new NotSupportedException("schema definitions are not encoded");
        w.Message(9, _ => { });
        return w.ToArray();
    }

    private static void PathItem(ProtoWriter w, JsonObject item)
    {
        foreach (var (verb, field) in new[] { ("get", 2), ("put", 3), ("post", 4), ("delete", 5), ("options", 6), ("head", 7), ("patch", 8) })
            if (item[verb] is JsonObject op)
                w.Message(field, ow => Operation(ow, op));
        Parameters(w, 9, item["parameters"]);
        VendorExtensions(w, 10, item);
    }

    private static void Operation(ProtoWriter w, JsonObject op)
    {
        w.String(5, Str(op["operationId"]));
        foreach (var s in Strings(op["produces"])) w.String(6, s);
        foreach (var s in Strings(op["consumes"])) w.String(7, s);
        Parameters(w, 8, op["parameters"]);
        if (op["responses"] is JsonObject responses)
            w.Message(9, rw =>
            {
                foreach (var (code, r) in responses)
                    rw.Message(1, nw =>
                    {
                        nw.String(1, code);
                        nw.Message(2, vw => vw.Message(1, resp => resp.String(1, Str(r?["description"]))));
                    });
            });
        VendorExtensions(w, 13, op);
    }

    /// <summary>ParametersItem → Parameter → NonBodyParameter → query (3) or path (4) sub-schema.</summary>
    private static void Parameters(ProtoWriter w, int field, JsonNode? parameters)
    {
        if (parameters is not JsonArray list) return;
        foreach (var p in list.OfType<JsonObject>())
        {
            var location = Str(p["in"]);
            var sub = location switch
            {
                "query" => 3,
                "path" => 4,
                _ => throw new NotSupportedException($"parameters in '{location}' are not encoded"),
            };
            w.Message(field, item => item.Message(1, param => param.Message(2, nonBody => nonBody.Message(sub, s =>
            {
                s.Bool(1, p["required"]?.GetValue<bool>() ?? false);
                s.String(2, location);
                s.String(3, Str(p["description"]));
                s.String(4, Str(p["name"]));
                s.String(sub == 3 ? 6 : 5, Str(p["type"]));
                s.Bool(sub == 3 ? 20 : 19, p["uniqueItems"]?.GetValue<bool>() ?? false);
            }))));
        }
    }

    /// <summary>Every "x-" key as a NamedAny whose Any carries the value as YAML.</summary>
    private static void VendorExtensions(ProtoWriter w, int field, JsonObject owner)
    {
        foreach (var (key, value) in owner)
            if (key.StartsWith("x-", StringComparison.Ordinal))
                w.Message(field, nw => { nw.String(1, key); nw.Message(2, any => any.String(2, Yaml(value))); });
    }

    /// <summary>A scalar or a flat object of scalars as block YAML; anything deeper as JSON (which YAML accepts).</summary>
    private static string Yaml(JsonNode? value)
    {
        if (value is JsonObject o && o.All(kv => kv.Value is JsonValue))
        {
            var sb = new StringBuilder();
            foreach (var (k, v) in o) sb.Append(YamlScalar(k)).Append(": ").Append(YamlScalar(v)).Append('\n');
            return sb.ToString();
        }
        return (value is JsonValue ? YamlScalar(value) : value?.ToJsonString() ?? "null") + "\n";
    }

    private static string YamlScalar(JsonNode? v) => v is JsonValue jv && jv.GetValueKind() == JsonValueKind.String
        ? YamlScalar(jv.GetValue<string>())
        : v?.ToJsonString() ?? "null";

    private static string YamlScalar(string s)
    {
        var plain = s.Length > 0
            && s.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '-' or '_' or '/')
            && !char.IsAsciiDigit(s[0]) && s[0] != '-'
            && s.ToLowerInvariant() is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off" or "y" or "n" or "~");
        return plain ? s : JsonSerializer.Serialize(s);
    }

    private static string Str(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "";

    private static IEnumerable<string> Strings(JsonNode? n) => n is JsonArray a ? a.Select(Str) : Array.Empty<string>();
}

/// <summary>A minimal protobuf wire-format writer: length-delimited strings and messages, varint booleans.</summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _out = new();

    /// <summary>proto3: empty strings are not written.</summary>
    public void String(int field, string value)
    {
        if (value.Length == 0) return;
        Bytes(field, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>proto3: false is not written.</summary>
    public void Bool(int field, bool value)
    {
        if (!value) return;
        Varint((ulong)(field << 3));
        Varint(1);
    }

    public void Message(int field, Action<ProtoWriter> write)
    {
        var inner = new ProtoWriter();
        write(inner);
        Bytes(field, inner.ToArray());
    }

    public byte[] ToArray() => _out.ToArray();

    private void Bytes(int field, byte[] bytes)
    {
        Varint((ulong)((field << 3) | 2));
        Varint((ulong)bytes.Length);
        _out.Write(bytes);
    }

    private void Varint(ulong v)
    {
        while (v >= 0x80)
        {
            _out.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        _out.WriteByte((byte)v);
    }
}
