using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KsUpgrade.Sandbox.Patching;

/// <summary>Converts a YAML (or JSON) document into JSON nodes, resolving plain scalars like the YAML core schema.</summary>
public static class YamlJson
{
    private static readonly Regex IntRe = new(@"^[-+]?(0|[1-9][0-9]*)$", RegexOptions.Compiled);
    private static readonly Regex FloatRe = new(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.Compiled);

    public static JsonNode? Parse(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            try { return JsonNode.Parse(text); } catch (System.Text.Json.JsonException) { }
        }
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        if (stream.Documents.Count == 0) return null;
        return Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var o = new JsonObject();
                foreach (var kv in map.Children)
                    o[((YamlScalarNode)kv.Key).Value ?? ""] = Convert(kv.Value);
                return o;
            case YamlSequenceNode seq:
                return new JsonArray(seq.Children.Select(Convert).ToArray());
            case YamlScalarNode s:
                var v = s.Value ?? "";
                if (s.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
                    return JsonValue.Create(v);
                if (s.Tag == "tag:yaml.org,2002:str") return JsonValue.Create(v);
                if (v is "" or "~" or "null" or "Null" or "NULL") return null;
                if (v is "true" or "True" or "TRUE") return JsonValue.Create(true);
                if (v is "false" or "False" or "FALSE") return JsonValue.Create(false);
                if (IntRe.IsMatch(v) && long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
                if (FloatRe.IsMatch(v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return JsonValue.Create(d);
                return JsonValue.Create(v);
            default:
                return null;
        }
    }
}
