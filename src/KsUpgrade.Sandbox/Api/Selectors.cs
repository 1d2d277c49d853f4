using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Api.Selectors;

/// <summary>One requirement of a label selector: key op values (=, ==, !=, in, notin, exists, !key).</summary>
public sealed record Requirement(string Key, string Op, IReadOnlyList<string> Values)
{
    public bool Matches(JsonObject labels)
    {
        bool has = labels.TryGetPropertyValue(Key, out var node);
        string? value = has ? (node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?.ToJsonString()) : null;
        return Op switch
        {
            "=" or "==" or "in" => has && Values.Contains(value),
            "!=" or "notin" => !has || !Values.Contains(value),
            "exists" => has,
            "!" => !has,
            _ => false,
        };
    }
}

/// <summary>A label selector, parsed from the query string syntax or from a LabelSelector object.</summary>
public sealed class LabelSelector
{
    public IReadOnlyList<Requirement> Requirements { get; }
    private LabelSelector(IReadOnlyList<Requirement> r) => Requirements = r;
    public static LabelSelector Everything { get; } = new(Array.Empty<Requirement>());

    public bool Matches(JsonObject? labels)
    {
        labels ??= new JsonObject();
        foreach (var r in Requirements) if (!r.Matches(labels)) return false;
        return true;
    }

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var reqs = new List<Requirement>();
        foreach (var part in SplitTopLevel(text))
        {
            var p = part.Trim();
            if (p.Length == 0) continue;
            var lower = p;
            int idx;
            if ((idx = IndexOfWord(lower, " notin ")) > 0 || (idx = IndexOfWord(lower, " in ")) > 0)
            {
                bool notin = IndexOfWord(lower, " notin ") > 0;
                var key = p[..idx].Trim();
                var rest = p[(idx + (notin ? 7 : 4))..].Trim();
                if (!rest.StartsWith('(') || !rest.EndsWith(')')) throw ApiException.BadRequest($"unable to parse requirement: {p}");
                var values = rest[1..^1].Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
                reqs.Add(new Requirement(key, notin ? "notin" : "in", values));
            }
            else if ((idx = p.IndexOf("!=", StringComparison.Ordinal)) > 0)
                reqs.Add(new Requirement(p[..idx].Trim(), "!=", new[] { p[(idx + 2)..].Trim() }));
            else if ((idx = p.IndexOf("==", StringComparison.Ordinal)) > 0)
                reqs.Add(new Requirement(p[..idx].Trim(), "=", new[] { p[(idx + 2)..].Trim() }));
            else if ((idx = p.IndexOf('=')) > 0)
                reqs.Add(new Requirement(p[..idx].Trim(), "=", new[] { p[(idx + 1)..].Trim() }));
            else if (p.StartsWith('!'))
                reqs.Add(new Requirement(p[1..].Trim(), "!", Array.Empty<string>()));
            else
                reqs.Add(new Requirement(p, "exists", Array.Empty<string>()));
        }
        return new LabelSelector(reqs);
    }

    private static int IndexOfWord(string s, string word)
    {
        // " in " with flexible spacing before "(": accept "key in (a,b)" and "key in(a,b)".
        var i = s.IndexOf(word, StringComparison.Ordinal);
        if (i > 0) return i;
        var w2 = word.TrimEnd() + "(";
        i = s.IndexOf(w2, StringComparison.Ordinal);
        return i;
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        int depth = 0, start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            else if (text[i] == ',' && depth == 0) { yield return text[start..i]; start = i + 1; }
        }
        yield return text[start..];
    }

    /// <summary>From a LabelSelector JSON object (matchLabels, matchExpressions).</summary>
    public static LabelSelector FromJson(JsonObject? selector)
    {
        if (selector is null) return Everything;
        var reqs = new List<Requirement>();
        foreach (var kv in selector["matchLabels"] as JsonObject ?? new JsonObject())
            reqs.Add(new Requirement(kv.Key, "=", new[] { kv.Value?.GetValue<string>() ?? "" }));
        foreach (var e in selector["matchExpressions"] as JsonArray ?? new JsonArray())
        {
            var key = ObjectMeta.Str(e, "key") ?? "";
            var values = (e?["values"] as JsonArray)?.Select(v => v?.GetValue<string>() ?? "").ToList() ?? new List<string>();
            var op = ObjectMeta.Str(e, "operator") switch
            {
                "In" => "in", "NotIn" => "notin", "Exists" => "exists", "DoesNotExist" => "!", var o => o ?? "",
            };
            reqs.Add(new Requirement(key, op, values));
        }
        return new LabelSelector(reqs);
    }
}

/// <summary>
/// A field selector: comma-separated label=value / label==value / label!=value terms. With the resource type given,
/// only the field labels the API server supports for that kind are accepted (metadata.name and metadata.namespace for
/// every kind, plus each kind's own, from Kubernetes' field label conversions); others are refused with 400
/// "field label not supported: &lt;label&gt;", as the API server does.
/// </summary>
public sealed class FieldSelector
{
    private readonly List<(string Path, bool Equal, string Value)> _terms;
    private FieldSelector(List<(string, bool, string)> terms) => _terms = terms;
    public static FieldSelector Everything { get; } = new(new());
    public bool IsEverything => _terms.Count == 0;

    private static readonly Dictionary<(string Group, string Kind), string[]> KindLabels = new()
    {
        [("", "Pod")] = new[] { "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
            "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName" },
        [("", "Event")] = new[] { "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
            "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type" },
        [("", "Secret")] = new[] { "type" },
        [("", "Node")] = new[] { "spec.unschedulable" },
        [("", "Namespace")] = new[] { "status.phase" },
        [("", "ReplicationController")] = new[] { "status.replicas" },
        [("apps", "ReplicaSet")] = new[] { "status.replicas" },
        [("batch", "Job")] = new[] { "status.successful" },
        [("certificates.k8s.io", "CertificateSigningRequest")] = new[] { "spec.signerName" },
    };

    /// <summary>Whether the API server accepts this field label for the kind.</summary>
    public static bool Supports(ResourceType t, string label) =>
        label is "metadata.name" or "metadata.namespace"
        || (!t.FromCrd && KindLabels.TryGetValue((t.Group, t.Kind), out var labels) && labels.Contains(label));

    /// <summary>Parses and checks each field label against what the API server supports for <paramref name="t"/>.</summary>
    public static FieldSelector Parse(string? text, ResourceType t)
    {
        var selector = Parse(text);
        foreach (var (path, _, _) in selector._terms)
            if (!Supports(t, path)) throw ApiException.BadRequest($"field label not supported: {path}");
        return selector;
    }

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var terms = new List<(string, bool, string)>();
        foreach (var raw in text.Split(','))
        {
            var p = raw.Trim();
            if (p.Length == 0) continue;
            int i;
            if ((i = p.IndexOf("!=", StringComparison.Ordinal)) > 0) terms.Add((p[..i], false, p[(i + 2)..]));
            else if ((i = p.IndexOf("==", StringComparison.Ordinal)) > 0) terms.Add((p[..i], true, p[(i + 2)..]));
            else if ((i = p.IndexOf('=')) > 0) terms.Add((p[..i], true, p[(i + 1)..]));
            else throw ApiException.BadRequest($"invalid selector: '{p}'; can't understand '{p}'");
        }
        return new FieldSelector(terms);
    }

    /// <summary>The single metadata.name=X term, if the selector is exactly that (fast path).</summary>
    public string? ExactName => _terms.Count == 1 && _terms[0].Path == "metadata.name" && _terms[0].Equal ? _terms[0].Value : null;

    public bool Matches(JsonObject obj)
    {
        foreach (var (path, equal, value) in _terms)
        {
            var actual = FieldValue(obj, path);
            if ((actual == value) != equal) return false;
        }
        return true;
    }

    /// <summary>The value a field label selects, as the API server's selectable field set has it.</summary>
    private static string FieldValue(JsonObject obj, string label) => label switch
    {
        // Booleans are "true"/"false", false when unset.
        "spec.unschedulable" or "spec.hostNetwork" => obj["spec"]?[label[5..]] is JsonValue b && b.TryGetValue<bool>(out var v) && v ? "true" : "false",
        "status.successful" => (ObjectMeta.Long(obj, "status", "succeeded") ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "status.replicas" => (ObjectMeta.Long(obj, "status", "replicas") ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "source" => ObjectMeta.Str(obj, "source", "component") ?? "",
        "status.podIPs" => ObjectMeta.Str(obj, "status", "podIP") ?? "",
        _ => ObjectMeta.Str(obj, label.Split('.')) ?? "",
    };
}
