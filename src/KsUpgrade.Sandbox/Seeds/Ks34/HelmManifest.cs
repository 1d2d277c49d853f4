using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Seeds.Files;

namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>Builds a Helm release manifest (rendered YAML documents) from the live objects a release owns.</summary>
public sealed class HelmManifest
{
    private readonly StringBuilder _text = new();

    /// <summary>Adds an object as its template would have rendered it (no status, no server fields, no helm ownership annotations).</summary>
    public HelmManifest Add(string templatePath, JsonObject live)
    {
        var doc = (JsonObject)live.DeepClone();
        doc.Remove("status");
        var meta = doc.Child("metadata");
        foreach (var k in new[] { "uid", "ownerReferences", "resourceVersion", "creationTimestamp", "generation", "finalizers" }) meta.Remove(k);
        if (meta["annotations"] is JsonObject ann)
        {
            foreach (var k in ann.Select(kv => kv.Key).Where(k => k.StartsWith("meta.helm.sh/") || k.StartsWith("sandbox.ksupgrade.io/") || k.StartsWith("deployment.kubernetes.io/")).ToList())
                ann.Remove(k);
            if (ann.Count == 0) meta.Remove("annotations");
        }
        _text.Append("---\n# Source: ").Append(templatePath).Append('\n').Append(YamlJson.ToYaml(doc));
        return this;
    }

    public override string ToString() => _text.ToString();
}
