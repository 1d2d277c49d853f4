using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Files;

namespace KsUpgrade.Tests.Seeds;

public class YamlJsonTests
{
    [Theory]
    [InlineData("yes")] [InlineData("on")] [InlineData("NO")] [InlineData("y")] [InlineData("true")] [InlineData("null")] [InlineData("~")]
    [InlineData("0755")] [InlineData("1e3")] [InlineData("12:30")] [InlineData("0x1F")] [InlineData(".5")] [InlineData("1.5")] [InlineData("")]
    public void Strings_a_yaml_11_reader_would_retype_are_double_quoted(string value)
    {
        var yaml = YamlJson.ToYaml(new JsonObject { ["v"] = value });
        Assert.Equal($"v: \"{value}\"", yaml.Trim());
        Assert.Equal(value, YamlJson.Parse(yaml)!["v"]!.GetValue<string>());
    }

    [Fact]
    public void Plain_values_keep_their_types_and_multiline_text_round_trips()
    {
        var o = new JsonObject { ["s"] = "v1.2.3", ["n"] = 12, ["d"] = 0.5, ["b"] = false, ["z"] = null, ["text"] = "line1\nline2\n", ["a"] = new JsonArray(1, "x") };
        var yaml = YamlJson.ToYaml(o);
        Assert.Contains("s: v1.2.3", yaml);
        Assert.Contains("text: |", yaml);
        Assert.True(JsonNode.DeepEquals(o, YamlJson.Parse(yaml)), yaml);
    }

    [Fact]
    public void Multi_document_streams_skip_empty_documents()
    {
        var docs = YamlJson.ParseAll("---\n# only a comment\n---\na: 1\n---\nb: '2'\n");
        Assert.Equal(2, docs.Count);
        Assert.Equal(1, docs[0]["a"]!.GetValue<long>());
        Assert.Equal("2", docs[1]["b"]!.GetValue<string>());
    }
}
