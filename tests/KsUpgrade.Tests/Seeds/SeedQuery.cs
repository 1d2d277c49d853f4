using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Tests.Seeds;

/// <summary>Lookups over a seed cluster's objects for assertions.</summary>
internal static class SeedQuery
{
    public static IEnumerable<JsonObject> OfKind(this SeedCluster c, string kind, string? ns = null) =>
        c.Objects.Where(o => o.Kind() == kind && (ns is null || o.Namespace() == ns));

    public static JsonObject One(this SeedCluster c, string kind, string name, string? ns = null) =>
        Assert.Single(c.Objects, o => o.Kind() == kind && o.Name() == name && o.Namespace() == ns);

    public static string? Label(this JsonObject o, string key) => o.Str("metadata", "labels", key);
    public static string? Annotation(this JsonObject o, string key) => o.Str("metadata", "annotations", key);
}
