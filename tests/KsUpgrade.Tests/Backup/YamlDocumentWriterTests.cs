using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Tests.Backup;

/// <summary>The backup's YAML writer: kubectl's layout, plain only where every reader agrees, every value round-trips.</summary>
public class YamlDocumentWriterTests
{
    private static string Write(params JsonObject[] objs)
    {
        var sw = new StringWriter();
        var writer = new YamlDocumentWriter(sw);
        foreach (var o in objs) writer.WriteDocument(o);
        return sw.ToString();
    }

    private static void AssertRoundTrips(JsonObject obj)
    {
        var yaml = Write(obj);
        IReadOnlyList<JsonObject> back;
        try { back = YamlJson.ReadDocuments(yaml); }
        catch (Exception e) { throw new Xunit.Sdk.XunitException($"unreadable YAML ({e.Message}) for {obj.ToJsonString()}:\n{yaml}"); }
        var expected = obj.Count == 0 ? 0 : 1; // the reader drops empty documents
        Assert.Equal(expected, back.Count);
        if (expected == 1)
            Assert.True(JsonNode.DeepEquals(obj, back[0]), $"round trip changed {obj.ToJsonString()}\ninto {back[0].ToJsonString()}\nvia:\n{yaml}");
    }

    [Fact]
    public void Lays_out_an_object_as_kubectl_prints_it()
    {
        var obj = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"},"annotations":{}},
             "spec":{"containers":[{"name":"c","image":"nginx:1.25","args":["-v","--port=8080"],"ports":[{"containerPort":80}],"resources":{}}],
                     "tolerations":[],"matrix":[[1,2],[]]},
             "data":{"script":"echo hi\nexit 0\n"}}
            """)!.AsObject();
        Assert.Equal("""
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              labels:
                app: web
              annotations: {}
            spec:
              containers:
              - name: c
                image: nginx:1.25
                args:
                - "-v"
                - "--port=8080"
                ports:
                - containerPort: 80
                resources: {}
              tolerations: []
              matrix:
              - - 1
                - 2
              - []
            data:
              script: |
                echo hi
                exit 0

            """.ReplaceLineEndings("\n"), Write(obj));
        AssertRoundTrips(obj);
    }

    [Theory]
    [InlineData("yes")] [InlineData("Off")] [InlineData("y")] [InlineData("N")] [InlineData("true")] [InlineData("FALSE")] [InlineData("null")]
    [InlineData("~")] [InlineData("")] [InlineData("0x1F")] [InlineData("0o17")] [InlineData("42")] [InlineData("-7")] [InlineData("+3")]
    [InlineData("1e3")] [InlineData(".5")] [InlineData("-1.5E-3")] [InlineData("0755")] [InlineData("1_000")] [InlineData("12:30")]
    [InlineData("2024-01-01")] [InlineData("2026-11-26T02:28:48Z")] [InlineData(".inf")] [InlineData("<<")] [InlineData("=")]
    [InlineData("-abc")] [InlineData("3.4.1")] [InlineData("a: b")] [InlineData("a #b")] [InlineData("trailing ")] [InlineData(" leading")]
    [InlineData("ends:")] [InlineData("ümlaut")] [InlineData("*ref")] [InlineData("!tag")] [InlineData("say \"hi\"")] [InlineData("back\\slash")]
    public void Strings_a_reader_could_retype_or_misread_are_double_quoted(string value)
    {
        var yaml = Write(new JsonObject { ["v"] = value, [value] = "key" });
        Assert.StartsWith("---\nv: \"", yaml);
        AssertRoundTrips(new JsonObject { ["v"] = value, [value] = "key" });
    }

    [Theory]
    [InlineData("v4.1.3")] [InlineData("kubesphere-system")] [InlineData("app.kubernetes.io/name")] [InlineData("/dev/termination-log")]
    [InlineData("calico/kube-controllers:v3.27.3")] [InlineData("http://ks-apiserver:80")] [InlineData("Deployment has minimum availability.")]
    [InlineData("nullable")] [InlineData("yesterday")] [InlineData("Yes2")] [InlineData("_private")] [InlineData("a=b,c=d")] [InlineData("user@example")]
    public void Plain_words_stay_plain(string value)
    {
        Assert.Equal($"---\nv: {value}\n{value}: k\n", Write(new JsonObject { ["v"] = value, [value] = "k" }));
        AssertRoundTrips(new JsonObject { ["v"] = value });
    }

    [Theory]
    [InlineData("one\ntwo", "|-")]
    [InlineData("one\ntwo\n", "|")]
    [InlineData("one\n\ntwo\n\n\n", "|+")]
    [InlineData("# not a comment\n  indented\n---\n...\n", "|")]
    public void Multi_line_text_is_a_literal_block_with_the_right_chomping(string value, string header)
    {
        var yaml = Write(new JsonObject { ["list"] = new JsonArray(value), ["text"] = value, ["after"] = "x" });
        Assert.Contains($"text: {header}\n", yaml);
        Assert.Contains($"- {header}\n", yaml);
        AssertRoundTrips(new JsonObject { ["list"] = new JsonArray(value, "next"), ["text"] = value, ["after"] = "x" });
    }

    [Theory]
    [InlineData(" starts with a space\nx")] [InlineData("\nstarts with a break")] [InlineData("trailing space \nx")] [InlineData("tab\there\nx")]
    [InlineData("crlf\r\nx")] [InlineData("bell\u0007\nx")] [InlineData("nel\u0085\nx")] [InlineData("a\n  \nb")]
    public void Multi_line_text_a_block_would_change_is_double_quoted(string value)
    {
        var yaml = Write(new JsonObject { ["text"] = value });
        Assert.StartsWith("---\ntext: \"", yaml);
        AssertRoundTrips(new JsonObject { ["text"] = value });
    }

    [Fact]
    public void Control_and_separator_characters_are_escaped()
    {
        var yaml = Write(new JsonObject { ["v"] = "a\u0001b\u007fc\u2028d\ufeffe\tf\rg" });
        Assert.Equal("---\nv: \"a\\u0001b\\u007Fc\\u2028d\\uFEFFe\\tf\\rg\"\n", yaml);
        AssertRoundTrips(new JsonObject { ["v"] = "a\u0001b\u007fc\u2028d\ufeffe\tf\rg" });
    }

    [Fact]
    public void Keys_longer_than_a_reader_allows_are_explicit_keys()
    {
        var longKey = new string('k', YamlDocumentWriter.MaxImplicitKeyLength + 500);
        var obj = new JsonObject
        {
            [longKey] = "v",
            [longKey + "map"] = new JsonObject { ["a"] = 1 },
            [longKey + "list"] = new JsonArray("x", new JsonObject { ["b"] = true }),
            ["short"] = "s",
        };
        var yaml = Write(obj);
        Assert.Contains($"? \"{longKey}\"\n: v\n", yaml);
        AssertRoundTrips(obj);
    }

    [Fact]
    public void Numbers_bools_null_and_empty_collections_keep_their_types()
    {
        AssertRoundTrips(new JsonObject { ["i"] = 3, ["big"] = 9007199254740993L, ["d"] = 2.5, ["e"] = -1.5e-7, ["b"] = false, ["n"] = null,
            ["o"] = new JsonObject(), ["a"] = new JsonArray(), ["nested"] = new JsonArray(new JsonArray(), new JsonObject(), null) });
    }

    [Fact]
    public void Empty_object_is_an_empty_mapping_document()
    {
        Assert.Equal("---\n{}\n---\nk: v\n", Write(new JsonObject(), new JsonObject { ["k"] = "v" }));
    }

    [Fact]
    public void Random_objects_of_hostile_strings_round_trip()
    {
        var rnd = new Random(20261126);
        for (var i = 0; i < 2000; i++) AssertRoundTrips(YamlStrings.RandomObject(rnd, 0));
    }

    [Fact]
    public void Many_documents_read_back_in_order()
    {
        var rnd = new Random(7);
        var objs = Enumerable.Range(0, 200).Select(i => { var o = YamlStrings.RandomObject(rnd, 1); o["index"] = i; return o; }).ToArray();
        var back = YamlJson.ReadDocuments(Write(objs));
        Assert.Equal(200, back.Count);
        for (var i = 0; i < 200; i++) Assert.True(JsonNode.DeepEquals(objs[i], back[i]), $"document {i}");
    }
}
