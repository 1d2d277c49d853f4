using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace KsUpgrade.Tests.Backup;

/// <summary>The backup's JSON → YAML emitter: strings that a reader would retype are quoted, others stay plain, all round-trip.</summary>
public class YamlEmitTests
{
    private static string Emit(JsonObject obj)
    {
        var sw = new StringWriter();
        var emitter = new Emitter(sw);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, true));
        YamlJson.Emit(emitter, obj);
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
        return sw.ToString();
    }

    [Theory]
    [InlineData("yes")] [InlineData("Off")] [InlineData("y")] [InlineData("true")] [InlineData("FALSE")] [InlineData("null")] [InlineData("~")]
    [InlineData("")] [InlineData("0x1F")] [InlineData("0o17")] [InlineData("42")] [InlineData("-7")] [InlineData("+3")] [InlineData("1e3")]
    [InlineData(".5")] [InlineData("-1.5E-3")] [InlineData("0755")]
    public void Strings_a_reader_would_retype_are_quoted_and_round_trip(string value)
    {
        var yaml = Emit(new JsonObject { ["v"] = value, [value] = "key" });
        Assert.Contains($"v: \"{value}\"", yaml);
        var back = YamlJson.ReadDocuments(yaml).Single();
        Assert.Equal(value, back["v"]!.GetValue<string>());
        Assert.Equal("key", back[value]!.GetValue<string>());
    }

    [Theory]
    [InlineData("v4.1.3")] [InlineData("kubesphere-system")] [InlineData("1.2.3")] [InlineData("-abc")] [InlineData(".hidden")]
    [InlineData("12:30")] [InlineData("yesterday")] [InlineData("nullable")] [InlineData("0.1.0-rc1")] [InlineData("ümlaut")]
    public void Other_strings_stay_plain_and_round_trip(string value)
    {
        var yaml = Emit(new JsonObject { ["v"] = value });
        Assert.DoesNotContain("\"", yaml);
        Assert.Equal(value, YamlJson.ReadDocuments(yaml).Single()["v"]!.GetValue<string>());
    }

    [Fact]
    public void Numbers_bools_null_and_multiline_text_keep_their_types()
    {
        var obj = new JsonObject { ["i"] = 3, ["d"] = 2.5, ["b"] = true, ["n"] = null, ["text"] = "line 1\nline 2\n", ["list"] = new JsonArray("a", 1) };
        var back = YamlJson.ReadDocuments(Emit(obj)).Single();
        Assert.Equal(3, back["i"]!.GetValue<long>());
        Assert.Equal(2.5, back["d"]!.GetValue<double>());
        Assert.True(back["b"]!.GetValue<bool>());
        Assert.Null(back["n"]);
        Assert.Equal("line 1\nline 2\n", back["text"]!.GetValue<string>());
        Assert.Equal("a", back["list"]![0]!.GetValue<string>());
        Assert.Equal(1, back["list"]![1]!.GetValue<long>());
    }
}
