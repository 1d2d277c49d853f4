using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Values;

namespace KsUpgrade.Engine.Helm;

/// <summary>One object of helm's rendered output (helm template, a release manifest, a CRD file).</summary>
public sealed record ManifestDocument(string? Source, string ApiVersion, string Kind, string Name, string? Namespace, string Yaml, JsonObject Object)
{
    /// <summary>The <c>helm.sh/hook</c> annotation (e.g. <c>pre-upgrade</c>), or null for a plain object.</summary>
    public string? Hook => Object["metadata"]?["annotations"]?["helm.sh/hook"]?.GetValue<object>()?.ToString();

    public override string ToString() => $"{Kind} {(Namespace is null ? "" : Namespace + "/")}{Name}" + (Source is null ? "" : $" ({Source})");
}

/// <summary>Splits multi-document YAML as helm prints it (<c>---</c> separators, <c># Source:</c> comments) into objects.</summary>
public static class HelmManifest
{
    /// <summary>
    /// The objects in <paramref name="yaml"/>, in order; empty documents are skipped. A document without kind or
    /// metadata.name, or that is not YAML, throws HelmFailed (InvalidResult) naming its source template.
    /// </summary>
    public static IReadOnlyList<ManifestDocument> Split(string yaml, string origin = "helm output")
    {
        var result = new List<ManifestDocument>();
        foreach (var chunk in Chunks(yaml))
        {
            var source = SourceOf(chunk);
            var where = source is null ? origin : $"{origin} ({source})";
            YamlDotNet.RepresentationModel.YamlNode? root;
            try { root = YamlLoader.Parse(chunk, where); }
            catch (KsUpgradeException e)
            {
                throw new KsUpgradeException(ErrorIds.HelmFailed, KsErrorCategory.InvalidResult, e.Message, where, e);
            }
            if (root is null || YamlLoader.ToJson(root) is not JsonObject obj || obj.Count == 0) continue;
            var kind = Str(obj["kind"]);
            var apiVersion = Str(obj["apiVersion"]);
            var name = Str(obj["metadata"]?["name"]);
            if (kind is null || apiVersion is null || name is null)
            {
                throw new KsUpgradeException(ErrorIds.HelmFailed, KsErrorCategory.InvalidResult,
                    $"{where}: a rendered document has no apiVersion, kind or metadata.name.", where);
            }
            result.Add(new ManifestDocument(source, apiVersion, kind, name, Str(obj["metadata"]?["namespace"]), chunk.Trim('\n') + "\n", obj));
        }
        return result;
    }

    private static IEnumerable<string> Chunks(string yaml)
    {
        var current = new StringBuilder();
        foreach (var rawLine in yaml.Replace("\r\n", "\n").Split('\n'))
        {
            if (rawLine == "---" || rawLine.StartsWith("--- ", StringComparison.Ordinal) || rawLine == "...")
            {
                if (current.Length > 0) yield return current.ToString();
                current.Clear();
                continue;
            }
            current.Append(rawLine).Append('\n');
        }
        if (current.Length > 0) yield return current.ToString();
    }

    private static string? SourceOf(string chunk)
    {
        foreach (var line in chunk.Split('\n'))
        {
            if (line.StartsWith("# Source: ", StringComparison.Ordinal)) return line["# Source: ".Length..].Trim();
            if (line.Length > 0 && !line.StartsWith('#')) break;
        }
        return null;
    }

    private static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValue<object>()?.ToString() is { Length: > 0 } s ? s : null;
}
