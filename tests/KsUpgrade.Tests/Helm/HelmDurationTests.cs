using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Tests.Helm;

/// <summary>Issue 17, point 8: one notation for durations, helm's (plus a TimeSpan's hh:mm:ss); bare numbers refused.</summary>
public sealed class HelmDurationTests
{
    [Theory]
    [InlineData("30m", 1800)]
    [InlineData("90s", 90)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5h", 5400)]
    [InlineData("2h45m10s", 9910)]
    [InlineData("0s", 0)]
    [InlineData("00:30:00", 1800)]
    [InlineData("1.00:00:00", 86400)]
    [InlineData(" 10m ", 600)]
    public void Parses_helm_durations_and_TimeSpan_text(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), HelmDuration.Parse(text));

    [Fact]
    public void Parses_sub_second_units() => Assert.Equal(TimeSpan.FromMilliseconds(1500), HelmDuration.Parse("1s500ms"));

    [Theory]
    [InlineData("30")]
    [InlineData("600")]
    [InlineData("1.5")]
    [InlineData("-1")]
    public void Refuses_a_bare_number_saying_to_add_a_unit(string text)
    {
        Assert.False(HelmDuration.TryParse(text, out _, out var problem));
        Assert.Contains("unit", problem);
        Assert.Contains($"{text}s", problem);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("10 minutes")]
    [InlineData("5d")]
    [InlineData("1h-30m")]
    public void Refuses_what_is_not_a_duration(string text)
    {
        Assert.False(HelmDuration.TryParse(text, out _, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void Never_echoes_a_huge_value()
    {
        Assert.False(HelmDuration.TryParse(new string('9', 100_000), out _, out var problem));
        Assert.True(problem!.Length < 300);
    }

    [Theory]
    [InlineData(5400, "1h30m")]
    [InlineData(90, "1m30s")]
    [InlineData(0, "0s")]
    public void Formats_as_helm_writes(int seconds, string text) => Assert.Equal(text, HelmDuration.Format(TimeSpan.FromSeconds(seconds)));
}
