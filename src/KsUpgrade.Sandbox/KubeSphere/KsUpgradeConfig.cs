using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Seeds.Files;

namespace KsUpgrade.Sandbox.KubeSphere;

/// <summary>
/// ks-upgrade's configuration as the simulated binary sees it: the image's base config deep-merged with the job's
/// config-patch.yaml (maps merged recursively, scalars and lists replaced).
/// </summary>
public sealed class KsUpgradeConfig
{
    /// <summary>One ks-upgrade job (module): name, priority, and whether it implements each phase.</summary>
    public sealed record Module(string Name, int Priority, bool Enabled, string? ExtensionName, string? ExtensionVersion);

    /// <summary>
    /// The base config baked into the ks-upgrade v4.1.3 image, per the documented defaults: core and iam enabled,
    /// every extension job disabled. Simplification: we assume the image enables the ksVersion validator and the
    /// extensionsMuseum validator (syncInterval 0, watchTimeout 30m), as the official guide's values do.
    /// </summary>
    public const string BaseYaml = """
        storage:
          local:
            path: /tmp/ks-upgrade
        validator:
          ksVersion:
            enabled: true
          extensionsMuseum:
            enabled: true
            namespace: kubesphere-system
            name: extensions-museum
            syncInterval: 0
            watchTimeout: 30m
        jobs:
          core: {enabled: true, priority: 10000}
          iam: {enabled: true, priority: 999}
          devops: {enabled: false, priority: 800, extensionRef: {name: devops, version: 1.1.2}}
          vector: {enabled: false, priority: 101, extensionRef: {name: vector, version: 1.0.4}}
          network: {enabled: false, priority: 100, extensionRef: {name: network, version: 1.1.0}, dynamicOptions: {rerun: "false"}}
          storage-utils: {enabled: false, priority: 100, extensionRef: {name: storage-utils, version: 1.0.0}}
          tower: {enabled: false, priority: 100, extensionRef: {name: tower, version: 1.0.0}}
          kubefed: {enabled: false, priority: 100, extensionRef: {name: kubefed, version: 1.0.0}}
          whizard-monitoring: {enabled: false, priority: 100, extensionRef: {name: whizard-monitoring, version: 1.1.1}}
          application: {enabled: false, priority: 100, extensionRef: {name: openpitrix, version: 2.0.1}}
          whizard-notification: {enabled: false, priority: 100, extensionRef: {name: whizard-notification, version: 2.5.9}}
          kubeedge: {enabled: false, priority: 100, extensionRef: {name: kubeedge, version: 1.13.1}}
          whizard-events: {enabled: false, priority: 100, extensionRef: {name: whizard-events, version: 1.2.0}}
          whizard-logging: {enabled: false, priority: 100, extensionRef: {name: whizard-logging, version: 1.2.2}}
          opensearch: {enabled: false, priority: 100, extensionRef: {name: opensearch, version: 2.11.1}}
          whizard-telemetry: {enabled: false, priority: 100, extensionRef: {name: whizard-telemetry, version: 1.2.2}}
          servicemesh: {enabled: false, priority: 90, extensionRef: {name: servicemesh, version: 1.0.0}}
          gateway: {enabled: false, priority: 90, extensionRef: {name: gateway, version: 1.0.2}}
          metrics-server: {enabled: false, priority: 80, extensionRef: {name: metrics-server, version: 0.7.1}}
          whizard-alerting: {enabled: false, priority: 10, extensionRef: {name: whizard-alerting, version: 1.0.3}}
        """;

    public KsUpgradeConfig(JsonObject merged) => Root = merged;

    public JsonObject Root { get; }

    public static KsUpgradeConfig FromPatch(string? patchYaml)
    {
        var root = (JsonObject)YamlJson.Parse(BaseYaml)!;
        if (!string.IsNullOrWhiteSpace(patchYaml) && YamlJson.Parse(patchYaml) is JsonObject patch) Merge(root, patch);
        return new KsUpgradeConfig(root);
    }

    /// <summary>Deep merge: objects recursively, everything else replaced.</summary>
    public static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is JsonObject po && target[key] is JsonObject to) Merge(to, po);
            else target[key] = value?.DeepClone();
        }
    }

    private static bool Bool(JsonNode? n) => n is JsonValue v && (v.TryGetValue<bool>(out var b) ? b : string.Equals(v.ToString(), "true", StringComparison.OrdinalIgnoreCase));

    public bool KsVersionValidator => Bool(Root["validator"]?["ksVersion"]?["enabled"]);
    public bool MuseumValidator => Bool(Root["validator"]?["extensionsMuseum"]?["enabled"]);
    public string MuseumNamespace => Root.Str("validator", "extensionsMuseum", "namespace") ?? "kubesphere-system";
    public string MuseumName => Root.Str("validator", "extensionsMuseum", "name") ?? "extensions-museum";
    public string StoragePath => Root.Str("storage", "local", "path") ?? "/tmp/ks-upgrade";

    public string? DynamicOption(string job, string key) => Root["jobs"]?[job]?["dynamicOptions"]?[key] is JsonNode n ? n.Str() : null;

    /// <summary>Enabled modules sorted as the executor runs them: priority descending, then name.</summary>
    public IReadOnlyList<Module> EnabledModules() =>
        (Root["jobs"] as JsonObject ?? new JsonObject())
        .Select(kv => new Module(kv.Key,
            kv.Value?["priority"] is JsonValue pv && int.TryParse(pv.ToString(), out var pr) ? pr : 0,
            Bool(kv.Value?["enabled"]),
            kv.Value.Str("extensionRef", "name"),
            kv.Value.Str("extensionRef", "version")))
        .Where(m => m.Enabled)
        .OrderByDescending(m => m.Priority).ThenBy(m => m.Name, StringComparer.Ordinal)
        .ToList();

    public Module? EnabledModule(string name) => EnabledModules().FirstOrDefault(m => m.Name == name);
}
