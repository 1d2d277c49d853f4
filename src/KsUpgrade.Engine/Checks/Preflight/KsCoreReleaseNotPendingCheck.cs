using KsUpgrade.Engine.Journal;

namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>Release ks-core is not stuck in pending-install/pending-upgrade/pending-rollback (read from the release secrets).</summary>
public sealed class KsCoreReleaseNotPendingCheck : ClusterCheck
{
    public override string Id => "KsCoreReleaseNotPending";
    public override string Title => "The ks-core helm release is not pending";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var releases = await ctx.KsCoreReleases.ConfigureAwait(false);
        if (!releases.IsOk)
            return CannotRead(releases, KsCheckStatus.Warning);
        if (releases.Value.Count == 0)
            return Warning("No ks-core helm release found in kubesphere-system (no sh.helm.release.v1.ks-core.v* secret).",
                "A KubeSphere 3.4 installation has release ks-core; check that the cluster was installed by ks-installer.");
        var latest = releases.Value[^1];
        var pending = releases.Value.Where(r => r.IsPending).ToList();
        var lastDeployed = releases.Value.LastOrDefault(r => r.Status == "deployed");
        // A revision the unfinished upgrade's own helm run left behind: the upgrade resumes from it (UpgradeInProgress).
        var unfinished = await ctx.UnfinishedUpgradeAsync().ConfigureAwait(false);
        var own = unfinished is null ? null : OwnRevision(unfinished);
        if (pending.Count > 0 && own is not null && pending.All(p => p.Revision == own))
            return Warning($"Release ks-core revision {own} is {pending[0].Status}: left by the helm upgrade of the unfinished upgrade in the journal (see {UpgradeInProgressCheck.CheckId}). "
                           + "Resuming that upgrade marks the revision failed and upgrades again.",
                $"Follow {UpgradeInProgressCheck.CheckId}: {UpgradeInProgressCheck.ResumeRemedy(unfinished!)}", pending.Cast<object>().ToArray());
        if (pending.Count > 0)
        {
            var secrets = string.Join(", ", pending.Select(p => p.SecretName));
            var remedy = $"Delete the pending revision's secret: kubectl -n {KsNames.KubeSphereSystem} delete secret {string.Join(" ", pending.Select(p => p.SecretName))}";
            remedy += lastDeployed is not null
                ? $", or roll back: helm rollback {KsNames.KsCoreRelease} {lastDeployed.Revision} -n {KsNames.KubeSphereSystem}."
                : ". No deployed revision exists to roll back to.";
            return Failed($"Release ks-core is stuck: {string.Join(", ", pending.Select(p => $"revision {p.Revision} is {p.Status}"))} (secret {secrets}); helm refuses to upgrade it.",
                remedy, pending.Cast<object>().ToArray());
        }
        if (latest.Status == "failed" && own == latest.Revision)
            return Warning($"The latest ks-core revision {latest.Revision} is failed: the helm upgrade of the unfinished upgrade in the journal (see {UpgradeInProgressCheck.CheckId}).",
                $"Follow {UpgradeInProgressCheck.CheckId}: {UpgradeInProgressCheck.ResumeRemedy(unfinished!)}", latest);
        if (latest.Status == "failed")
            return Warning($"The latest ks-core revision {latest.Revision} is failed{(lastDeployed is null ? "" : $"; revision {lastDeployed.Revision} is the last deployed")}.",
                lastDeployed is null
                    ? "Find out why the last helm operation failed (helm history ks-core -n kubesphere-system)."
                    : $"Consider helm rollback {KsNames.KsCoreRelease} {lastDeployed.Revision} -n {KsNames.KubeSphereSystem} before upgrading.",
                latest);
        return Passed($"Release ks-core revision {latest.Revision} is {latest.Status} (chart {latest.ChartName}-{latest.ChartVersion}, app {latest.AppVersion}).");
    }

    /// <summary>
    /// The revision the journal's own helm upgrade wrote: its HelmUpgrade step started and is not done, and the revision is
    /// the one after the revision it noted before running helm (the upgrade engine's own proof, InterruptedHelmUpgrade).
    /// </summary>
    private static int? OwnRevision(Journal.JournalState journal)
    {
        var step = journal.Step(UpgradeStepId.HelmUpgrade);
        if (step is null || Journal.JournalStatus.IsDone(step.Status)) return null;
        return journal.Facts.TryGetValue(Upgrade.InterruptedHelmUpgrade.FactRevisionBefore, out var before)
               && int.TryParse(before, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var b)
            ? b + 1 : null;
    }
}
