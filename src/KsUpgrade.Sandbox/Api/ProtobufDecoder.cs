using System.Text;
using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Api;

/// <summary>
/// Decodes the Kubernetes protobuf wire form ("k8s\0" + runtime.Unknown) for the few kinds typed Go clients write with
/// it against us: Secret and ConfigMap (helm's release storage), Namespace (helm --create-namespace), ServiceAccount (metadata only)
/// and the RBAC kinds (kubectl create role|clusterrole|rolebinding|clusterrolebinding). Other kinds are answered 415 Unsupported Media Type.
/// </summary>
public static partial class ProtobufDecoder
{
    private static readonly byte[] Magic = { 0x6b, 0x38, 0x73, 0x00 };

    public static JsonObject Decode(byte[] body)
    {
        if (body.Length < 4 || !body.AsSpan(0, 4).SequenceEqual(Magic)) throw Unsupported("missing protobuf envelope");
        string apiVersion = "", kind = "";
        byte[]? raw = null;
        foreach (var (field, _, bytes, _) in Fields(body.AsMemory(4)))
        {
            if (field == 1 && bytes is not null)
                foreach (var (f, _, b, _) in Fields(bytes.Value))
                {
                    if (f == 1) apiVersion = Str(b);
                    else if (f == 2) kind = Str(b);
                }
            else if (field == 2 && bytes is not null) raw = bytes.Value.ToArray();
        }
        if (raw is null) throw Unsupported("empty protobuf object");
        var obj = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
        switch (kind)
        {
            case "Secret":
                foreach (var (f, v, b, _) in Fields(raw))
                {
                    switch (f)
                    {
                        case 1: obj["metadata"] = ObjectMetaOf(b!.Value); break;
                        case 2: MapEntry(Obj(obj, "data"), b!.Value, base64Values: true); break;
                        case 3: obj["type"] = Str(b); break;
                        case 4: MapEntry(Obj(obj, "stringData"), b!.Value, base64Values: false); break;
                        case 5: obj["immutable"] = v != 0; break;
                    }
                }
                break;
            case "ConfigMap":
                foreach (var (f, v, b, _) in Fields(raw))
                {
                    switch (f)
                    {
                        case 1: obj["metadata"] = ObjectMetaOf(b!.Value); break;
                        case 2: MapEntry(Obj(obj, "data"), b!.Value, base64Values: false); break;
                        case 3: MapEntry(Obj(obj, "binaryData"), b!.Value, base64Values: true); break;
                        case 4: obj["immutable"] = v != 0; break;
                    }
                }
                break;
            case "ServiceAccount":
                foreach (var (f, v, b, _) in Fields(raw))
                {
                    if (f == 1) obj["metadata"] = ObjectMetaOf(b!.Value);
                    else if (f == 4) obj["automountServiceAccountToken"] = v != 0;
                }
                break;
            case "Namespace":
                foreach (var (f, _, b, _) in Fields(raw))
                    if (f == 1) obj["metadata"] = ObjectMetaOf(b!.Value);
                break;
            default:
                if (!TryDecodeRbac(kind, raw, obj)) throw Unsupported($"protobuf bodies of kind {kind} are not supported");
                break;
        }
        return obj;
    }

    /// <summary>Decodes a protobuf DeleteOptions body into its JSON form.</summary>
    public static JsonObject DecodeDeleteOptions(byte[] body)
    {
        var opts = new JsonObject();
        if (body.Length < 4 || !body.AsSpan(0, 4).SequenceEqual(Magic)) return opts;
        byte[]? raw = null;
        foreach (var (field, _, bytes, _) in Fields(body.AsMemory(4)))
            if (field == 2 && bytes is not null) raw = bytes.Value.ToArray();
        if (raw is null) return opts;
        foreach (var (f, v, b, _) in Fields(raw))
        {
            switch (f)
            {
                case 1: opts["gracePeriodSeconds"] = (long)v; break;
                case 2:
                    var pre = new JsonObject();
                    foreach (var (pf, _, pb, _) in Fields(b!.Value))
                    {
                        if (pf == 1) pre["uid"] = Str(pb);
                        else if (pf == 2) pre["resourceVersion"] = Str(pb);
                    }
                    opts["preconditions"] = pre;
                    break;
                case 3: opts["orphanDependents"] = v != 0; break;
                case 4: opts["propagationPolicy"] = Str(b); break;
                case 5:
                    var arr = opts["dryRun"] as JsonArray ?? new JsonArray();
                    arr.Add(Str(b));
                    opts["dryRun"] = arr;
                    break;
            }
        }
        return opts;
    }

    private static ApiException Unsupported(string why) =>
        new(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (" + why + ")");

    private static JsonObject Obj(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject o) return o;
        o = new JsonObject();
        parent[key] = o;
        return o;
    }

    private static JsonObject ObjectMetaOf(ReadOnlyMemory<byte> data)
    {
        var m = new JsonObject();
        foreach (var (f, v, b, _) in Fields(data))
        {
            switch (f)
            {
                case 1: m["name"] = Str(b); break;
                case 2: m["generateName"] = Str(b); break;
                case 3: m["namespace"] = Str(b); break;
                case 5: m["uid"] = Str(b); break;
                case 6: m["resourceVersion"] = Str(b); break;
                case 7: m["generation"] = (long)v; break;
                case 11: MapEntry(Obj(m, "labels"), b!.Value, false); break;
                case 12: MapEntry(Obj(m, "annotations"), b!.Value, false); break;
                case 14:
                    var arr = m["finalizers"] as JsonArray ?? new JsonArray();
                    arr.Add(Str(b));
                    m["finalizers"] = arr;
                    break;
            }
        }
        foreach (var key in new[] { "name", "generateName", "namespace", "uid", "resourceVersion" })
            if (m[key] is JsonValue jv && jv.GetValue<string>().Length == 0) m.Remove(key);
        return m;
    }

    private static void MapEntry(JsonObject target, ReadOnlyMemory<byte> entry, bool base64Values)
    {
        string key = "";
        JsonNode? value = base64Values ? "" : "";
        foreach (var (f, _, b, _) in Fields(entry))
        {
            if (f == 1) key = Str(b);
            else if (f == 2) value = base64Values ? Convert.ToBase64String(b!.Value.Span) : Str(b);
        }
        target[key] = value;
    }

    private static string Str(ReadOnlyMemory<byte>? b) => b is null ? "" : Encoding.UTF8.GetString(b.Value.Span);

    /// <summary>Iterates the fields of a protobuf message: (field number, varint value, length-delimited bytes, wire type).</summary>
    private static IEnumerable<(int Field, ulong Varint, ReadOnlyMemory<byte>? Bytes, int WireType)> Fields(ReadOnlyMemory<byte> data)
    {
        int pos = 0;
        while (pos < data.Length)
        {
            ulong tag = ReadVarint(data.Span, ref pos);
            int field = (int)(tag >> 3), wire = (int)(tag & 7);
            switch (wire)
            {
                case 0: yield return (field, ReadVarint(data.Span, ref pos), null, 0); break;
                case 1: pos += 8; break;
                case 2:
                    int len = (int)ReadVarint(data.Span, ref pos);
                    var slice = data.Slice(pos, len);
                    pos += len;
                    yield return (field, 0, slice, 2);
                    break;
                case 5: pos += 4; break;
                default: throw Unsupported("bad protobuf wire type");
            }
        }
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> s, ref int pos)
    {
        ulong result = 0;
        int shift = 0;
        while (true)
        {
            if (pos >= s.Length) throw Unsupported("truncated protobuf");
            byte b = s[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
            shift += 7;
        }
    }
}
