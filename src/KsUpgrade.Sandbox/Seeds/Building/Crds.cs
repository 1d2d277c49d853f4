using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Seeds.Building;

/// <summary>One CRD version: name, whether it is the storage version, and whether it has a status subresource.</summary>
public sealed record CrdVersion(string Name, bool Storage = true, bool Served = true, bool StatusSubresource = false,
    IReadOnlyList<(string Name, string Type, string JsonPath)>? PrinterColumns = null);

/// <summary>Builds apiextensions.k8s.io/v1 CustomResourceDefinitions with permissive schemas.</summary>
public static class Crds
{
    public static JsonObject Build(string group, string kind, string plural, string scope, IEnumerable<CrdVersion> versions,
        string? singular = null, IEnumerable<string>? shortNames = null, IEnumerable<string>? categories = null,
        JsonObject? labels = null, JsonObject? specSchema = null)
    {
        var crd = K8s.Object("apiextensions.k8s.io/v1", "CustomResourceDefinition", $"{plural}.{group}", null, labels,
            Json.Strings(("controller-gen.kubebuilder.io/version", "v0.11.3")));
        var names = new JsonObject
        {
            ["kind"] = kind,
            ["listKind"] = kind + "List",
            ["plural"] = plural,
            ["singular"] = singular ?? kind.ToLowerInvariant(),
        };
        if (shortNames is not null && shortNames.Any()) names["shortNames"] = Json.StringArray(shortNames);
        if (categories is not null && categories.Any()) names["categories"] = Json.StringArray(categories);
        var vers = new JsonArray();
        foreach (var v in versions)
        {
            var ver = new JsonObject
            {
                ["name"] = v.Name,
                ["served"] = v.Served,
                ["storage"] = v.Storage,
                ["schema"] = new JsonObject
                {
                    ["openAPIV3Schema"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["apiVersion"] = new JsonObject { ["type"] = "string" },
                            ["kind"] = new JsonObject { ["type"] = "string" },
                            ["metadata"] = new JsonObject { ["type"] = "object" },
                            ["spec"] = specSchema?.DeepClone() ?? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true },
                            ["status"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true },
                        },
                        ["x-kubernetes-preserve-unknown-fields"] = true,
                    },
                },
                ["subresources"] = v.StatusSubresource ? new JsonObject { ["status"] = new JsonObject() } : new JsonObject(),
            };
            if (v.PrinterColumns is { Count: > 0 })
            {
                var cols = new JsonArray();
                foreach (var (n, t, p) in v.PrinterColumns) cols.Add(new JsonObject { ["name"] = n, ["type"] = t, ["jsonPath"] = p });
                ver["additionalPrinterColumns"] = cols;
            }
            vers.Add(ver);
        }
        crd["spec"] = new JsonObject { ["group"] = group, ["names"] = names, ["scope"] = scope, ["versions"] = vers };
        // Applied with kubectl by ks-installer: keep the last-applied annotation so a later `kubectl apply` is quiet.
        var applied = new JsonObject
        {
            ["apiVersion"] = crd["apiVersion"]!.DeepClone(),
            ["kind"] = crd["kind"]!.DeepClone(),
            ["metadata"] = new JsonObject { ["annotations"] = crd["metadata"]!["annotations"]!.DeepClone(), ["name"] = crd.Name() },
            ["spec"] = crd["spec"]!.DeepClone(),
        };
        crd.Annotations()["kubectl.kubernetes.io/last-applied-configuration"] = applied.ToJsonString() + "\n";
        var storage = versions.First(v => v.Storage).Name;
        crd["status"] = new JsonObject
        {
            ["acceptedNames"] = names.DeepClone(),
            ["storedVersions"] = Json.Array(storage),
            ["conditions"] = Json.Array(
                K8s.Condition("NamesAccepted", "True", "NoConflicts", "no conflicts found"),
                K8s.Condition("Established", "True", "InitialNamesAccepted", "the initial names have been accepted")),
        };
        return crd;
    }

    public static JsonObject Simple(string group, string version, string kind, string plural, bool namespaced,
        IEnumerable<string>? shortNames = null, bool statusSubresource = false, IEnumerable<string>? categories = null) =>
        Build(group, kind, plural, namespaced ? "Namespaced" : "Cluster", new[] { new CrdVersion(version, StatusSubresource: statusSubresource) },
            shortNames: shortNames, categories: categories);
}
