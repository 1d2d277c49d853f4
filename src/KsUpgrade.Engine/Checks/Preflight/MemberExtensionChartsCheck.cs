namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// On a member, after the host upgrade: the <c>extension-&lt;name&gt;-&lt;version&gt;-chart</c> ConfigMaps exist in
/// kubesphere-system for every enabled job that applies its extension's CRDs from them. A member has no extensions
/// museum: ks-upgrade's ApplyCRDsFromExtensionRef falls back to the ConfigMap the host's post-upgrade pushed
/// (SyncHelmChart), and that push ignores write errors (upgrade-painpoints.md §1.3 "failed to get configmap", §1.2 and
/// §2 item 18). One LIST of the namespace's ConfigMaps, names only.
/// </summary>
public sealed class MemberExtensionChartsCheck : ClusterCheck
{
    /// <summary>
    /// The ks-upgrade v4.1.3 jobs that apply CRDs from their extension chart on a member: gateway (the v2 Gateway CRD),
    /// whizard-monitoring and whizard-alerting (dynamicOptions updateCrds, true in the image's base config).
    /// </summary>
    public static readonly IReadOnlyList<string> JobsNeedingCharts = new[] { "gateway", "whizard-monitoring", "whizard-alerting" };

    /// <summary>The ConfigMap ks-upgrade reads an extension's chart from (core.ExtensionConfigMapNameFormat).</summary>
    public static string ChartConfigMapName(string extension, string version) => $"extension-{extension}-{version}-chart";

    public override string Id => "MemberExtensionCharts";
    public override string Title => "A member has the extension chart ConfigMaps the host upgrade pushes";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var role = await ctx.Role.ConfigureAwait(false);
        if (role != KsClusterRole.Member)
            return Skipped($"Not a member cluster (role {role}): a host or single cluster has the extensions museum and needs no chart ConfigMaps.");
        if (ctx.Values?.EnabledJobs is not { } jobs)
            return Skipped("No -ValuesPath: the enabled upgrade jobs are not known.");
        var needed = jobs.Where(j => JobsNeedingCharts.Contains(j.Name) && j.ExtensionName is { Length: > 0 } && j.ExtensionVersion is { Length: > 0 })
            .Select(j => (Job: j.Name, ConfigMap: ChartConfigMapName(j.ExtensionName!, j.ExtensionVersion!))).ToList();
        if (needed.Count == 0)
            return Passed($"No enabled job needs an extension chart ConfigMap on a member (only {string.Join(", ", JobsNeedingCharts)} do).");
        var names = await ctx.KubeSphereSystemConfigMapNames.ConfigureAwait(false);
        if (!names.IsOk) return CannotRead(names);
        var present = new HashSet<string>(names.Value, StringComparer.Ordinal);
        var rows = needed.Select(n => new ExtensionChartConfigMap(n.Job, KsNames.KubeSphereSystem, n.ConfigMap, present.Contains(n.ConfigMap))).ToList();
        var missing = rows.Where(r => !r.Exists).ToList();
        if (missing.Count == 0)
            return Passed($"The chart ConfigMaps of the enabled jobs exist: {NameList(rows.Select(r => $"{r.Name} ({r.Job})"))}.", rows.Cast<object>().ToArray());
        return Failed($"Missing in this member: {NameList(missing.Select(r => $"{r.Namespace}/{r.Name} (job {r.Job})"))}. A member has no extensions museum: its post-upgrade applies these extensions' CRDs from the ConfigMaps the host's upgrade pushes, and fails with 'failed to get configmap' without them.",
            "Upgrade the host first (Invoke-KsHostUpgrade); if it was upgraded, run Invoke-KsHostUpgrade again with the same values so its jobs push the charts to every member (the push ignores errors: check that this member was Ready), then run Test-KsCluster on this member again.",
            rows.Cast<object>().ToArray());
    }
}

/// <summary>One chart ConfigMap a member needs: the job, where it must be, and whether it exists.</summary>
public sealed record ExtensionChartConfigMap(string Job, string Namespace, string Name, bool Exists);
