using KsUpgrade.Engine.Values;

namespace KsUpgrade.Engine.Checks;

/// <summary>
/// Turns a ks-core-values.yaml into the findings the ValuesFile check reports, using the values layer
/// (<see cref="UpgradeValues"/>): unreadable or malformed files become a ParseError, Error findings Problems,
/// unknown keys UnknownKeys, other Warning findings Warnings.
/// </summary>
public static class LocalValuesInspector
{
    public static ValuesFindings Inspect(string path)
    {
        try
        {
            return From(UpgradeValues.Load(path), path);
        }
        catch (KsUpgradeException e)
        {
            return new ValuesFindings { Path = path, ParseError = e.Message };
        }
    }

    public static ValuesFindings InspectText(string yaml, string path = "(values)")
    {
        try
        {
            return From(UpgradeValues.Parse(yaml, path), path);
        }
        catch (KsUpgradeException e)
        {
            return new ValuesFindings { Path = path, ParseError = e.Message };
        }
    }

    public static ValuesFindings From(UpgradeValues values, string path)
    {
        static bool IsUnknownKey(ValuesFinding f) =>
            f.Message.StartsWith("Unknown key", StringComparison.Ordinal) || f.Message.Contains("is not a ks-upgrade", StringComparison.Ordinal);
        var errors = values.Findings.Where(f => f.Severity == ValuesFindingSeverity.Error).ToList();
        return new ValuesFindings
        {
            Path = path,
            HasUpgradeSection = values.Upgrade is not null,
            UpgradeEnabled = values.Upgrade is null ? null : values.Upgrade.ContainsKey("enabled") ? values.UpgradeEnabled : null,
            StorageClassName = values.StorageClassName,
            PvcName = values.PersistenceVolumeName,
            EnabledJobs = values.EnabledJobs.ToList(),
            Problems = values.Upgrade is null ? Array.Empty<string>() : errors.Select(f => $"{f.Path}: {f.Message}").ToList(),
            UnknownKeys = values.Findings.Where(f => f.Severity == ValuesFindingSeverity.Warning && IsUnknownKey(f)).Select(f => f.Path).ToList(),
            Warnings = values.Findings.Where(f => f.Severity == ValuesFindingSeverity.Warning && !IsUnknownKey(f)).Select(f => $"{f.Path}: {f.Message}").ToList(),
            ImagePullSecrets = (values.Document["global"]?["imagePullSecrets"] as System.Text.Json.Nodes.JsonArray ?? new System.Text.Json.Nodes.JsonArray())
                .Select(n => n is System.Text.Json.Nodes.JsonObject o ? Str(o["name"]) : Str(n)).Where(n => !string.IsNullOrEmpty(n)).Select(n => n!).ToList(),
        };
    }

    private static string? Str(System.Text.Json.Nodes.JsonNode? n) =>
        n is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var t) ? t : null;
}
