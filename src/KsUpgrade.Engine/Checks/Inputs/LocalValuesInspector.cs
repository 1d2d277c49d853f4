using YamlDotNet.RepresentationModel;

namespace KsUpgrade.Engine.Checks;

// replace with Values/UpgradeValues.Load when merged (this is a minimal local copy of the `upgrade:` validation).
/// <summary>
/// Reads a ks-core-values.yaml and validates its `upgrade:` section against the schema the ks-core chart and
/// ks-upgrade v4.1.3 understand (upgrade-reference.md §5, domain-facts.md §3.1 and §3.3).
/// </summary>
public static class LocalValuesInspector
{
    // A schema node: known child keys; null value = any content below (free-form subtree).
    private sealed class Schema(Dictionary<string, Schema?>? children = null, Schema? anyChild = null)
    {
        public Dictionary<string, Schema?>? Children { get; } = children;
        /// <summary>Schema applied to every child whose name is not in Children (maps keyed by job name).</summary>
        public Schema? AnyChild { get; } = anyChild;
    }

    private static Schema Leaf => new(new Dictionary<string, Schema?>());
    private static Schema Map(params (string Key, Schema? Child)[] keys) => new(keys.ToDictionary(k => k.Key, k => k.Child));

    private static readonly Schema JobSchema = Map(
        ("enabled", Leaf), ("priority", Leaf),
        ("extensionRef", Map(("name", Leaf), ("version", Leaf), ("config", null), ("clusterScheduling", null))),
        ("dynamicOptions", null));

    /// <summary>Job names registered in ks-upgrade v4.1.3 (pkg/jobs/register.go, read for domain-facts.md §3.3).</summary>
    public static readonly IReadOnlySet<string> KnownJobs = new HashSet<string>(StringComparer.Ordinal)
    {
        "core", "iam", "devops", "vector", "network", "storage-utils", "tower", "kubefed", "whizard-monitoring",
        "application", "whizard-notification", "kubeedge", "whizard-events", "whizard-logging", "opensearch",
        "whizard-telemetry", "servicemesh", "gateway", "metrics-server", "whizard-alerting",
    };

    /// <summary>Jobs that are part of ks-core itself and carry no extensionRef.</summary>
    private static readonly HashSet<string> CoreJobs = new(StringComparer.Ordinal) { "core", "iam" };

    private static readonly Schema UpgradeSchema = Map(
        ("enabled", Leaf), ("prepare", Leaf), ("dynamic", Leaf),
        ("image", Map(("registry", Leaf), ("repository", Leaf), ("tag", Leaf), ("digest", Leaf), ("pullPolicy", Leaf))),
        ("persistenceVolume", Map(("name", Leaf), ("storageClassName", Leaf), ("accessMode", Leaf), ("size", Leaf))),
        ("config", Map(
            ("storage", null),
            ("validator", Map(
                ("ksVersion", Map(("enabled", Leaf))),
                ("extensionsMuseum", Map(("enabled", Leaf), ("namespace", Leaf), ("name", Leaf), ("syncInterval", Leaf), ("watchTimeout", Leaf))))),
            ("jobs", new Schema(KnownJobs.ToDictionary(j => j, _ => (Schema?)JobSchema))))));

    public static ValuesFindings Inspect(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ValuesFindings { Path = path, ParseError = $"cannot read {path}: {ex.Message}" };
        }
        return InspectText(text, path);
    }

    public static ValuesFindings InspectText(string yaml, string path = "(values)")
    {
        YamlMappingNode? root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode as YamlMappingNode;
            if (stream.Documents.Count > 0 && root is null && stream.Documents[0].RootNode is not YamlScalarNode { Value: null or "" })
                return new ValuesFindings { Path = path, ParseError = "the document is not a YAML mapping" };
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            return new ValuesFindings { Path = path, ParseError = $"YAML error at line {ex.Start.Line}, column {ex.Start.Column}: {ex.Message}" };
        }

        if (root is null || Child(root, "upgrade") is not YamlMappingNode upgrade)
            return new ValuesFindings { Path = path, HasUpgradeSection = false };

        var unknown = new List<string>();
        Walk(upgrade, UpgradeSchema, "upgrade", unknown);

        var problems = new List<string>();
        if (Child(Child(upgrade, "config"), "jobs") is YamlMappingNode jobs)
        {
            foreach (var (keyNode, jobNode) in jobs.Children)
            {
                var job = ((YamlScalarNode)keyNode).Value ?? "";
                if (jobNode is not YamlMappingNode jobMap)
                {
                    problems.Add($"upgrade.config.jobs.{job}: not a mapping");
                    continue;
                }
                if (!IsTrue(Child(jobMap, "enabled")) || CoreJobs.Contains(job))
                    continue;
                var extRef = Child(jobMap, "extensionRef") as YamlMappingNode;
                foreach (var field in new[] { "name", "version" })
                {
                    if (string.IsNullOrWhiteSpace(Scalar(Child(extRef, field))))
                        problems.Add($"upgrade.config.jobs.{job}: enabled but extensionRef.{field} is missing");
                }
            }
        }
        else if (Child(Child(upgrade, "config"), "jobs") is { } notMap && notMap is not YamlScalarNode { Value: null or "" })
        {
            problems.Add("upgrade.config.jobs: not a mapping");
        }

        var pv = Child(upgrade, "persistenceVolume");
        return new ValuesFindings
        {
            Path = path,
            HasUpgradeSection = true,
            UpgradeEnabled = Child(upgrade, "enabled") is { } en ? IsTrue(en) : null,
            StorageClassName = Scalar(Child(pv, "storageClassName")) is { Length: > 0 } sc ? sc : null,
            PvcName = Scalar(Child(pv, "name")) is { Length: > 0 } n ? n : null,
            Problems = problems,
            UnknownKeys = unknown,
        };
    }

    private static void Walk(YamlMappingNode node, Schema schema, string prefix, List<string> unknown)
    {
        foreach (var (keyNode, value) in node.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? keyNode.ToString();
            var dotted = $"{prefix}.{key}";
            Schema? child;
            if (schema.Children is not null && schema.Children.TryGetValue(key, out var known))
                child = known;
            else if (schema.AnyChild is not null)
                child = schema.AnyChild;
            else
            {
                unknown.Add(dotted);
                continue;
            }
            if (child is null)
                continue; // free-form subtree
            if (value is YamlMappingNode map && (child.Children is { Count: > 0 } || child.AnyChild is not null))
                Walk(map, child, dotted, unknown);
        }
    }

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string? Scalar(YamlNode? node) => (node as YamlScalarNode)?.Value;

    private static bool IsTrue(YamlNode? node) => Scalar(node)?.Trim().ToLowerInvariant() is "true" or "yes" or "on";
}
