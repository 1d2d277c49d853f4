using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>
/// The OpenAPI v3 documents are shared across sandboxes by their content: the key must change with everything a
/// document is built from (the types of the group version, their scope, their CRD schema), and only with that.
/// </summary>
public class OpenApiContentKeyTests
{
    private static ResourceType Crd(string kind, bool namespaced = true, string? property = null) => new()
    {
        Group = "iam.kubesphere.io", Version = "v1beta1", Plural = kind.ToLowerInvariant() + "s", Singular = kind.ToLowerInvariant(),
        Kind = kind, Namespaced = namespaced, FromCrd = true,
        Schema = property is null ? null : new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { [property] = new JsonObject { ["type"] = "string" } } },
    };

    private static string Key(params ResourceType[] types) => OpenApiSchemas.ContentKey(types, "iam.kubesphere.io", "v1beta1");

    [Fact]
    public void The_key_follows_the_types_their_scope_and_their_schema()
    {
        Assert.Equal(Key(Crd("User", property: "spec")), Key(Crd("User", property: "spec")));
        Assert.NotEqual(Key(Crd("User", property: "spec")), Key(Crd("User", property: "status")));
        Assert.NotEqual(Key(Crd("User", property: "spec")), Key(Crd("User", property: null)));
        Assert.NotEqual(Key(Crd("User")), Key(Crd("User", namespaced: false)));
        Assert.NotEqual(Key(Crd("User")), Key(Crd("User"), Crd("Group")));
        // types of other group versions do not take part
        var other = Crd("Workspace") with { Group = "tenant.kubesphere.io" };
        Assert.Equal(Key(Crd("User")), Key(Crd("User"), other));
    }
}
