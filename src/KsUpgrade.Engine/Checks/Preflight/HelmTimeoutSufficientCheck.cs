namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// The helm --timeout of the upgrade (Invoke-KsHostUpgrade/Invoke-KsMemberUpgrade -Timeout, default 45 minutes;
/// upgrade.sh uses 30) covers the post-upgrade hook's worst case: helm's timeout also bounds the hook Job, which on a host waits
/// up to 30 minutes for the extensions museum to sync, then runs every enabled job with its own waits
/// (upgrade-painpoints.md §1.2 "timed out waiting for the condition", §2 item 19).
/// </summary>
public sealed class HelmTimeoutSufficientCheck : ClusterCheck
{
    /// <summary>
    /// The upgrades' default -Timeout (UpgradeParameters.DefaultTimeout is this value): 45 minutes, upgrade.sh uses 30.
    /// The default must pass this check on a host with the guide's jobs, network and gateway: 30 + 5 + 5 = 40 minutes.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(45);
    public static readonly TimeSpan MuseumWait = TimeSpan.FromMinutes(30);
    /// <summary>The hook's own work besides the named waits: the other jobs, pulling images, starting pods.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromMinutes(5);

    /// <summary>The waits ks-upgrade v4.1.3's jobs may spend in post-upgrade, per job (domain-facts §4 "Handy constants").</summary>
    public static readonly IReadOnlyDictionary<string, TimeSpan> JobWaits = new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
    {
        ["devops"] = TimeSpan.FromMinutes(30),   // 20 m for its job, then up to 10 m for its InstallPlan
        ["kubeedge"] = TimeSpan.FromMinutes(10),
        ["gateway"] = TimeSpan.FromMinutes(5),
    };

    public override string Id => "HelmTimeoutSufficient";
    public override string Title => "helm --timeout covers the post-upgrade hook";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var role = await ctx.Role.ConfigureAwait(false);
        var timeout = ctx.Request.HelmTimeout ?? DefaultTimeout;
        var parts = new List<string>();
        var worst = Margin;
        if (role != KsClusterRole.Member)
        {
            worst += MuseumWait;
            parts.Add($"extensions museum sync {Minutes(MuseumWait)}");
        }
        var jobs = ctx.Values?.EnabledJobs;
        foreach (var job in jobs ?? Array.Empty<Values.UpgradeJobSettings>())
        {
            if (!JobWaits.TryGetValue(job.Name, out var wait)) continue;
            worst += wait;
            parts.Add($"{job.Name} {Minutes(wait)}");
        }
        parts.Add($"other work {Minutes(Margin)}");
        var known = jobs is null ? " (no -ValuesPath: the enabled jobs are not known, so their waits are not counted)" : "";
        var budget = $"the post-upgrade hook's worst case is {Minutes(worst)} ({string.Join(" + ", parts)}){known}";
        var given = ctx.Request.HelmTimeout is null ? $"the upgrade's default -Timeout {Minutes(timeout)}" : $"-Timeout {Minutes(timeout)}";
        if (timeout >= worst)
            return Passed($"{given} covers {budget}.");
        return Warning($"{given} is shorter than {budget}: helm would report 'timed out waiting for the condition' while the hook job is still working.",
            $"Run the upgrade with -Timeout {(int)Math.Ceiling(worst.TotalMinutes)} (minutes) or more; or let the museum sync before the upgrade and turn on the heavy jobs (devops) in a separate pass.");
    }

    private static string Minutes(TimeSpan t) => $"{t.TotalMinutes:0} min";
}
