using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KsUpgrade.Engine.Values;

/// <summary>
/// Loads one YAML document safely: size cap, line/column on syntax errors, and a bound on alias expansion
/// (an alias "bomb" of a few lines must not expand into millions of nodes).
/// </summary>
internal static partial class YamlLoader
{
    public const long MaxFileBytes = 10L * 1024 * 1024;
    public const long MaxExpandedNodes = 200_000;
    public const int MaxDepth = 100;

    /// <summary>Parses text into the root node of its first document (null for an empty document).</summary>
    public static YamlNode? Parse(string text, string source)
    {
        var stream = new YamlStream();
        Mark lastGood = Mark.Empty;
        try
        {
            // A first pass over the raw events: it reports where the text stops being YAML, also where YamlDotNet's
            // document loader would only throw InvalidOperationException (e.g. an unclosed '[' at end of input).
            var parser = new Parser(new StringReader(text));
            while (parser.MoveNext())
            {
                if (parser.Current is { } current) lastGood = current.End;
            }
            stream.Load(new StringReader(text));
        }
        catch (InvalidOperationException e)
        {
            throw new KsUpgradeException(ErrorIds.ValuesInvalid, KsErrorCategory.ParserError,
                $"{source}: YAML syntax error at line {lastGood.Line}, column {lastGood.Column}: the document ends inside an unclosed '[', '{{' or quote.", source, e)
            {
                Remedy = $"Close the bracket or quote that is open after line {lastGood.Line}, column {lastGood.Column} of {source}.",
            };
        }
        catch (YamlException e)
        {
            var reason = e.InnerException is not null && e.Message.Contains("See inner", StringComparison.OrdinalIgnoreCase) ? e.InnerException.Message : e.Message;
            throw new KsUpgradeException(ErrorIds.ValuesInvalid, KsErrorCategory.ParserError,
                $"{source}: YAML syntax error at line {e.Start.Line}, column {e.Start.Column}: {StripPosition(reason)}", source, e)
            {
                Remedy = $"Fix the YAML at line {e.Start.Line}, column {e.Start.Column} of {source}.",
            };
        }
        catch (ArgumentException e)
        {
            // e.g. a duplicate key reported by the representation model
            throw new KsUpgradeException(ErrorIds.ValuesInvalid, KsErrorCategory.ParserError, $"{source}: invalid YAML: {e.Message}", source, e);
        }
        if (stream.Documents.Count == 0) return null;
        var root = stream.Documents[0].RootNode;
        CheckExpansion(root, source);
        ResolveMergeKeys(root, new HashSet<YamlNode>(ReferenceEqualityComparer.Instance));
        return root;
    }

    /// <summary>
    /// Applies YAML merge keys (<c>&lt;&lt;: *base</c>) as helm's YAML library does: keys of the merged mapping(s) are added
    /// where the mapping does not set them itself; the <c>&lt;&lt;</c> entry is removed.
    /// </summary>
    private static void ResolveMergeKeys(YamlNode node, HashSet<YamlNode> done)
    {
        if (!done.Add(node)) return;
        switch (node)
        {
            case YamlSequenceNode seq:
                foreach (var child in seq.Children) ResolveMergeKeys(child, done);
                break;
            case YamlMappingNode map:
                foreach (var child in map.Children.Values.ToList()) ResolveMergeKeys(child, done);
                var mergeKey = map.Children.Keys.FirstOrDefault(k => k is YamlScalarNode { Value: "<<", Style: ScalarStyle.Plain or ScalarStyle.Any });
                if (mergeKey is null) break;
                var sources = map.Children[mergeKey] switch
                {
                    YamlMappingNode m => new List<YamlMappingNode> { m },
                    YamlSequenceNode s => s.Children.OfType<YamlMappingNode>().ToList(),
                    _ => new List<YamlMappingNode>(),
                };
                map.Children.Remove(mergeKey);
                var present = new HashSet<string>(map.Children.Keys.Select(ScalarText), StringComparer.Ordinal);
                foreach (var source in sources)
                {
                    ResolveMergeKeys(source, done);
                    foreach (var (k, v) in source.Children)
                    {
                        if (present.Add(ScalarText(k))) map.Children.Add(k, v);
                    }
                }
                break;
        }
    }

    /// <summary>Counts nodes as if every alias were expanded (memoised per node, so the count itself is cheap).</summary>
    private static void CheckExpansion(YamlNode root, string source)
    {
        var memo = new Dictionary<YamlNode, long>(ReferenceEqualityComparer.Instance);
        var inProgress = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);

        long Count(YamlNode node, int depth)
        {
            if (depth > MaxDepth) throw TooBig($"{source}: YAML nesting is deeper than {MaxDepth} levels.", source);
            if (memo.TryGetValue(node, out var known)) return known;
            if (!inProgress.Add(node)) throw new KsUpgradeException(ErrorIds.ValuesInvalid, KsErrorCategory.ParserError, $"{source}: YAML alias refers to itself.", source);
            long total = 1;
            IEnumerable<YamlNode> children = node switch
            {
                YamlMappingNode m => m.Children.SelectMany(p => new[] { p.Key, p.Value }),
                YamlSequenceNode s => s.Children,
                _ => Array.Empty<YamlNode>(),
            };
            foreach (var child in children)
            {
                total += Count(child, depth + 1);
                if (total > MaxExpandedNodes)
                {
                    throw TooBig($"{source}: the YAML expands to more than {MaxExpandedNodes:N0} nodes (anchors and aliases); refusing to load it.", source);
                }
            }
            inProgress.Remove(node);
            memo[node] = total;
            return total;
        }

        Count(root, 0);
    }

    public static KsUpgradeException TooBig(string message, string source) =>
        new(ErrorIds.ValuesInvalid, KsErrorCategory.LimitsExceeded, message, source);

    /// <summary>Converts a node to JSON with the scalar typing helm applies to values (YAML 1.1 booleans, numbers, null).</summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(p => KeyValuePair.Create(ScalarText(p.Key), ToJson(p.Value)))),
        YamlSequenceNode s => new JsonArray(s.Children.Select(ToJson).ToArray()),
        YamlScalarNode sc => ScalarToJson(sc),
        _ => null,
    };

    public static string ScalarText(YamlNode node) => node is YamlScalarNode s ? s.Value ?? "" : node.ToString();

    /// <summary>The boolean a plain scalar means to helm (true/yes/on...), or null when it is not a boolean.</summary>
    public static bool? AsBool(YamlNode? node)
    {
        if (node is not YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s || s.Value is null) return null;
        return s.Value switch
        {
            "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y" => true,
            "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N" => false,
            _ => null,
        };
    }

    private static JsonNode? ScalarToJson(YamlScalarNode s)
    {
        var v = s.Value ?? "";
        if (s.Style is not (ScalarStyle.Plain or ScalarStyle.Any)) return JsonValue.Create(v);
        if (v is "" or "~" or "null" or "Null" or "NULL") return null;
        if (AsBool(s) is { } b) return JsonValue.Create(b);
        if (IntRegex().IsMatch(v) && long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
        if (FloatRegex().IsMatch(v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return JsonValue.Create(d);
        return JsonValue.Create(v);
    }

    private static string StripPosition(string message) => PositionRegex().Replace(message, "").Trim();

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntRegex();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatRegex();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):")]
    private static partial Regex PositionRegex();
}
