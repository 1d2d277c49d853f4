using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;

namespace KsUpgrade.Sandbox.Authorization;

/// <summary>
/// Decodes the protobuf form ("k8s\0" + runtime.Unknown) of the authorization.k8s.io/v1 review specs a typed Go client
/// may send: SelfSubjectAccessReview, SubjectAccessReview (resource/non-resource attributes, user, groups) and
/// SelfSubjectRulesReview (namespace). Field numbers are those of k8s.io/api/authorization/v1.
/// </summary>
internal static class ReviewProtobuf
{
    private static readonly byte[] Magic = { 0x6b, 0x38, 0x73, 0x00 };

    public static JsonObject Decode(byte[] body, string kind)
    {
        if (body.Length < 4 || !body.AsSpan(0, 4).SequenceEqual(Magic))
            throw new ApiException(415, "UnsupportedMediaType", "the body is not a protobuf-encoded Kubernetes object");
        ReadOnlyMemory<byte>? raw = null;
        foreach (var (field, bytes) in Fields(body.AsMemory(4)))
            if (field == 2) raw = bytes;
        var review = new JsonObject();
        if (raw is null || kind == "SelfSubjectReview") return review;
        var spec = new JsonObject();
        foreach (var (field, bytes) in Fields(raw.Value))
            if (field == 2 && bytes is { } specBytes) spec = Spec(specBytes, kind);
        review["spec"] = spec;
        return review;
    }

    private static JsonObject Spec(ReadOnlyMemory<byte> data, string kind)
    {
        var spec = new JsonObject();
        var groups = new JsonArray();
        foreach (var (field, bytes) in Fields(data))
        {
            if (bytes is not { } b) continue;
            if (kind == "SelfSubjectRulesReview")
            {
                if (field == 1) spec["namespace"] = Str(b);
                continue;
            }
            switch (field)
            {
                case 1: spec["resourceAttributes"] = Strings(b, "namespace", "verb", "group", "version", "resource", "subresource", "name"); break;
                case 2: spec["nonResourceAttributes"] = Strings(b, "path", "verb"); break;
                case 3 when kind == "SubjectAccessReview": spec["user"] = Str(b); break;
                case 4 when kind == "SubjectAccessReview": groups.Add(Str(b)); break;
            }
        }
        if (groups.Count > 0) spec["groups"] = groups;
        return spec;
    }

    /// <summary>A message whose fields 1..n are strings, named in order.</summary>
    private static JsonObject Strings(ReadOnlyMemory<byte> data, params string[] names)
    {
        var o = new JsonObject();
        foreach (var (field, bytes) in Fields(data))
            if (bytes is { } b && field >= 1 && field <= names.Length) o[names[field - 1]] = Str(b);
        return o;
    }

    private static string Str(ReadOnlyMemory<byte> b) => Encoding.UTF8.GetString(b.Span);

    /// <summary>The length-delimited fields of a message (varint and fixed fields are skipped, their bytes null).</summary>
    private static List<(int Field, ReadOnlyMemory<byte>? Bytes)> Fields(ReadOnlyMemory<byte> data)
    {
        var result = new List<(int, ReadOnlyMemory<byte>?)>();
        var s = data.Span;
        int pos = 0;
        while (pos < s.Length)
        {
            var key = ReadVarint(s, ref pos);
            int field = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: ReadVarint(s, ref pos); result.Add((field, null)); break;
                case 1: pos += 8; result.Add((field, null)); break;
                case 5: pos += 4; result.Add((field, null)); break;
                case 2:
                {
                    var len = (int)ReadVarint(s, ref pos);
                    if (len < 0 || pos + len > s.Length) throw Truncated();
                    result.Add((field, data.Slice(pos, len)));
                    pos += len;
                    break;
                }
                default: throw Truncated();
            }
        }
        return result;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> s, ref int pos)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= s.Length) throw Truncated();
            var b = s[pos++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw Truncated();
    }

    private static ApiException Truncated() => ApiException.BadRequest("the protobuf body is malformed");
}
