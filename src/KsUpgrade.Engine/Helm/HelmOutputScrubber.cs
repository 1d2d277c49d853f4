using System.Text.RegularExpressions;

namespace KsUpgrade.Engine.Helm;

/// <summary>Removes credentials from text helm printed before it reaches a message or a Verbose record.</summary>
public static partial class HelmOutputScrubber
{
    public const string Mask = "***";

    [GeneratedRegex(@"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*")]
    private static partial Regex BearerRegex();

    [GeneratedRegex(@"(?i)(""?[\w-]*(?:token|password|secret|key-data|certificate-data|authority-data)""?\s*[:=]\s*""?)[^\s"",}]+")]
    private static partial Regex KeyValueRegex();

    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")]
    private static partial Regex JwtRegex();

    public static string Scrub(string text, IReadOnlyList<string>? knownSecrets = null)
    {
        if (string.IsNullOrEmpty(text)) return text;
        if (knownSecrets is not null)
        {
            foreach (var secret in knownSecrets)
            {
                if (secret.Length >= 4) text = text.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }
        text = BearerRegex().Replace(text, "$1" + Mask);
        text = JwtRegex().Replace(text, Mask);
        text = KeyValueRegex().Replace(text, "$1" + Mask);
        return text;
    }
}
