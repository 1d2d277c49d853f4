using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace KsUpgrade.Sandbox.Seeds.Files;

/// <summary>Converts between YAML text and System.Text.Json nodes (YAML 1.2 core schema for plain scalars).</summary>
public static partial class YamlJson
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithTypeConverter(new SafeStringConverter())
        .DisableAliases()
        .Build();

    /// <summary>
    /// Writes strings so that YAML 1.1 readers (Go's sigs.k8s.io/yaml, used by helm and kubectl) and YAML 1.2 readers
    /// both read them back as strings: anything that could resolve to a bool (yes/no/on/off/y/n/true/false), null,
    /// a number (incl. octal, hex, sexagesimal, .inf) or a merge key is double-quoted; multi-line text is a literal block.
    /// </summary>
    private sealed partial class SafeStringConverter : IYamlTypeConverter
    {
        [GeneratedRegex(@"^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL|<<|=)$")]
        private static partial Regex Special();

        [GeneratedRegex(@"^[-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(:[0-5]?[0-9])*|([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?|[0-9][0-9_]*[eE][-+]?[0-9]+|\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")]
        private static partial Regex Numeric();

        public bool Accepts(Type type) => type == typeof(string);

        public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer) => throw new NotSupportedException();

        public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer)
        {
            var s = (string)value!;
            var style = s.Length == 0 || Special().IsMatch(s) || Numeric().IsMatch(s) ? ScalarStyle.DoubleQuoted
                : s.Contains('\n') && !s.Contains('\r') && !s.Contains('\t') && s.TrimEnd(' ') == s ? ScalarStyle.Literal
                : ScalarStyle.Any;
            emitter.Emit(new YamlDotNet.Core.Events.Scalar(null, null, s, style, true, false));
        }
    }

    /// <summary>Parses every document of a YAML (or JSON) stream; empty documents are skipped.</summary>
    public static List<JsonNode> ParseAll(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var result = new List<JsonNode>();
        foreach (var doc in stream.Documents)
        {
            var node = ToJson(doc.RootNode);
            if (node is not null) result.Add(node);
        }
        return result;
    }

    public static JsonNode? Parse(string yaml) => ParseAll(yaml).FirstOrDefault();

    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => MapToJson(map),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => ScalarToJson(scalar),
        _ => throw new InvalidDataException($"Unsupported YAML node {node.NodeType}"),
    };

    private static JsonObject MapToJson(YamlMappingNode map)
    {
        var o = new JsonObject();
        foreach (var (k, v) in map.Children)
        {
            var key = k is YamlScalarNode ks ? ks.Value ?? "" : k.ToString();
            o[key] = ToJson(v);
        }
        return o;
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")] private static partial Regex IntPattern();
    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")] private static partial Regex FloatPattern();

    private static JsonNode? ScalarToJson(YamlScalarNode s)
    {
        var v = s.Value ?? "";
        if (s.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
            return JsonValue.Create(v);
        var tag = s.Tag.IsEmpty ? "" : s.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" or "!!str") return JsonValue.Create(v);
        switch (v)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return JsonValue.Create(true);
            case "false" or "False" or "FALSE": return JsonValue.Create(false);
        }
        if (IntPattern().IsMatch(v) && long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return JsonValue.Create(l);
        if (FloatPattern().IsMatch(v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            return JsonValue.Create(d);
        return JsonValue.Create(v);
    }

    /// <summary>Writes a JSON node as one YAML document (block style, strings quoted where needed).</summary>
    public static string ToYaml(JsonNode? node) => Serializer.Serialize(ToPlain(node));

    /// <summary>Writes several nodes as a multi-document YAML stream separated by <c>---</c>.</summary>
    public static string ToYamlStream(IEnumerable<JsonNode> nodes) =>
        string.Join("", nodes.Select(n => "---\n" + ToYaml(n)));

    private static object? ToPlain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(kv => kv.Key, kv => ToPlain(kv.Value)),
        JsonArray a => a.Select(ToPlain).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
            System.Text.Json.JsonValueKind.True => true,
            System.Text.Json.JsonValueKind.False => false,
            System.Text.Json.JsonValueKind.Number => NumberToPlain(v.ToJsonString()),
            _ => null,
        },
        _ => null,
    };

    private static object NumberToPlain(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
            ? l
            : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
