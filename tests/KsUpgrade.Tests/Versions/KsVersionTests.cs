using KsUpgrade.Engine.Versions;

namespace KsUpgrade.Tests.Versions;

public class KsVersionTests
{
    [Theory]
    [InlineData("v1.2.3", 1, 2, 3, "")]
    [InlineData("1.2.3", 1, 2, 3, "")]
    [InlineData("V3.4", 3, 4, 0, "")]
    [InlineData("v4", 4, 0, 0, "")]
    [InlineData("v3.4.1-rc.1", 3, 4, 1, "-rc.1")]
    [InlineData("v1.26.15+k3s1", 1, 26, 15, "+k3s1")]
    [InlineData("v1.29.10-eks-1234", 1, 29, 10, "-eks-1234")]
    [InlineData("  v3.17.3+ge4da497 ", 3, 17, 3, "+ge4da497")]
    [InlineData("1.2-beta", 1, 2, 0, "-beta")]
    public void Parses_numbers_and_keeps_suffix(string text, int major, int minor, int patch, string suffix)
    {
        Assert.True(KsVersion.TryParse(text, out var v));
        Assert.Equal((major, minor, patch, suffix), (v.Major, v.Minor, v.Patch, v.Suffix));
        Assert.Equal(text.Trim(), v.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("v")]
    [InlineData("latest")]
    [InlineData("1.2x")]
    [InlineData("v99999999999.1.1")]
    public void Rejects_non_versions(string? text)
    {
        Assert.False(KsVersion.TryParse(text, out var v));
        Assert.Null(v);
        Assert.Throws<FormatException>(() => KsVersion.Parse(text!));
    }

    [Theory]
    [InlineData("v1.21.0", "v1.20.15", 1)]
    [InlineData("v1.21.0", "1.21", 0)]
    [InlineData("v3.13.0", "v3.9.4", 1)]
    [InlineData("v3.4.0-rc.1", "v3.4.0", 0)]
    [InlineData("v1.26.15+k3s1", "v1.26.15-eks-1", 0)]
    [InlineData("v3.4.1", "v4.1.3", -1)]
    [InlineData("v1.10.0", "v1.9.9", 1)]
    public void Compares_on_major_minor_patch_only(string a, string b, int expectedSign)
    {
        var va = KsVersion.Parse(a);
        var vb = KsVersion.Parse(b);
        Assert.Equal(expectedSign, Math.Sign(va.CompareTo(vb)));
        Assert.Equal(-expectedSign, Math.Sign(vb.CompareTo(va)));
        Assert.Equal(expectedSign == 0, va == vb);
        Assert.Equal(expectedSign != 0, va != vb);
        Assert.Equal(expectedSign < 0, va < vb);
        Assert.Equal(expectedSign > 0, va > vb);
        Assert.Equal(expectedSign <= 0, va <= vb);
        Assert.Equal(expectedSign >= 0, va >= vb);
        if (expectedSign == 0) Assert.Equal(va.GetHashCode(), vb.GetHashCode());
    }

    [Fact]
    public void Sorts_numerically_not_lexically()
    {
        var sorted = new[] { "v1.10.0", "v1.9.0", "v1.2.10", "v1.2.9", "v0.1" }.Select(KsVersion.Parse).OrderBy(v => v).Select(v => v.ToString());
        Assert.Equal(new[] { "v0.1", "v1.2.9", "v1.2.10", "v1.9.0", "v1.10.0" }, sorted);
    }

    [Fact]
    public void Null_sorts_first_and_short_string_drops_suffix()
    {
        KsVersion? none = null;
        var v = KsVersion.Parse("v3.4.1-rc.1");
        Assert.True(none < v);
        Assert.False(v < none);
        Assert.Equal("v3.4.1", v.ToShortString());
        Assert.Equal("v1.2.0", KsVersion.Create(1, 2).ToString());
        Assert.Throws<ArgumentException>(() => ((IComparable)v).CompareTo("v1"));
    }
}
