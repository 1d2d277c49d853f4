using System.Text.RegularExpressions;
using KsUpgrade.Engine.Values;

namespace KsUpgrade.Engine.Upgrade;

/// <summary>Checks the parameters before anything touches the cluster: each problem a clear error with a stable ErrorId.</summary>
internal static partial class InputValidation
{
    [GeneratedRegex(@"^[a-zA-Z0-9]([a-zA-Z0-9.\-]*[a-zA-Z0-9])?(:[0-9]{1,5})?(/[a-z0-9]([a-z0-9._\-]*[a-z0-9])?)*$")]
    private static partial Regex Registry();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$")]
    private static partial Regex Tag();

    /// <summary>The longest -SettleTimeout accepted.</summary>
    public static readonly TimeSpan MaxSettleTimeout = TimeSpan.FromHours(6);

    public static async Task ValidateAsync(UpgradeParameters p, IUpgradeChart chartReader, CancellationToken ct)
    {
        if (p.Role is not (KsClusterRole.Host or KsClusterRole.Member))
            throw Invalid($"Role must be Host or Member, not {p.Role}.", nameof(p.Role));
        CheckRegistry(p.ImageRegistry, "ImageRegistry");
        if (!string.IsNullOrEmpty(p.ExtensionImageRegistry)) CheckRegistry(p.ExtensionImageRegistry!, "ExtensionImageRegistry");
        CheckTag(p.Tag, "Tag");
        CheckTag(p.EffectiveUpgradeImageTag, "UpgradeImageTag");
        CheckTag(p.ExtensionVersion, "ExtensionVersion");
        if (p.Timeout <= TimeSpan.Zero) throw Invalid("Timeout must be positive.", "Timeout");
        if (p.JobTimeout <= TimeSpan.Zero) throw Invalid("JobTimeout must be positive.", "JobTimeout");
        if (p.SettleTimeout < TimeSpan.Zero || p.SettleTimeout > MaxSettleTimeout)
            throw Invalid($"SettleTimeout must be between 0 (check once) and {MaxSettleTimeout.TotalHours:0} hours, not {p.SettleTimeout}.", "SettleTimeout");

        ValidateValues(p.ValuesPath);

        if (string.IsNullOrWhiteSpace(p.Chart))
            throw new KsUpgradeException(ErrorIds.ChartNotFound, KsErrorCategory.InvalidArgument, "No chart given.", "Chart");
        await chartReader.ReadAsync(p.Chart, ct).ConfigureAwait(false);
    }

    /// <summary>The values file exists, parses, and enables the upgrade (upgrade.enabled: true).</summary>
    public static void ValidateValues(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new KsUpgradeException(ErrorIds.ValuesInvalid, KsErrorCategory.InvalidArgument, "No values file given (-ValuesPath).", path);
        if (!File.Exists(path))
            throw new KsUpgradeException(ErrorIds.ValuesInvalid, KsErrorCategory.ObjectNotFound, $"The values file '{path}' does not exist.", path)
                { Remedy = "Pass -ValuesPath with your ks-core-values.yaml." };
        // The values layer's loader: size cap, line/column on syntax errors, bounded alias expansion (no YAML bomb).
        var values = UpgradeValues.Load(path);
        if (!values.UpgradeEnabled)
            throw new KsUpgradeException(ErrorIds.ValuesInvalid, KsErrorCategory.InvalidData,
                $"The values file '{path}' does not set upgrade.enabled: true; the ks-upgrade jobs would not be rendered.", path)
                { Remedy = "Use the upgrade values of the official guide (upgrade.enabled: true and an upgrade.config section)." };
    }

    private static void CheckRegistry(string value, string name)
    {
        if (string.IsNullOrEmpty(value) || !Registry().IsMatch(value))
            throw Invalid($"{name} '{value}' is not a registry name (host[:port][/path], letters, digits, '.', '-', '_').", name);
    }

    private static void CheckTag(string value, string name)
    {
        if (string.IsNullOrEmpty(value) || !Tag().IsMatch(value))
            throw Invalid($"{name} '{value}' is not an image tag (letters, digits, '_', '.', '-'; at most 128).", name);
    }

    private static KsUpgradeException Invalid(string message, string target) =>
        new(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument, message, target);
}
