using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Api.Selectors;
using KsUpgrade.Sandbox.Patching;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>The patch algorithms and selector parsing on their own.</summary>
public sealed class PatchAndSelectorTests
{
    private static JsonNode J(string json) => JsonNode.Parse(json)!;
    private static string S(JsonNode? n) => n!.ToJsonString();

    [Fact]
    public void Json_patch_supports_all_operations()
    {
        var doc = J("""{"a":{"b":[1,2,3]},"c":"x"}""");
        var result = JsonPatch.Apply(doc, (JsonArray)J("""
            [{"op":"add","path":"/a/b/1","value":9},{"op":"remove","path":"/a/b/0"},{"op":"replace","path":"/c","value":"y"},
             {"op":"copy","from":"/c","path":"/d"},{"op":"move","from":"/d","path":"/a/e"},{"op":"add","path":"/a/b/-","value":4},
             {"op":"test","path":"/a/e","value":"y"},{"op":"add","path":"/k~1s","value":1}]
            """));
        Assert.Equal("""{"a":{"b":[9,2,3,4],"e":"y"},"c":"y","k/s":1}""", S(result));
        Assert.Equal("""{"a":{"b":[1,2,3]},"c":"x"}""", S(doc));
        var e = Assert.Throws<ApiException>(() => JsonPatch.Apply(doc, (JsonArray)J("""[{"op":"test","path":"/c","value":"z"}]""")));
        Assert.Equal(422, e.Code);
        Assert.Throws<ApiException>(() => JsonPatch.Apply(doc, (JsonArray)J("""[{"op":"replace","path":"/nope","value":1}]""")));
    }

    [Fact]
    public void Merge_patch_merges_objects_and_deletes_nulls()
    {
        Assert.Equal("""{"a":{"c":2,"d":3},"l":[9]}""", S(MergePatch.Apply(J("""{"a":{"b":1,"c":1},"l":[1,2]}"""), J("""{"a":{"b":null,"c":2,"d":3},"l":[9]}"""))));
    }

    [Fact]
    public void Strategic_merge_uses_the_merge_keys_of_the_types()
    {
        var deployment = J("""
            {"spec":{"template":{"spec":{
              "containers":[{"name":"a","image":"a:1","ports":[{"containerPort":80,"name":"http"}],"env":[{"name":"X","value":"1"}]},{"name":"b","image":"b:1"}],
              "tolerations":[{"key":"k1"}],
              "volumes":[{"name":"v1","emptyDir":{}}]}}}}
            """);
        var patch = J("""
            {"spec":{"template":{"spec":{
              "containers":[{"name":"a","image":"a:2","ports":[{"containerPort":443,"name":"https"}],"env":[{"name":"X","$patch":"delete"},{"name":"Y","value":"2"}]}],
              "tolerations":[{"key":"k2"}],
              "volumes":[{"name":"v2","configMap":{"name":"c"}}]}}}}
            """);
        var result = StrategicMergePatch.Apply(deployment, patch)!["spec"]!["template"]!["spec"]!;
        Assert.Equal("""[{"name":"a","image":"a:2","ports":[{"containerPort":80,"name":"http"},{"containerPort":443,"name":"https"}],"env":[{"name":"Y","value":"2"}]},{"name":"b","image":"b:1"}]""", S(result["containers"]));
        Assert.Equal("""[{"key":"k2"}]""", S(result["tolerations"]));
        Assert.Equal(new[] { "v1", "v2" }, result["volumes"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()));
    }

    [Fact]
    public void Strategic_merge_directives()
    {
        Assert.Equal("""{"spec":{"ports":[{"port":81}]}}""", S(StrategicMergePatch.Apply(J("""{"spec":{"ports":[{"port":80,"name":"a"}]}}"""), J("""{"spec":{"ports":[{"$patch":"replace"},{"port":81}]}}"""))));
        Assert.Equal("""{"spec":{"ports":[{"port":80,"name":"b"},{"port":81}]}}""", S(StrategicMergePatch.Apply(J("""{"spec":{"ports":[{"port":80,"name":"a"}]}}"""), J("""{"spec":{"ports":[{"port":80,"name":"b"},{"port":81}]}}"""))));
        Assert.Equal("""{"spec":{"strategy":{"type":"Recreate"}}}""", S(StrategicMergePatch.Apply(J("""{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}"""), J("""{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}"""))));
        Assert.Equal("""{"metadata":{"finalizers":["b","c"]}}""", S(StrategicMergePatch.Apply(J("""{"metadata":{"finalizers":["a","b"]}}"""), J("""{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"],"finalizers":["c"]}}"""))));
        Assert.Equal("""{"a":{"x":1}}""", S(StrategicMergePatch.Apply(J("""{"a":{"y":2}}"""), J("""{"a":{"$patch":"replace","x":1}}"""))));
        Assert.Equal("""{}""", S(StrategicMergePatch.Apply(J("""{"a":{"y":2}}"""), J("""{"a":{"$patch":"delete"}}"""))));
    }

    [Fact]
    public void Yaml_scalars_resolve_like_the_core_schema()
    {
        var node = YamlJson.Parse("a: 1\nb: '1'\nc: true\nd: ~\ne: 1.5\nf: hello\ng: [x, 2]\n")!;
        Assert.Equal("""{"a":1,"b":"1","c":true,"d":null,"e":1.5,"f":"hello","g":["x",2]}""", S(node));
    }

    [Theory]
    [InlineData("app=web", """{"app":"web"}""", true)]
    [InlineData("app==web,tier!=db", """{"app":"web"}""", true)]
    [InlineData("app in (a, web)", """{"app":"web"}""", true)]
    [InlineData("app notin (web)", """{"app":"web"}""", false)]
    [InlineData("app notin (web)", """{}""", true)]
    [InlineData("app", """{}""", false)]
    [InlineData("!app", """{}""", true)]
    [InlineData("app,!tier", """{"app":"x","tier":"y"}""", false)]
    public void Label_selectors(string selector, string labels, bool matches) =>
        Assert.Equal(matches, LabelSelector.Parse(selector).Matches((JsonObject)J(labels)));

    [Fact]
    public void Field_selectors()
    {
        var pod = (JsonObject)J("""{"metadata":{"name":"p","namespace":"n"},"spec":{"nodeName":"w1"},"status":{"phase":"Running"}}""");
        Assert.True(FieldSelector.Parse("status.phase=Running,spec.nodeName==w1").Matches(pod));
        Assert.False(FieldSelector.Parse("status.phase!=Running").Matches(pod));
        Assert.True(FieldSelector.Parse("metadata.namespace=n,metadata.name=p").Matches(pod));
        Assert.Equal("p", FieldSelector.Parse("metadata.name=p").ExactName);
    }
}
