using System.Text;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace KsUpgrade.Engine.Values;

/// <summary>
/// ks-core-values.yaml, loaded safely and checked: the <c>upgrade:</c> section ks-core and ks-upgrade read.
/// Unreadable input (missing file, YAML syntax error, oversized or alias-bomb documents) throws
/// <see cref="ErrorIds.ValuesInvalid"/>; content problems become <see cref="Findings"/>.
/// </summary>
public sealed class UpgradeValues
{
    public const string DefaultPersistenceVolumeName = "ks-upgrade";

    private readonly List<ValuesFinding> _findings = new();
    private readonly List<UpgradeJobSettings> _enabledJobs = new();

    private UpgradeValues(string source) => Source = source;

    /// <summary>Where the values came from (the file path).</summary>
    public string Source { get; }

    public IReadOnlyList<ValuesFinding> Findings => _findings;

    /// <summary>No Error finding.</summary>
    public bool IsValid => _findings.All(f => f.Severity != ValuesFindingSeverity.Error);

    /// <summary>The whole document as JSON (helm's typing), or an empty object.</summary>
    public JsonObject Document { get; private set; } = new();

    /// <summary>The <c>upgrade:</c> section, or null when absent.</summary>
    public JsonObject? Upgrade { get; private set; }

    /// <summary><c>upgrade.config</c>: passed verbatim to the ks-upgrade jobs as config-patch.yaml. Null when absent.</summary>
    public JsonObject? UpgradeConfig { get; private set; }

    /// <summary><c>upgrade.enabled</c> is a YAML boolean true.</summary>
    public bool UpgradeEnabled { get; private set; }

    /// <summary><c>upgrade.persistenceVolume.storageClassName</c>; null when empty (the default StorageClass is used).</summary>
    public string? StorageClassName { get; private set; }

    /// <summary><c>upgrade.persistenceVolume.name</c>, default <c>ks-upgrade</c>.</summary>
    public string PersistenceVolumeName { get; private set; } = DefaultPersistenceVolumeName;

    /// <summary><c>upgrade.image.registry</c> / <c>.tag</c> when set (empty means "use global").</summary>
    public string? ImageRegistry { get; private set; }
    public string? ImageTag { get; private set; }

    /// <summary>Jobs under <c>upgrade.config.jobs</c> with <c>enabled: true</c>, by descending priority (ks-upgrade's order).</summary>
    public IReadOnlyList<UpgradeJobSettings> EnabledJobs => _enabledJobs;

    /// <summary>Loads and checks a values file.</summary>
    public static UpgradeValues Load(string path)
    {
        var full = Path.GetFullPath(path);
        var info = new FileInfo(full);
        if (!info.Exists)
        {
            throw new KsUpgradeException(ErrorIds.ValuesInvalid, KsErrorCategory.ObjectNotFound, $"The values file '{full}' does not exist.", full)
            {
                Remedy = "Pass -ValuesPath with the path of your ks-core-values.yaml.",
            };
        }
        if (info.Length > YamlLoader.MaxFileBytes)
        {
            throw YamlLoader.TooBig($"The values file '{full}' is {info.Length:N0} bytes; the limit is {YamlLoader.MaxFileBytes:N0}.", full);
        }
        string text;
        try { text = File.ReadAllText(full, Encoding.UTF8); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KsUpgradeException(ErrorIds.ValuesInvalid, KsErrorCategory.ReadError, $"The values file '{full}' cannot be read: {e.Message}", full, e);
        }
        return Parse(text, full);
    }

    /// <summary>Checks values given as text (<paramref name="source"/> names them in messages).</summary>
    public static UpgradeValues Parse(string yaml, string source = "values")
    {
        if (yaml.Length > YamlLoader.MaxFileBytes) throw YamlLoader.TooBig($"{source} is larger than {YamlLoader.MaxFileBytes:N0} characters.", source);
        var values = new UpgradeValues(source);
        var root = YamlLoader.Parse(yaml, source);
        values.Validate(root);
        return values;
    }

    /// <summary>Throws ValuesInvalid (InvalidData) listing the Error findings, when there are any.</summary>
    public void ThrowIfInvalid()
    {
        if (IsValid) return;
        var errors = _findings.Where(f => f.Severity == ValuesFindingSeverity.Error).Select(f => "  " + f);
        throw new KsUpgradeException(ErrorIds.ValuesInvalid, KsErrorCategory.InvalidData,
            $"{Source} is not usable for the upgrade:\n{string.Join('\n', errors)}", Source)
        {
            Remedy = "Fix the listed keys in the values file (compare with the upgrade: section of the official ks-core-values.yaml).",
        };
    }

    private void Validate(YamlNode? root)
    {
        if (root is null || (root is YamlScalarNode s && string.IsNullOrEmpty(s.Value)))
        {
            Add("", ValuesFindingSeverity.Error, "The values file is empty; it needs an upgrade: section.", null);
            return;
        }
        if (root is not YamlMappingNode rootMap)
        {
            Add("", ValuesFindingSeverity.Error, "The values file must be a YAML mapping (key: value).", Line(root));
            return;
        }
        Document = YamlLoader.ToJson(rootMap) as JsonObject ?? new JsonObject();

        var upgradeNode = Get(rootMap, "upgrade");
        if (upgradeNode is null)
        {
            var near = UpgradeValuesSchema.Suggest("upgrade", rootMap.Children.Keys.Select(YamlLoader.ScalarText));
            Add("upgrade", ValuesFindingSeverity.Error,
                "There is no upgrade: section." + (near is not null && near != "upgrade" ? $" Did you mean to name '{near}' 'upgrade'?" : ""), null);
            return;
        }
        if (upgradeNode is not YamlMappingNode upgrade)
        {
            Add("upgrade", ValuesFindingSeverity.Error, "upgrade: must be a mapping.", Line(upgradeNode));
            return;
        }
        Upgrade = YamlLoader.ToJson(upgrade) as JsonObject;
        CheckKeys(upgrade, UpgradeValuesSchema.Upgrade, "upgrade");

        var enabled = Get(upgrade, "enabled");
        UpgradeEnabled = YamlLoader.AsBool(enabled) == true;
        if (enabled is null)
        {
            Add("upgrade.enabled", ValuesFindingSeverity.Error, "upgrade.enabled is missing; it must be true, otherwise the chart renders no upgrade jobs.", Line(upgrade));
        }
        else if (YamlLoader.AsBool(enabled) is null && YamlLoader.ScalarText(enabled) == "true")
        {
            UpgradeEnabled = true; // a non-empty string is true to helm's templates
            Add("upgrade.enabled", ValuesFindingSeverity.Warning, "upgrade.enabled is the string \"true\"; write the boolean enabled: true.", Line(enabled));
        }
        else if (YamlLoader.AsBool(enabled) is null)
        {
            Add("upgrade.enabled", ValuesFindingSeverity.Error,
                $"upgrade.enabled is '{YamlLoader.ScalarText(enabled)}', not a boolean (a quoted \"false\" is true to helm); write enabled: true.", Line(enabled));
        }
        else if (!UpgradeEnabled)
        {
            Add("upgrade.enabled", ValuesFindingSeverity.Error, "upgrade.enabled is false; it must be true, otherwise the chart renders no upgrade jobs.", Line(enabled));
        }

        if (Get(upgrade, "image") is YamlMappingNode image)
        {
            ImageRegistry = NonEmpty(Get(image, "registry"));
            ImageTag = NonEmpty(Get(image, "tag"));
        }

        if (Get(upgrade, "persistenceVolume") is YamlMappingNode pv)
        {
            StorageClassName = NonEmpty(Get(pv, "storageClassName"));
            PersistenceVolumeName = NonEmpty(Get(pv, "name")) ?? DefaultPersistenceVolumeName;
        }

        var configNode = Get(upgrade, "config");
        if (configNode is YamlMappingNode config)
        {
            UpgradeConfig = YamlLoader.ToJson(config) as JsonObject;
            var jobs = Get(config, "jobs");
            if (jobs is YamlMappingNode jobsMap) ValidateJobs(jobsMap);
            else if (jobs is not null && !IsNull(jobs)) Add("upgrade.config.jobs", ValuesFindingSeverity.Error, "jobs: must be a mapping of job names.", Line(jobs));
        }
        else if (configNode is not null && !IsNull(configNode))
        {
            Add("upgrade.config", ValuesFindingSeverity.Error, "upgrade.config must be a mapping.", Line(configNode));
        }
        else
        {
            Add("upgrade.config", ValuesFindingSeverity.Warning,
                "upgrade.config is empty: the ks-upgrade jobs run with the image's built-in configuration only (no extension jobs).", Line(upgrade));
        }
    }

    private void ValidateJobs(YamlMappingNode jobs)
    {
        var enabled = new List<UpgradeJobSettings>();
        foreach (var (keyNode, jobNode) in jobs.Children)
        {
            var name = YamlLoader.ScalarText(keyNode);
            var path = $"upgrade.config.jobs.{name}";
            if (!UpgradeValuesSchema.KnownJobs.Contains(name))
            {
                var near = UpgradeValuesSchema.Suggest(name, UpgradeValuesSchema.KnownJobs)
                           ?? UpgradeValuesSchema.KnownJobs.FirstOrDefault(k => k.EndsWith("-" + name, StringComparison.Ordinal));
                Add(path, ValuesFindingSeverity.Warning,
                    $"'{name}' is not a ks-upgrade v4.1.3 job; it will be ignored." + (near is not null ? $" Did you mean '{near}'?" : ""), Line(keyNode));
            }
            if (jobNode is not YamlMappingNode job)
            {
                if (!IsNull(jobNode)) Add(path, ValuesFindingSeverity.Error, "A job must be a mapping (enabled, priority, extensionRef, dynamicOptions).", Line(jobNode));
                continue;
            }
            CheckKeys(job, UpgradeValuesSchema.Job, path);

            var enabledNode = Get(job, "enabled");
            var isEnabled = YamlLoader.AsBool(enabledNode);
            if (enabledNode is not null && isEnabled is null)
            {
                Add(path + ".enabled", ValuesFindingSeverity.Error, $"enabled is '{YamlLoader.ScalarText(enabledNode)}', not a boolean.", Line(enabledNode));
            }
            if (isEnabled != true)
            {
                if (enabledNode is null && Get(job, "extensionRef") is not null && !HasKey(job, "enable") && !HasKey(job, "disabled"))
                {
                    Add(path + ".enabled", ValuesFindingSeverity.Warning, $"Job '{name}' has no enabled: true; ks-upgrade treats it as disabled.", Line(keyNode));
                }
                continue;
            }

            var priority = Get(job, "priority") is YamlScalarNode p && int.TryParse(p.Value, out var pr) ? pr : (int?)null;
            string? extName = null, extVersion = null;
            var extRef = Get(job, "extensionRef") as YamlMappingNode;
            if (extRef is not null)
            {
                extName = NonEmpty(Get(extRef, "name"));
                extVersion = NonEmpty(Get(extRef, "version"));
            }
            if (!UpgradeValuesSchema.JobsWithoutExtension.Contains(name))
            {
                if (extName is null) Add(path + ".extensionRef.name", ValuesFindingSeverity.Error, $"Enabled job '{name}' has no extensionRef.name.", Line(extRef ?? (YamlNode)job));
                if (extVersion is null) Add(path + ".extensionRef.version", ValuesFindingSeverity.Error, $"Enabled job '{name}' has no extensionRef.version.", Line(extRef ?? (YamlNode)job));
            }
            enabled.Add(new UpgradeJobSettings(name, priority, extName, extVersion));
        }
        _enabledJobs.AddRange(enabled.OrderByDescending(j => j.Priority ?? 0).ThenBy(j => j.Name, StringComparer.Ordinal));
    }

    /// <summary>Reports keys the schema does not know, recursively; near-misses of known keys are Errors (typos).</summary>
    private void CheckKeys(YamlMappingNode map, SchemaNode schema, string path)
    {
        if (schema.IsFree || schema.Children is null) return;
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var key = YamlLoader.ScalarText(keyNode);
            var childPath = $"{path}.{key}";
            if (schema.Children.TryGetValue(key, out var child))
            {
                if (child.Children is not null && valueNode is YamlMappingNode childMap) CheckKeys(childMap, child, childPath);
                else if (child.Children is not null && !child.IsFree && valueNode is not YamlMappingNode && !IsNull(valueNode))
                {
                    Add(childPath, ValuesFindingSeverity.Error, $"{key} must be a mapping.", Line(valueNode));
                }
                continue;
            }
            if (key == "disabled")
            {
                Add(childPath, ValuesFindingSeverity.Error, "ks-upgrade has no 'disabled' key (the chart's commented example is wrong); use enabled: true or enabled: false.", Line(keyNode));
                continue;
            }
            var near = UpgradeValuesSchema.Suggest(key, schema.Children.Keys);
            if (near is not null)
            {
                Add(childPath, ValuesFindingSeverity.Error, $"Unknown key '{key}': did you mean '{near}'? As written it is ignored.", Line(keyNode));
            }
            else
            {
                Add(childPath, ValuesFindingSeverity.Warning, $"Unknown key '{key}'; it is ignored. Known keys here: {string.Join(", ", schema.Children.Keys)}.", Line(keyNode));
            }
        }
    }

    private void Add(string path, ValuesFindingSeverity severity, string message, int? line) =>
        _findings.Add(new ValuesFinding(path, severity, message, line));

    private static YamlNode? Get(YamlMappingNode map, string key)
    {
        foreach (var (k, v) in map.Children)
        {
            if (k is YamlScalarNode s && s.Value == key) return v;
        }
        return null;
    }

    private static bool HasKey(YamlMappingNode map, string key) => Get(map, key) is not null;

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any } s && s.Value is null or "" or "~" or "null" or "Null" or "NULL";

    private static string? NonEmpty(YamlNode? node) =>
        node is YamlScalarNode s && !IsNull(s) && !string.IsNullOrWhiteSpace(s.Value) ? s.Value : null;

    private static int? Line(YamlNode node) => node.Start.Line > 0 ? (int)node.Start.Line : null;
}
