using System.Text;
using System.Text.Json.Nodes;

namespace KsUpgrade.Tests.Backup;

/// <summary>Seeded random strings and objects built from fragments that trip YAML writers.</summary>
internal static class YamlStrings
{
    /// <summary>Typed words of YAML 1.1 and 1.2, indicators, escapes, line breaks, non-ASCII and plain words.</summary>
    private static readonly string[] Fragments =
    {
        "yes", "No", "on", "OFF", "y", "~", "null", "true", "False", "1", "42", "-7", "+3", "0755", "0x1F", "0o17", "0b101",
        "1_000", "12:30", "190:20:30", "1e3", ".5", ".inf", "-.INF", ".NaN", "2024-01-01", "2026-11-26T02:28:48Z", "2001-12-14 21:59:43.10 -5",
        ":", ": ", " ", "  ", "#", " #", "- ", "-", "? ", "?", "'", "\"", "\\", "\n", "\n\n", "\t", "\r", "\r\n", "\u0001", "\u007f",
        "\u0085", "\u00a0", "\u2028", "\ufeff", "é", "ümlaut", "中文", "😀", "|", ">", "&a", "*a", "!tag", "!!str", "%", "@", "`",
        "{", "}", "[", "]", ",", "---", "...", "<<", "=", "a", "key", "v4.1.3", "kubesphere-system", "app.kubernetes.io/name",
        "/dev/termination-log", "http://ks-apiserver:80", "Deployment has minimum availability.", "line one\nline two\n",
    };

    public static string RandomString(Random rnd)
    {
        var sb = new StringBuilder();
        var parts = rnd.Next(0, 5);
        for (var i = 0; i < parts; i++) sb.Append(Fragments[rnd.Next(Fragments.Length)]);
        return sb.ToString();
    }

    public static JsonNode? RandomValue(Random rnd, int depth)
    {
        var pick = rnd.Next(depth >= 4 ? 6 : 10);
        return pick switch
        {
            0 or 1 or 2 => JsonValue.Create(RandomString(rnd)),
            3 => JsonValue.Create(rnd.NextInt64(-1_000_000_000_000, 1_000_000_000_000)),
            4 => JsonValue.Create(Math.Round(rnd.NextDouble() * 1000 - 500, 3)),
            5 => rnd.Next(3) switch { 0 => JsonValue.Create(true), 1 => JsonValue.Create(false), _ => null },
            6 or 7 => RandomObject(rnd, depth + 1),
            _ => new JsonArray(Enumerable.Range(0, rnd.Next(0, 4)).Select(_ => RandomValue(rnd, depth + 1)).ToArray()),
        };
    }

    public static JsonObject RandomObject(Random rnd, int depth)
    {
        var obj = new JsonObject();
        var count = rnd.Next(0, depth == 0 ? 8 : 5);
        for (var i = 0; i < count; i++)
        {
            var key = RandomString(rnd);
            if (!obj.ContainsKey(key)) obj[key] = RandomValue(rnd, depth);
        }
        return obj;
    }
}
