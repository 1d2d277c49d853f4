using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// Every <c>upgrade.config.jobs.&lt;name&gt;.enabled=true</c> of the values maps to a component enabled in this cluster's
/// cc ks-installer, and each extensionRef name/version is one the target extensions museum serves, as far as that can
/// be known offline (upgrade-painpoints.md §2 item 14, §1.2 "failed to get extensionVersion"). Warnings only: a job
/// for a component that is off upgrades nothing (or installs an extension nobody asked for), and an unknown version is
/// only known to fail once the museum runs, inside the post-upgrade hook.
/// </summary>
public sealed class UpgradeJobsMatchComponentsCheck : ClusterCheck
{
    /// <summary>What in the 3.4 cc spec makes a job's component present (domain-facts §3.3/§3.4, §5.1); jobs not listed have no switch in the cc.</summary>
    private static readonly IReadOnlyDictionary<string, (string Setting, Func<JsonObject, bool> Enabled)> JobComponents =
        new Dictionary<string, (string, Func<JsonObject, bool>)>(StringComparer.Ordinal)
        {
            ["network"] = ("spec.network.networkpolicy.enabled or spec.network.ippool.type calico",
                s => On(s, "network", "networkpolicy", "enabled") || string.Equals(Str(s, "network", "ippool", "type"), "calico", StringComparison.OrdinalIgnoreCase)),
            ["devops"] = ("spec.devops.enabled", s => On(s, "devops", "enabled")),
            ["whizard-logging"] = ("spec.logging.enabled", s => On(s, "logging", "enabled")),
            ["vector"] = ("spec.logging.enabled", s => On(s, "logging", "enabled")),
            ["opensearch"] = ("spec.logging.enabled, spec.events.enabled or spec.auditing.enabled",
                s => On(s, "logging", "enabled") || On(s, "events", "enabled") || On(s, "auditing", "enabled")),
            ["whizard-events"] = ("spec.events.enabled", s => On(s, "events", "enabled")),
            ["whizard-alerting"] = ("spec.alerting.enabled", s => On(s, "alerting", "enabled")),
            ["metrics-server"] = ("spec.metrics_server.enabled", s => On(s, "metrics_server", "enabled")),
            ["servicemesh"] = ("spec.servicemesh.enabled", s => On(s, "servicemesh", "enabled")),
            ["kubeedge"] = ("spec.edgeruntime.enabled or spec.edgeruntime.kubeedge.enabled", s => On(s, "edgeruntime", "enabled") || On(s, "edgeruntime", "kubeedge", "enabled")),
            ["application"] = ("spec.openpitrix.store.enabled", s => On(s, "openpitrix", "store", "enabled")),
            ["kubefed"] = ("spec.multicluster.clusterRole host", s => string.Equals(Str(s, "multicluster", "clusterRole"), "host", StringComparison.OrdinalIgnoreCase)),
            ["tower"] = ("spec.multicluster.clusterRole host", s => string.Equals(Str(s, "multicluster", "clusterRole"), "host", StringComparison.OrdinalIgnoreCase)),
        };

    /// <summary>
    /// The extension versions known, offline, to be served by a museum image tag: those the official v4.1.3 upgrade guide
    /// pairs with museum v1.1.5 in its ks-core-values.yaml (domain-facts §1.4, §3.3). Anything else cannot be known
    /// without the museum's index.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> KnownMuseumIndex = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
    {
        ["v1.1.5"] = new HashSet<string>(StringComparer.Ordinal) { "network 1.1.0", "gateway 1.0.5" },
    };

    public override string Id => "UpgradeJobsMatchComponents";
    public override string Title => "Enabled upgrade jobs match the cluster's components and the museum";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        if (ctx.Values?.EnabledJobs is not { } jobs)
            return Skipped("No -ValuesPath: the enabled upgrade jobs are not known.");
        var cc = await ctx.ClusterConfiguration.ConfigureAwait(false);
        if (!cc.IsOk) return CannotRead(cc, KsCheckStatus.Skipped);
        if (cc.Value?.Spec is not { } spec)
            return Skipped("No cc ks-installer: the cluster's components are not known.");
        var museum = ctx.Request.ExtensionsMuseumTag ?? new Helm.KsCoreImageSettings().ExtensionVersion;
        KnownMuseumIndex.TryGetValue(museum, out var index);
        var rows = new List<UpgradeJobMatch>();
        foreach (var job in jobs)
        {
            string? setting = null;
            bool? componentOn = null;
            if (JobComponents.TryGetValue(job.Name, out var component))
            {
                setting = component.Setting;
                componentOn = component.Enabled(spec);
            }
            bool? served = job.ExtensionName is { Length: > 0 } name && job.ExtensionVersion is { Length: > 0 } version
                ? index?.Contains($"{name} {version}") == true ? true : null
                : null;
            rows.Add(new UpgradeJobMatch(job.Name, setting, componentOn, job.ExtensionName, job.ExtensionVersion, served));
        }
        var off = rows.Where(r => r.ComponentEnabled == false).ToList();
        var unknown = rows.Where(r => r.ExtensionName is not null && r.ExtensionVersion is not null && r.MuseumServes != true).ToList();
        var data = rows.Cast<object>().ToArray();
        if (off.Count == 0 && unknown.Count == 0)
            return Passed(rows.Count == 0
                ? "No upgrade job is enabled in the values."
                : $"Each enabled job matches the cluster: {NameList(rows.Select(Describe))}.", data);
        var parts = new List<string>();
        var remedies = new List<string>();
        if (off.Count > 0)
        {
            parts.Add($"enabled for a component this cluster's cc does not enable: {NameList(off.Select(r => $"{r.Job} ({r.CcSetting} is not set)"))}");
            remedies.Add($"Set {NameList(off.Select(r => $"upgrade.config.jobs.{r.Job}.enabled"))} to false in the values, or enable the component in cc ks-installer first if the cluster uses it");
        }
        if (unknown.Count > 0)
        {
            var known = index is null ? $"nothing is known of museum {museum}" : $"museum {museum} is known to serve {string.Join(", ", index.Order(StringComparer.Ordinal))}";
            parts.Add($"extensionRef {NameList(unknown.Select(r => $"{r.ExtensionName} {r.ExtensionVersion}"))} cannot be known offline to be served by the extensions museum ({known}); the post-upgrade fails with 'failed to get extensionVersion' when it is not");
            remedies.Add("Compare each extensionRef with the museum's index (kubectl get extensionversions once the museum has synced, or the index of the museum image) and use a version it serves");
        }
        return Warning($"Upgrade jobs: {string.Join("; ", parts)}.", string.Join("; ", remedies) + "; then run Test-KsCluster -ValuesPath again.", data);
    }

    private static string Describe(UpgradeJobMatch r) => r.CcSetting is null
        ? r.ExtensionName is null ? $"{r.Job} (no cc switch)" : $"{r.Job} (no cc switch; {r.ExtensionName} {r.ExtensionVersion} served)"
        : r.ExtensionName is null ? $"{r.Job} ({r.CcSetting})" : $"{r.Job} ({r.CcSetting}; {r.ExtensionName} {r.ExtensionVersion} served)";

    private static bool On(JsonObject spec, params string[] path) => Node(spec, path) is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static string? Str(JsonObject spec, params string[] path) => ClusterConfigurationInfo.Str(Node(spec, path));

    private static JsonNode? Node(JsonObject spec, string[] path)
    {
        JsonNode? node = spec;
        foreach (var key in path) node = (node as JsonObject)?[key];
        return node;
    }
}

/// <summary>One enabled job: the cc setting its component needs (null: none), whether it is on, and whether the museum is known to serve its extensionRef (null: not known offline).</summary>
public sealed record UpgradeJobMatch(string Job, string? CcSetting, bool? ComponentEnabled, string? ExtensionName, string? ExtensionVersion, bool? MuseumServes);
