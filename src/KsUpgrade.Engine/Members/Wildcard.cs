using System.Text;
using System.Text.RegularExpressions;

namespace KsUpgrade.Engine.Members;

/// <summary>PowerShell-style wildcard matching (* ? [abc] [a-z], ` escapes), case-insensitive, without a PowerShell reference.</summary>
public static class Wildcard
{
    public static bool HasWildcard(string? pattern) => pattern is not null && pattern.IndexOfAny(new[] { '*', '?', '[' }) >= 0;

    /// <summary>True when <paramref name="pattern"/> is null/empty (match all) or matches the whole <paramref name="value"/>.</summary>
    public static bool IsMatch(string value, string? pattern)
    {
        if (string.IsNullOrEmpty(pattern)) return true;
        return ToRegex(pattern).IsMatch(value);
    }

    public static Regex ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '`' when i + 1 < pattern.Length:
                    sb.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                case '*': sb.Append(".*"); break;
                case '?': sb.Append('.'); break;
                case '[':
                    var end = pattern.IndexOf(']', i + 1);
                    if (end < 0) { sb.Append(Regex.Escape("[")); break; }
                    var set = pattern.Substring(i + 1, end - i - 1);
                    sb.Append('[').Append(set.Replace("\\", "\\\\").Replace("^", "\\^")).Append(']');
                    i = end;
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }
}
