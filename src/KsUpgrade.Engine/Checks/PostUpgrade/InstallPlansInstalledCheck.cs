using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Checks.PostUpgrade;

/// <summary>
/// On a host: every InstallPlan (ks-upgrade's post-upgrade creates one per enabled extension) is `Installed`, and with
/// -ValuesPath every enabled job's extension has its InstallPlan. Per member cluster the plan's
/// status.clusterSchedulingStatuses is reported: a member whose agent is not Installed yet is a Warning (it is installed
/// once the member is upgraded and its Schedulable taint removed). upgrade-painpoints.md §2 (post-upgrade gate).
/// </summary>
public sealed class InstallPlansInstalledCheck : ClusterCheck
{
    public const string Installed = "Installed";

    public override string Id => "InstallPlansInstalled";
    public override string Title => "Every InstallPlan is Installed";
    public override KsCheckPhase[] Phases => PostUpgradeOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var role = await ctx.Role.ConfigureAwait(false);
        if (role == KsClusterRole.Member)
            return Skipped("InstallPlans live on the host.");
        var read = await ctx.InstallPlans.ConfigureAwait(false);
        if (!read.IsOk)
            return CannotRead(read);
        var rows = new List<KsInstallPlanStatus>();
        foreach (var plan in read.Value.OrderBy(p => Str(p["metadata"]?["name"]), StringComparer.Ordinal))
        {
            var name = Str(plan["metadata"]?["name"]) ?? "";
            rows.Add(new KsInstallPlanStatus(name, null, Str(plan["status"]?["state"])));
            if (plan["status"]?["clusterSchedulingStatuses"] is JsonObject perCluster)
                foreach (var (cluster, status) in perCluster.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    rows.Add(new KsInstallPlanStatus(name, cluster, Str(status?["state"])));
        }
        var plans = rows.Where(r => r.Cluster is null).ToList();
        var missing = (ctx.Values?.EnabledJobs ?? Array.Empty<Values.UpgradeJobSettings>())
            .Where(j => j.ExtensionName is not null && plans.All(p => p.Name != j.ExtensionName))
            .Select(j => $"{j.ExtensionName} (job {j.Name})").ToList();
        var notInstalled = plans.Where(p => p.State != Installed).ToList();
        var data = rows.Cast<object>().ToArray();
        if (missing.Count > 0 || notInstalled.Count > 0)
        {
            var parts = new List<string>();
            if (notInstalled.Count > 0) parts.Add($"not Installed: {NameList(notInstalled.Select(p => $"{p.Name} ({p.State ?? "no state"})"))}");
            if (missing.Count > 0) parts.Add($"no InstallPlan for the enabled {NameList(missing)}");
            return Failed($"InstallPlans {string.Join("; ", parts)}.",
                "Look at kubectl get installplans and kubectl describe installplan <name> (and the post-upgrade job's log); an InstallPlan without its ExtensionVersion means the museum does not serve that extensionRef version.",
                data);
        }
        var members = rows.Where(r => r.Cluster is not null && r.State != Installed).ToList();
        if (members.Count > 0)
            return Warning($"Every InstallPlan is Installed on the host; not yet on member clusters: {NameList(members.Select(m => $"{m.Name} on {m.Cluster} ({m.State ?? "no state"})"))}.",
                "Upgrade each member (Invoke-KsMemberUpgrade -HostCluster), then Remove-KsMemberTaint; the agents are installed once a member is schedulable.", data);
        return Passed(plans.Count == 0 ? "No InstallPlan exists (no extension job was enabled)." : $"Installed: {NameList(plans.Select(p => p.Name))}" +
            (rows.Count > plans.Count ? $"; on members: {NameList(rows.Where(r => r.Cluster is not null).Select(r => $"{r.Name} on {r.Cluster}"))}." : "."), data);
    }

    private static string? Str(JsonNode? n) => ClusterConfigurationInfo.Str(n);
}

/// <summary>An InstallPlan's state (Cluster null) or its state on one member cluster.</summary>
public sealed record KsInstallPlanStatus(string Name, string? Cluster, string? State);
