using System.Text.RegularExpressions;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Charts;

/// <summary>
/// The -ChartSha256 value: 64 hexadecimal digits (optionally prefixed "sha256:", any case), the SHA-256 of the chart
/// archive's bytes (.tgz file or the bytes an https URL serves). A chart directory has no single digest, so it is refused
/// together with -ChartSha256 (<see cref="ChartSource"/>).
/// </summary>
public static partial class ChartDigest
{
    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Hex64();

    /// <summary>
    /// The digest as 64 lower-case hex digits, or null when none was given. Throws ParameterInvalid (InvalidArgument)
    /// for anything else; the message names -ChartSha256 but does not echo a long value.
    /// </summary>
    public static string? Normalize(string? value)
    {
        if (value is null) return null;
        var s = value.Trim().ToLowerInvariant();
        if (s.StartsWith("sha256:", StringComparison.Ordinal)) s = s["sha256:".Length..];
        if (Hex64().IsMatch(s)) return s;
        var shown = value.Length <= 80 ? $"'{value}'" : $"of {value.Length} characters";
        throw new KsUpgradeException(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument,
            $"ChartSha256 {shown} is not a SHA-256 digest: give 64 hexadecimal digits (optionally prefixed 'sha256:').", "ChartSha256")
        {
            Remedy = "Compute it with Get-FileHash -Algorithm SHA256 on the chart .tgz, or copy it from the chart's published checksum.",
        };
    }

    /// <summary>Throws ChartDigestMismatch (SecurityError) naming both digests when <paramref name="actual"/> is not <paramref name="expected"/>.</summary>
    public static void Verify(string origin, string actual, string? expected)
    {
        var want = Normalize(expected);
        if (want is null || string.Equals(actual, want, StringComparison.Ordinal)) return;
        throw new KsUpgradeException(ErrorIds.ChartDigestMismatch, KsErrorCategory.SecurityError,
            $"The chart archive '{origin}' has SHA-256 {actual}, but -ChartSha256 expects {want}. The chart was not used.", origin)
        {
            Remedy = "Download the chart again from a source you trust and compare its published checksum, or correct -ChartSha256.",
        };
    }
}
