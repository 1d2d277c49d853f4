using System.Globalization;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.Seeds.Files;

/// <summary>
/// Seed files: our own YAML (or JSON) format describing one or more simulated clusters.
/// <code>
/// # KsUpgrade sandbox seed
/// clusters:
///   - name: host                  # required: cluster / kubeconfig context name
///     base: ks34-host             # optional: start from a named seed (its cluster of the same name, else its first)
///     kubernetesVersion: v1.26.15 # optional (default: base's, else v1.26.15)
///     jobRunSeconds: 0.5          # optional
///     podReadySeconds: 0.2        # optional
///     remove:                     # optional: drop base objects (apiVersion optional, namespace for namespaced kinds)
///       - {kind: Deployment, namespace: kubesphere-system, name: ks-installer}
///     objects:                    # Kubernetes objects; same apiVersion group + kind + namespace + name replaces a base object
///       - apiVersion: v1
///         kind: ConfigMap
///         metadata: {name: extra, namespace: default}
///         data: {key: value}
/// </code>
/// Scale (Nodes, Namespaces, PodsPerNode, RbacObjects) applies to clusters that have a <c>base</c>.
/// </summary>
public static class SeedFile
{
    public static IReadOnlyList<SeedCluster> Load(string path, IReadOnlyDictionary<string, int>? scale,
        Func<string, IReadOnlyDictionary<string, int>?, IReadOnlyList<SeedCluster>> named)
    {
        JsonNode? parsed;
        try { parsed = YamlJson.Parse(File.ReadAllText(path)); }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"Seed file {path}: not valid YAML at line {e.Start.Line}, column {e.Start.Column}.", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's way of saying the text ends inside an unclosed flow collection or quote.
            throw new InvalidDataException($"Seed file {path}: not valid YAML: it ends inside an unclosed '[', '{{' or quote.", e);
        }
        var root = parsed as JsonObject
                   ?? throw new InvalidDataException($"Seed file {path}: expected a mapping with 'clusters'.");
        if (root["clusters"] is not JsonArray clusters || clusters.Count == 0)
            throw new InvalidDataException($"Seed file {path}: 'clusters' must be a non-empty list.");
        var result = new List<SeedCluster>();
        var bases = new Dictionary<string, IReadOnlyList<SeedCluster>>();
        foreach (var node in clusters)
        {
            if (node is not JsonObject c) throw new InvalidDataException($"Seed file {path}: each cluster must be a mapping.");
            var name = c.Str("name") ?? throw new InvalidDataException($"Seed file {path}: a cluster has no name.");
            SeedCluster? baseCluster = null;
            if (c.Str("base") is { Length: > 0 } baseName)
            {
                if (!bases.TryGetValue(baseName, out var baseSeed)) bases[baseName] = baseSeed = named(baseName, scale);
                baseCluster = baseSeed.FirstOrDefault(b => b.Name == name) ?? baseSeed[0];
            }
            var objects = baseCluster?.Objects.Select(o => (JsonObject)o.DeepClone()).ToList() ?? new List<JsonObject>();
            if (c["remove"] is JsonArray removes)
                foreach (var r in removes.OfType<JsonObject>())
                    objects.RemoveAll(o => Matches(o, r));
            if (c["objects"] is JsonArray objs)
            {
                var index = new Dictionary<string, int>();
                for (var i = 0; i < objects.Count; i++) index[Key(objects[i])] = i;
                foreach (var o in objs)
                {
                    if (o is not JsonObject obj || obj.Str("kind") is null || obj.Str("apiVersion") is null || obj.Str("metadata", "name") is null)
                        throw new InvalidDataException($"Seed file {path}, cluster {name}: every object needs apiVersion, kind and metadata.name.");
                    var copy = (JsonObject)obj.DeepClone();
                    if (index.TryGetValue(Key(copy), out var at)) objects[at] = copy;
                    else
                    {
                        index[Key(copy)] = objects.Count;
                        objects.Add(copy);
                    }
                }
            }
            result.Add(new SeedCluster
            {
                Name = name,
                KubernetesVersion = c.Str("kubernetesVersion") ?? baseCluster?.KubernetesVersion ?? "v1.26.15",
                JobRunSeconds = Number(c["jobRunSeconds"]) ?? baseCluster?.JobRunSeconds ?? 0.5,
                PodReadySeconds = Number(c["podReadySeconds"]) ?? baseCluster?.PodReadySeconds ?? 0.2,
                ClusterResyncSeconds = Number(c["clusterResyncSeconds"]) ?? baseCluster?.ClusterResyncSeconds ?? 1.0,
                NodeLeaseRenewSeconds = Number(c["nodeLeaseRenewSeconds"]) ?? baseCluster?.NodeLeaseRenewSeconds ?? 10,
                NodeStatusReportSeconds = Number(c["nodeStatusReportSeconds"]) ?? baseCluster?.NodeStatusReportSeconds ?? 300,
                GatewayControllerSeconds = Number(c["gatewayControllerSeconds"]) ?? baseCluster?.GatewayControllerSeconds ?? 0.5,
                Objects = objects,
            });
        }
        return result;
    }

    /// <summary>Writes clusters to a seed file (full objects, no base); YAML unless the path ends in .json.</summary>
    public static void Save(IReadOnlyList<SeedCluster> clusters, string path)
    {
        var root = new JsonObject
        {
            ["clusters"] = Json.Array(clusters.Select(c => (JsonNode?)new JsonObject
            {
                ["name"] = c.Name,
                ["kubernetesVersion"] = c.KubernetesVersion,
                ["jobRunSeconds"] = c.JobRunSeconds,
                ["podReadySeconds"] = c.PodReadySeconds,
                ["clusterResyncSeconds"] = c.ClusterResyncSeconds,
                ["nodeLeaseRenewSeconds"] = c.NodeLeaseRenewSeconds,
                ["nodeStatusReportSeconds"] = c.NodeStatusReportSeconds,
                ["gatewayControllerSeconds"] = c.GatewayControllerSeconds,
                ["objects"] = Json.Array(c.Objects.Select(o => (JsonNode?)o.DeepClone())),
            })),
        };
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        var text = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true })
            : "# KsUpgrade sandbox seed (format: src/KsUpgrade.Sandbox/Seeds/README.md)\n" + YamlJson.ToYaml(root);
        File.WriteAllText(path, text);
    }

    private static double? Number(JsonNode? n) =>
        n is JsonValue v ? double.Parse(v.ToJsonString().Trim('"'), CultureInfo.InvariantCulture) : null;

    private static string Group(string apiVersion) => apiVersion.Contains('/') ? apiVersion[..apiVersion.IndexOf('/')] : "";

    /// <summary>Identity of an object for overrides: API group, kind, namespace, name.</summary>
    public static string Key(JsonObject o) => $"{Group(o.ApiVersion())}|{o.Kind()}|{o.Namespace()}|{o.Name()}";

    private static bool Matches(JsonObject o, JsonObject r) =>
        o.Kind() == r.Str("kind") && o.Name() == r.Str("name") && o.Namespace() == r.Str("namespace")
        && (r.Str("apiVersion") is not { } av || Group(av) == Group(o.ApiVersion()));
}
