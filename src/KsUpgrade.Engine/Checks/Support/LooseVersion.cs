using System.Globalization;
using System.Text.RegularExpressions;

namespace KsUpgrade.Engine.Checks;

// replace with Versions/KsVersion (the helm layer's version type) when merged.
/// <summary>
/// A version compared on major.minor.patch only, as pre-check.sh compares: tolerant of a leading `v` and of
/// suffixes such as `-rc.1`, `+k3s1`, `-eks-1234`. Missing parts count as 0.
/// </summary>
public readonly partial record struct LooseVersion(int Major, int Minor, int Patch) : IComparable<LooseVersion>
{
    [GeneratedRegex(@"^\s*[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?")]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out LooseVersion version)
    {
        version = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        var m = Pattern().Match(text);
        if (!m.Success)
            return false;
        static int Part(Group g) => g.Success ? int.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
        version = new LooseVersion(Part(m.Groups[1]), Part(m.Groups[2]), Part(m.Groups[3]));
        return true;
    }

    public static LooseVersion Parse(string text) =>
        TryParse(text, out var v) ? v : throw new FormatException($"'{text}' is not a version.");

    public int CompareTo(LooseVersion other)
    {
        var c = Major.CompareTo(other.Major);
        if (c != 0) return c;
        c = Minor.CompareTo(other.Minor);
        return c != 0 ? c : Patch.CompareTo(other.Patch);
    }

    public static bool operator <(LooseVersion a, LooseVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(LooseVersion a, LooseVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(LooseVersion a, LooseVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(LooseVersion a, LooseVersion b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"v{Major}.{Minor}.{Patch}";
}
