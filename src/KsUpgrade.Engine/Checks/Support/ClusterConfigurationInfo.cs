using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Checks;

/// <summary>The fields of `cc ks-installer` the checks read (domain-facts.md §5.1).</summary>
public sealed record ClusterConfigurationInfo(
    string? Version,
    string? ClusterRole,
    string? EtcdEndpointIps,
    bool? EtcdMonitoring,
    IReadOnlyList<KsComponentStatus> Components,
    IReadOnlyList<string>? EnabledInSpec = null,
    JsonObject? Spec = null)
{
    /// <summary>cc spec keys whose `enabled: true` makes ks-installer install a component, and the status key it then writes (domain-facts §5.1).</summary>
    public static readonly IReadOnlyList<(string Spec, string Status)> SpecComponents = new[]
    {
        ("alerting", "alerting"), ("auditing", "auditing"), ("devops", "devops"), ("events", "events"), ("logging", "logging"),
        ("metrics_server", "metricsServer"), ("servicemesh", "servicemesh"), ("edgeruntime", "edgeruntime"), ("gatekeeper", "gatekeeper"),
    };

    public static ClusterConfigurationInfo From(JsonObject cc)
    {
        var version = Str(cc["metadata"]?["labels"]?["version"]);
        var spec = cc["spec"] as JsonObject;
        var role = Str(spec?["multicluster"]?["clusterRole"]);
        var etcd = spec?["etcd"];
        var endpointIps = Str(etcd?["endpointIps"]);
        bool? monitoring = etcd?["monitoring"] is JsonValue mv && mv.TryGetValue<bool>(out var b) ? b : null;
        var components = new List<KsComponentStatus>();
        if (cc["status"] is JsonObject status)
        {
            foreach (var (name, node) in status)
            {
                if (node is JsonObject o)
                    components.Add(new KsComponentStatus(name, Str(o["status"]), Str(o["version"])));
            }
        }
        var enabled = SpecComponents
            .Where(c => spec?[c.Spec]?["enabled"] is JsonValue ev && ev.TryGetValue<bool>(out var on) && on)
            .Select(c => c.Status).ToList();
        if (ParseRole(role) is KsClusterRole.Host or KsClusterRole.Member)
            enabled.Add("multicluster");
        return new ClusterConfigurationInfo(version, role, endpointIps, monitoring, components, enabled, spec?.DeepClone() as JsonObject);
    }

    /// <summary>The role as the module's enum; Unknown when the field is missing or not one of host/member/none.</summary>
    public KsClusterRole Role => ParseRole(ClusterRole);

    public static KsClusterRole ParseRole(string? role) => role?.Trim().ToLowerInvariant() switch
    {
        "host" => KsClusterRole.Host,
        "member" => KsClusterRole.Member,
        "none" or "" => KsClusterRole.None,
        _ => KsClusterRole.Unknown,
    };

    internal static string? Str(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => node.ToJsonString(),
    };
}
