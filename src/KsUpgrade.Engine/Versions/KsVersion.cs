using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace KsUpgrade.Engine.Versions;

/// <summary>
/// A version compared on major.minor.patch only, as pre-check.sh compares them: a leading <c>v</c> is ignored,
/// missing parts count as 0, and anything after the numbers (<c>-rc.1</c>, <c>+k3s1</c>, <c>-eks-1234</c>)
/// is kept for display but ignored for comparison. <see cref="ToString"/> returns the original text.
/// </summary>
public sealed class KsVersion : IComparable<KsVersion>, IComparable, IEquatable<KsVersion>
{
    private KsVersion(int major, int minor, int patch, string suffix, string original)
    {
        Major = major;
        Minor = minor;
        Patch = patch;
        Suffix = suffix;
        Original = original;
    }

    public int Major { get; }
    public int Minor { get; }
    public int Patch { get; }

    /// <summary>Whatever followed the numbers (e.g. <c>-rc.1</c>, <c>+k3s1</c>); empty when none. Not compared.</summary>
    public string Suffix { get; }

    /// <summary>The text the version was parsed from (trimmed).</summary>
    public string Original { get; }

    public static KsVersion Create(int major, int minor = 0, int patch = 0)
    {
        if (major < 0 || minor < 0 || patch < 0) throw new ArgumentOutOfRangeException(nameof(major), "Version parts cannot be negative.");
        return new KsVersion(major, minor, patch, "", $"v{major}.{minor}.{patch}");
    }

    public static KsVersion Parse(string text)
    {
        if (TryParse(text, out var version)) return version;
        throw new FormatException($"'{text}' is not a version (expected something like v1.2.3).");
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out KsVersion? version)
    {
        version = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var original = text.Trim();
        var s = original.AsSpan();
        if (s.Length > 0 && (s[0] == 'v' || s[0] == 'V')) s = s[1..];

        Span<int> parts = stackalloc int[3];
        var count = 0;
        var pos = 0;
        while (count < 3)
        {
            var start = pos;
            while (pos < s.Length && char.IsAsciiDigit(s[pos])) pos++;
            if (pos == start)
            {
                // "1." followed by a non-digit: the dot belongs to the suffix; "v" alone or "" is no version.
                if (count == 0) return false;
                pos = start - 1;
                break;
            }
            if (!int.TryParse(s[start..pos], NumberStyles.None, CultureInfo.InvariantCulture, out parts[count])) return false;
            count++;
            if (count < 3 && pos < s.Length && s[pos] == '.') { pos++; continue; }
            break;
        }

        var suffix = s[pos..].ToString();
        // The suffix must be separated from the numbers (1.2.3-rc.1, 1.2.3+k3s1, 1.2.3.4); "1.2x" is not a version.
        if (suffix.Length > 0 && suffix[0] is not ('-' or '+' or '.' or '_' or ' ')) return false;
        version = new KsVersion(parts[0], count > 1 ? parts[1] : 0, count > 2 ? parts[2] : 0, suffix, original);
        return true;
    }

    public int CompareTo(KsVersion? other)
    {
        if (other is null) return 1;
        var c = Major.CompareTo(other.Major);
        if (c != 0) return c;
        c = Minor.CompareTo(other.Minor);
        return c != 0 ? c : Patch.CompareTo(other.Patch);
    }

    int IComparable.CompareTo(object? obj) => obj switch
    {
        null => 1,
        KsVersion v => CompareTo(v),
        _ => throw new ArgumentException("Object is not a KsVersion.", nameof(obj)),
    };

    public bool Equals(KsVersion? other) => other is not null && CompareTo(other) == 0;
    public override bool Equals(object? obj) => obj is KsVersion v && Equals(v);
    public override int GetHashCode() => HashCode.Combine(Major, Minor, Patch);

    /// <summary>The original text, e.g. <c>v1.26.15+k3s1</c>.</summary>
    public override string ToString() => Original;

    /// <summary>The normalised form <c>v1.2.3</c> (no suffix).</summary>
    public string ToShortString() => $"v{Major}.{Minor}.{Patch}";

    public static bool operator ==(KsVersion? a, KsVersion? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(KsVersion? a, KsVersion? b) => !(a == b);
    public static bool operator <(KsVersion? a, KsVersion? b) => Compare(a, b) < 0;
    public static bool operator >(KsVersion? a, KsVersion? b) => Compare(a, b) > 0;
    public static bool operator <=(KsVersion? a, KsVersion? b) => Compare(a, b) <= 0;
    public static bool operator >=(KsVersion? a, KsVersion? b) => Compare(a, b) >= 0;

    private static int Compare(KsVersion? a, KsVersion? b) => a is null ? (b is null ? 0 : -1) : a.CompareTo(b);
}
