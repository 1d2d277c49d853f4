using System.Globalization;
using System.Text.RegularExpressions;

namespace KsUpgrade.Engine.Helm;

/// <summary>
/// Durations as helm writes them (Go's time.ParseDuration: "30m", "90s", "1h30m", "1.5h", "500ms"), the one parser of
/// the cmdlets' duration parameters; also a TimeSpan's own "hh:mm:ss" / "d.hh:mm:ss". A bare number has no unit and is
/// refused: minutes or seconds would be a guess.
/// </summary>
public static partial class HelmDuration
{
    [GeneratedRegex(@"^(?:(?<n>\d+(?:\.\d*)?|\.\d+)(?<u>ns|us|µs|ms|s|m|h))+$", RegexOptions.CultureInvariant)]
    private static partial Regex GoDuration();

    [GeneratedRegex(@"(?<n>\d+(?:\.\d*)?|\.\d+)(?<u>ns|us|µs|ms|s|m|h)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();

    [GeneratedRegex(@"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex BareNumber();

    /// <summary>Parses <paramref name="text"/>, or says what is wrong with it (never echoing more than 40 characters of it).</summary>
    public static bool TryParse(string? text, out TimeSpan value, out string? problem)
    {
        value = default;
        problem = null;
        var s = (text ?? "").Trim();
        var shown = s.Length > 40 ? s[..40] + "..." : s;
        shown = new string(shown.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
        if (s.Length == 0) { problem = "The duration is empty; give one with a unit, such as 30m, 90s or 1h30m."; return false; }
        if (BareNumber().IsMatch(s))
        {
            problem = $"'{shown}' has no unit: add one, such as {shown}s (seconds) or {shown}m (minutes), or write 1h30m or 00:30:00.";
            return false;
        }
        if (s.Length <= 64 && GoDuration().IsMatch(s))
        {
            decimal ticks = 0;
            foreach (Match m in Part().Matches(s))
            {
                var n = decimal.Parse(m.Groups["n"].Value.StartsWith('.') ? "0" + m.Groups["n"].Value : m.Groups["n"].Value.TrimEnd('.'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
                ticks += n * m.Groups["u"].Value switch
                {
                    "h" => TimeSpan.TicksPerHour,
                    "m" => TimeSpan.TicksPerMinute,
                    "s" => TimeSpan.TicksPerSecond,
                    "ms" => TimeSpan.TicksPerMillisecond,
                    "us" or "µs" => 10m,
                    _ => 0.01m, // ns
                };
                if (ticks > TimeSpan.MaxValue.Ticks) { problem = $"'{shown}' is longer than any duration accepted."; return false; }
            }
            value = TimeSpan.FromTicks((long)ticks);
            return true;
        }
        if (s.Contains(':') && s.Length <= 64 && TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out value)) return true;
        problem = $"'{shown}' is not a duration: write it as helm does (30m, 90s, 1h30m) or as hh:mm:ss (00:30:00).";
        return false;
    }

    /// <summary>Parses <paramref name="text"/> or throws FormatException with the problem.</summary>
    public static TimeSpan Parse(string? text) => TryParse(text, out var v, out var problem) ? v : throw new FormatException(problem);

    /// <summary>How a duration reads in messages: 1h30m, 90s, 500ms.</summary>
    public static string Format(TimeSpan t)
    {
        if (t == TimeSpan.Zero) return "0s";
        var sb = new System.Text.StringBuilder(t < TimeSpan.Zero ? "-" : "");
        t = t.Duration();
        if ((long)t.TotalHours > 0) sb.Append((long)t.TotalHours).Append('h');
        if (t.Minutes > 0) sb.Append(t.Minutes).Append('m');
        if (t.Seconds > 0) sb.Append(t.Seconds).Append('s');
        if (t.Milliseconds > 0) sb.Append(t.Milliseconds).Append("ms");
        return sb.Length == 0 ? "0s" : sb.ToString();
    }
}
