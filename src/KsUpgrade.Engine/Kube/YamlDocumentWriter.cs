using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Kube;

/// <summary>
/// Writes JSON objects as a YAML multi-document stream, block style, laid out the way kubectl prints objects
/// (sequences under a key are not indented). Made for backups: small, allocation-light and fully optimised from its
/// first call (a backup of a large cluster is one long loop through it in a fresh process).
/// </summary>
/// <remarks>
/// Every string reads back as the same string with both YAML 1.2 readers and the YAML 1.1 reader kubectl uses, which
/// types more plain scalars (yes/on/off, 0755, 1_000, 12:30, dates). So a string is written plain only when it starts
/// with an ASCII letter, '_' or '/', holds only letters, digits, space and <c>-_./:@=+,</c>, does not end in a space
/// or ':', has no ": " and is not a boolean or null word; everything else is double-quoted with escapes, or written as
/// a literal block when it is multi-line text that a block keeps exactly.
/// </remarks>
public sealed class YamlDocumentWriter
{
    /// <summary>Implicit keys longer than this are written as explicit keys ("? key"): YAML readers refuse longer ones.</summary>
    public const int MaxImplicitKeyLength = 1000;

    private static readonly string[] Indents = Enumerable.Range(0, 64).Select(i => new string(' ', i)).ToArray();
    private readonly TextWriter _out;

    public YamlDocumentWriter(TextWriter output) => _out = output;

    /// <summary>Writes "---" and the object as one document.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteDocument(JsonObject obj)
    {
        _out.Write("---\n");
        if (obj.Count == 0) { _out.Write("{}\n"); return; }
        WriteMapping(obj, 0, inline: false);
    }

    private void Indent(int n) => _out.Write(n < Indents.Length ? Indents[n] : new string(' ', n));

    /// <summary>A non-empty mapping whose keys sit at column <paramref name="indent"/>; with inline the first key follows "- ".</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteMapping(JsonObject obj, int indent, bool inline)
    {
        var first = true;
        foreach (var (key, value) in obj)
        {
            if (!(first && inline)) Indent(indent);
            first = false;
            if (key.Length > MaxImplicitKeyLength)
            {
                _out.Write("? ");
                WriteDoubleQuoted(key);
                _out.Write('\n');
                Indent(indent);
                _out.Write(':');
                // after an explicit key, a sequence is indented like any other nested node
                WriteValue(value, indent, nestedSequenceIndent: indent + 2);
            }
            else
            {
                if (IsPlainSafe(key)) _out.Write(key); else WriteDoubleQuoted(key);
                _out.Write(':');
                WriteValue(value, indent, nestedSequenceIndent: indent);
            }
        }
    }

    /// <summary>The value of a key at column <paramref name="indent"/>, written after its ':'.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteValue(JsonNode? value, int indent, int nestedSequenceIndent)
    {
        switch (value)
        {
            case JsonObject o when o.Count > 0:
                _out.Write('\n');
                WriteMapping(o, indent + 2, inline: false);
                break;
            case JsonArray a when a.Count > 0:
                _out.Write('\n');
                WriteSequence(a, nestedSequenceIndent, inline: false);
                break;
            default:
                _out.Write(' ');
                WriteLeaf(value, indent + 2);
                break;
        }
    }

    /// <summary>A non-empty sequence whose dashes sit at column <paramref name="indent"/>; with inline the first dash follows "- ".</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteSequence(JsonArray array, int indent, bool inline)
    {
        var first = true;
        foreach (var item in array)
        {
            if (!(first && inline)) Indent(indent);
            first = false;
            _out.Write("- ");
            switch (item)
            {
                case JsonObject o when o.Count > 0:
                    WriteMapping(o, indent + 2, inline: true);
                    break;
                case JsonArray a when a.Count > 0:
                    WriteSequence(a, indent + 2, inline: true);
                    break;
                default:
                    WriteLeaf(item, indent + 2);
                    break;
            }
        }
    }

    /// <summary>A scalar or an empty collection, and the line break after it; block text is indented to <paramref name="blockIndent"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteLeaf(JsonNode? node, int blockIndent)
    {
        switch (node)
        {
            case null: _out.Write("null\n"); return;
            case JsonObject: _out.Write("{}\n"); return;
            case JsonArray: _out.Write("[]\n"); return;
        }
        var v = (JsonValue)node;
        if (v.GetValueKind() != JsonValueKind.String)
        {
            _out.Write(v.ToJsonString());
            _out.Write('\n');
            return;
        }
        var s = v.GetValue<string>();
        if (IsPlainSafe(s)) _out.Write(s);
        else if (s.Contains('\n') && IsLiteralBlockSafe(s)) { WriteLiteralBlock(s, blockIndent); return; }
        else WriteDoubleQuoted(s);
        _out.Write('\n');
    }

    /// <summary>
    /// True when a plain scalar reads back as exactly this string under YAML 1.1 and 1.2 (see the class remarks).
    /// Conservative by design: quoting a string that did not need it is harmless, the reverse loses data.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool IsPlainSafe(string s)
    {
        if (s.Length == 0 || s.Length > MaxImplicitKeyLength) return false;
        var c0 = s[0];
        if (!(c0 is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or '/')) return false;
        var last = s[^1];
        if (last is ' ' or ':') return false;
        for (var i = 1; i < s.Length; i++)
        {
            var c = s[i];
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.' or '/' or '@' or '=' or '+' or ',') continue;
            if (c == ' ') continue;
            if (c == ':') { if (s[i + 1] == ' ') return false; continue; } // last char is not ':', so i + 1 exists
            return false;
        }
        return s.Length > 5 || !IsTypedWord(s);
    }

    /// <summary>Words that YAML 1.1 or 1.2 reads as a boolean or null, in any letter case.</summary>
    private static bool IsTypedWord(string s) =>
        s.Equals("y", StringComparison.OrdinalIgnoreCase) || s.Equals("n", StringComparison.OrdinalIgnoreCase)
        || s.Equals("yes", StringComparison.OrdinalIgnoreCase) || s.Equals("no", StringComparison.OrdinalIgnoreCase)
        || s.Equals("on", StringComparison.OrdinalIgnoreCase) || s.Equals("off", StringComparison.OrdinalIgnoreCase)
        || s.Equals("true", StringComparison.OrdinalIgnoreCase) || s.Equals("false", StringComparison.OrdinalIgnoreCase)
        || s.Equals("null", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Multi-line text a literal block keeps exactly: printable characters and line feeds only (no tab, no carriage
    /// return), no line ending in a space, and a first line that neither is empty nor starts with a space (so the block's
    /// indentation is found from it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool IsLiteralBlockSafe(string s)
    {
        if (s.Length == 0 || s[0] is ' ' or '\n') return false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\n') continue;
            if (c == ' ') { if (i + 1 == s.Length || s[i + 1] == '\n') return false; continue; }
            if (NeedsEscape(c) || char.IsSurrogate(c) && !IsPairedSurrogate(s, i)) return false;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteLiteralBlock(string s, int indent)
    {
        // chomping: "|" keeps one final line feed, "|-" none, "|+" all of them
        var trailing = 0;
        while (trailing < s.Length && s[s.Length - 1 - trailing] == '\n') trailing++;
        _out.Write(trailing == 0 ? "|-\n" : trailing == 1 ? "|\n" : "|+\n");
        var body = s.AsSpan(0, s.Length - trailing);
        while (true)
        {
            var nl = body.IndexOf('\n');
            var line = nl < 0 ? body : body[..nl];
            if (line.Length > 0) { Indent(indent); _out.Write(line); }
            _out.Write('\n');
            if (nl < 0) break;
            body = body[(nl + 1)..];
        }
        for (var i = 1; i < trailing; i++) _out.Write('\n');
    }

    /// <summary>A double-quoted scalar: escapes for quotes, backslashes and every non-printable character.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteDoubleQuoted(string s)
    {
        _out.Write('"');
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            string? escape = c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                _ => null,
            };
            if (escape is null)
            {
                if (!NeedsEscape(c) && !(char.IsSurrogate(c) && !IsPairedSurrogate(s, i))) continue;
                escape = "\\u" + ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
            }
            if (i > start) _out.Write(s.AsSpan(start, i - start));
            _out.Write(escape);
            start = i + 1;
        }
        if (s.Length > start) _out.Write(s.AsSpan(start));
        _out.Write('"');
    }

    /// <summary>Characters YAML does not allow unescaped: C0 and C1 controls, DEL, line/paragraph separators, BOM, non-characters.</summary>
    private static bool NeedsEscape(char c) =>
        c < 0x20 || c is >= '\u007F' and <= '\u009F' || c is '\u2028' or '\u2029' or '\uFEFF' or '\uFFFE' or '\uFFFF';

    private static bool IsPairedSurrogate(string s, int i) =>
        char.IsHighSurrogate(s[i]) ? i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])
        : i > 0 && char.IsHighSurrogate(s[i - 1]);
}
