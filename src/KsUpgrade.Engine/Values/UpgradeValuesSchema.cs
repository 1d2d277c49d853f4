namespace KsUpgrade.Engine.Values;

/// <summary>
/// The keys ks-core's <c>upgrade:</c> values and ks-upgrade v4.1.3's config know (upgrade-reference §5, domain-facts §1.2/§3).
/// A schema node lists its known child keys; <see cref="Free"/> accepts anything below it.
/// </summary>
internal sealed class SchemaNode
{
    private SchemaNode(IReadOnlyDictionary<string, SchemaNode>? children, bool free)
    {
        Children = children;
        IsFree = free;
    }

    /// <summary>Known keys; null for a scalar leaf.</summary>
    public IReadOnlyDictionary<string, SchemaNode>? Children { get; }

    /// <summary>Any content is accepted (e.g. dynamicOptions, extensionRef.config).</summary>
    public bool IsFree { get; }

    public static readonly SchemaNode Leaf = new(null, false);
    public static readonly SchemaNode Free = new(null, true);

    public static SchemaNode Map(params (string Key, SchemaNode Node)[] children) =>
        new(children.ToDictionary(c => c.Key, c => c.Node, StringComparer.Ordinal), false);
}

internal static class UpgradeValuesSchema
{
    /// <summary>The job names ks-upgrade v4.1.3 registers.</summary>
    public static readonly IReadOnlyList<string> KnownJobs = new[]
    {
        "core", "iam", "devops", "vector", "network", "storage-utils", "tower", "kubefed", "whizard-monitoring",
        "application", "whizard-notification", "kubeedge", "whizard-events", "whizard-logging", "opensearch",
        "whizard-telemetry", "servicemesh", "gateway", "metrics-server", "whizard-alerting",
    };

    /// <summary>Jobs that are not extensions and need no extensionRef.</summary>
    public static readonly IReadOnlySet<string> JobsWithoutExtension = new HashSet<string>(StringComparer.Ordinal) { "core", "iam" };

    public static readonly SchemaNode Job = SchemaNode.Map(
        ("enabled", SchemaNode.Leaf),
        ("priority", SchemaNode.Leaf),
        ("extensionRef", SchemaNode.Map(
            ("name", SchemaNode.Leaf),
            ("version", SchemaNode.Leaf),
            ("config", SchemaNode.Free),
            ("clusterScheduling", SchemaNode.Free))),
        ("dynamicOptions", SchemaNode.Free));

    public static readonly SchemaNode Config = SchemaNode.Map(
        ("storage", SchemaNode.Map(
            ("local", SchemaNode.Map(("path", SchemaNode.Leaf))),
            ("s3", SchemaNode.Map(
                ("endpoint", SchemaNode.Leaf), ("region", SchemaNode.Leaf), ("disableSSL", SchemaNode.Leaf),
                ("forcePathStyle", SchemaNode.Leaf), ("accessKeyID", SchemaNode.Leaf), ("secretAccessKey", SchemaNode.Leaf),
                ("sessionToken", SchemaNode.Leaf), ("bucket", SchemaNode.Leaf))))),
        ("validator", SchemaNode.Map(
            ("ksVersion", SchemaNode.Map(("enabled", SchemaNode.Leaf))),
            ("extensionsMuseum", SchemaNode.Map(
                ("enabled", SchemaNode.Leaf), ("namespace", SchemaNode.Leaf), ("name", SchemaNode.Leaf),
                ("syncInterval", SchemaNode.Leaf), ("watchTimeout", SchemaNode.Leaf))))),
        // jobs is validated separately: its keys are job names.
        ("jobs", SchemaNode.Free));

    public static readonly SchemaNode Upgrade = SchemaNode.Map(
        ("enabled", SchemaNode.Leaf),
        ("prepare", SchemaNode.Leaf),
        ("dynamic", SchemaNode.Leaf),
        ("image", SchemaNode.Map(
            ("registry", SchemaNode.Leaf), ("repository", SchemaNode.Leaf), ("tag", SchemaNode.Leaf),
            ("digest", SchemaNode.Leaf), ("pullPolicy", SchemaNode.Leaf))),
        ("persistenceVolume", SchemaNode.Map(
            ("name", SchemaNode.Leaf), ("storageClassName", SchemaNode.Leaf), ("accessMode", SchemaNode.Leaf), ("size", SchemaNode.Leaf))),
        ("config", Config));

    /// <summary>The closest known word when it is close enough to be a typo.</summary>
    public static string? Suggest(string word, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var k in known)
        {
            var d = Distance(word.ToLowerInvariant(), k.ToLowerInvariant());
            if (d < bestDistance) { best = k; bestDistance = d; }
        }
        var allowed = word.Length <= 4 ? 1 : 2;
        return best is not null && bestDistance <= allowed ? best : null;
    }

    /// <summary>Edit distance counting an adjacent swap as one edit (optimal string alignment).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
