namespace KsUpgrade.Engine.Checks.PostUpgrade;

/// <summary>The latest ks-core revision is deployed at the target chart version and appVersion.</summary>
public sealed class KsCoreReleaseDeployedCheck : ClusterCheck
{
    public override string Id => "KsCoreReleaseDeployed";
    public override string Title => "ks-core is deployed at the target version";
    public override KsCheckPhase[] Phases => PostUpgradeOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var releases = await ctx.KsCoreReleases.ConfigureAwait(false);
        if (!releases.IsOk)
            return CannotRead(releases, KsCheckStatus.Warning);
        var wantChart = ctx.Request.TargetChartVersion;
        var wantApp = ctx.Request.TargetAppVersion;
        if (releases.Value.Count == 0)
            return Failed("No ks-core helm release found in kubesphere-system.", "Run Invoke-KsHostUpgrade or Invoke-KsMemberUpgrade.");
        var latest = releases.Value[^1];
        var found = $"ks-core revision {latest.Revision} is {latest.Status} (chart {latest.ChartVersion}, app {latest.AppVersion})";
        if (latest.Status != "deployed")
        {
            var lastDeployed = releases.Value.LastOrDefault(r => r.Status == "deployed");
            var remedy = latest.IsPending
                ? $"The upgrade did not finish. Re-run the upgrade cmdlet (it resumes), or delete secret {latest.SecretName} in kubesphere-system" +
                  (lastDeployed is null ? "." : $" / helm rollback ks-core {lastDeployed.Revision} -n kubesphere-system.")
                : "Look at helm history ks-core -n kubesphere-system and the ks-upgrade job logs, fix the cause and re-run the upgrade.";
            return Failed($"{found}; expected deployed.", remedy, latest);
        }
        var chartOk = SameVersion(latest.ChartVersion, wantChart);
        var appOk = SameVersion(latest.AppVersion, wantApp);
        if (!chartOk || !appOk)
            return Failed($"{found}; expected chart {wantChart}, app {wantApp}.",
                "Run the upgrade to the target version (Invoke-KsHostUpgrade / Invoke-KsMemberUpgrade with the right -Chart).", latest);
        return Passed($"{found}.");
    }

    private static bool SameVersion(string? actual, string want) =>
        string.Equals(actual?.TrimStart('v'), want.TrimStart('v'), StringComparison.OrdinalIgnoreCase);
}
