using KsUpgrade.Engine.Journal;

namespace KsUpgrade.Engine.Upgrade.Steps;

/// <summary>
/// Step 10: the PostUpgrade checks of Test-KsCluster, judged against the pre-flight: system pods already failing before
/// the upgrade (the journal's baseline) are a Warning, not a failure (SystemPodsRunning reads it). Right after helm the
/// cluster may still be settling, so a failing check is checked again until it passes or
/// <see cref="UpgradeParameters.SettleTimeout"/> is up; only then does the step fail. The checks are repeated soon at
/// first and then less often (the poll interval, doubled after each run, up to the settle interval): a cluster that
/// settles within seconds of helm (the extensions' InstallPlans installed by the post-upgrade job) passes seconds after
/// it does, and one that takes minutes is not read every few seconds.
/// </summary>
internal sealed class PostCheckStep : IUpgradeStep
{
    public UpgradeStepId Id => UpgradeStepId.PostCheck;
    public bool Mutating => false;

    public Task<StepPlan> PlanAsync(UpgradeContext c, CancellationToken ct) =>
        Task.FromResult(new StepPlan(c.Api.Context, new[]
        {
            $"Run the post-upgrade checks (read-only), again until they pass or {Describe(c.Parameters.SettleTimeout)} have passed",
        }));

    public async Task<string> RunAsync(UpgradeContext c, StepPlan plan, CancellationToken ct)
    {
        var settle = c.Parameters.SettleTimeout;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var runs = 0;
        while (true)
        {
            var outcome = await c.Checks.PostUpgradeAsync(ct).ConfigureAwait(false);
            runs++;
            if (!outcome.Failed)
            {
                var waited = runs == 1 ? "" : $" after {Describe(clock.Elapsed)} of settling ({runs} runs)";
                // the cluster's old problems are named, once: they are not the upgrade's
                foreach (var m in outcome.Messages.Where(m => m.StartsWith("SystemPodsRunning ", StringComparison.Ordinal))) c.Log.Warning($"PostCheck: {m}");
                return outcome.Messages.Count == 0 ? $"post-upgrade checks passed{waited}" : $"post-upgrade checks passed{waited}: " + string.Join("; ", outcome.Messages);
            }
            var left = settle - clock.Elapsed;
            if (left <= TimeSpan.Zero)
                throw new KsUpgradeException(ErrorIds.PostCheckFailed, KsErrorCategory.InvalidResult,
                    $"The upgrade ran, but the post-upgrade checks failed{(runs == 1 ? "" : $" for {Describe(clock.Elapsed)} ({runs} runs)")}: {string.Join("; ", outcome.Messages)}",
                    c.Api.Context)
                {
                    Remedy = "Run Test-KsCluster -Phase PostUpgrade for details; re-running the upgrade with the same parameters repeats only this check"
                             + " (-SettleTimeout gives the cluster longer to settle).",
                };
            var wait = Backoff(c.PollInterval, c.SettleInterval, runs);
            if (wait > left) wait = left;
            c.Log.Verbose($"PostCheck: not passing yet ({string.Join("; ", outcome.Messages)}); checking again in {Describe(wait)} (settling for up to {Describe(settle)}).");
            await Task.Delay(wait, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The wait after the <paramref name="runs"/>th run: the poll interval doubled for each earlier run, at most the settle interval.</summary>
    internal static TimeSpan Backoff(TimeSpan poll, TimeSpan max, int runs)
    {
        var wait = poll;
        for (var i = 1; i < runs && wait < max; i++) wait += wait;
        return wait < max ? wait : max;
    }

    private static string Describe(TimeSpan t) =>
        t.TotalMinutes >= 1 ? $"{t.TotalMinutes:0.#} min" : $"{Math.Max(0, t.TotalSeconds):0.#} s";
}
