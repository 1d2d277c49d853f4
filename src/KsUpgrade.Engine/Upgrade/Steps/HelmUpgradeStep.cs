using KsUpgrade.Engine.Kube;

using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Upgrade.Steps;

/// <summary>
/// Step 9: helm upgrade ks-core with upgrade.sh's --set values (the extension repository tag under the chart's real key
/// ksExtensionRepository.image.tag), --wait --timeout; then the pre-/post-upgrade hook jobs' logs are read for a skipped phase.
/// </summary>
internal sealed class HelmUpgradeStep : IUpgradeStep
{
    public static readonly string[] HookJobs = { "ks-core-pre-upgrade", "ks-core-post-upgrade" };
    public UpgradeStepId Id => UpgradeStepId.HelmUpgrade;
    public bool Mutating => true;

    public static HelmUpgradeCall Request(UpgradeContext c) =>
        Request(c.Parameters, c.ValuesFiles, c.Fact(UpgradeContext.FactHaEnabled), c.Fact(UpgradeContext.FactRedisHaEnabled));

    /// <summary>The one builder of the helm upgrade call (the step runs it; the render proof renders it first).</summary>
    public static HelmUpgradeCall Request(UpgradeParameters p, IReadOnlyList<string> valuesFiles, bool ha, bool redisHa)
    {
        var sets = new List<HelmSetValue> { new("multicluster.role", p.RoleName) };
        sets.AddRange(UpgradeContext.ImageSets(p, includeGlobal: false));
        sets.Add(new HelmSetValue("ksExtensionRepository.image.tag", p.ExtensionVersion));
        sets.Add(new HelmSetValue("global.imageRegistry", p.ImageRegistry));
        sets.Add(new HelmSetValue("global.tag", p.Tag));
        sets.AddRange(RedisFlagsStep.Sets(ha, redisHa));
        sets.Add(new HelmSetValue("upgrade.config.validator.extensionsMuseum.enabled", p.Role == KsClusterRole.Host ? "true" : "false"));
        return new HelmUpgradeCall(KsNames.KsCoreRelease, KsNames.KubeSphereSystem, p.Chart, valuesFiles, sets, Wait: true, p.Timeout);
    }

    public async Task<StepPlan> PlanAsync(UpgradeContext c, CancellationToken ct)
    {
        var chart = await c.ChartAsync(ct).ConfigureAwait(false);
        // also on a resumed run, where Preflight is not repeated: a killed helm upgrade leaves the release pending-upgrade.
        // When that revision is provably the one our own earlier run left, it is marked failed and the upgrade re-run;
        // any other pending revision stops the upgrade (ReleasePending, with its remedy).
        var latest = await HelmReleaseReader.LatestAsync(c.Api, KsNames.KubeSphereSystem, KsNames.KsCoreRelease, ct).ConfigureAwait(false);
        var interrupted = InterruptedHelmUpgrade.Find(c, latest, chart.Version);
        if (interrupted is null) await PreflightStep.CheckNotPendingAsync(c, ct).ConfigureAwait(false);
        if (latest is not null) c.Facts[InterruptedHelmUpgrade.FactRevisionBefore] = latest.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var actions = new List<string>();
        if (interrupted is not null)
            actions.Add($"Mark ks-core revision {interrupted.Revision} failed: it is pending-upgrade because the helm upgrade of an earlier run of this upgrade was interrupted (helm refuses to upgrade a pending release)");
        actions.Add("Run: " + c.Helm.DescribeUpgrade(Request(c)));
        if (chart.Version == "1.1.4")
        {
            c.Log.Warning("Chart ks-core 1.1.4 is used: its prepare job kept no backup (no PVC mounted). Chart 1.1.5 fixes this.");
            actions.Add("(chart 1.1.4: the prepare phase kept no backup)");
        }
        actions.Add($"Read the logs of hook jobs {string.Join(", ", HookJobs)} for a skipped phase");
        return new StepPlan($"helm release {KsNames.KubeSphereSystem}/{KsNames.KsCoreRelease}", actions) { State = interrupted };
    }

    public async Task<string> RunAsync(UpgradeContext c, StepPlan plan, CancellationToken ct)
    {
        string recovered = "";
        if (plan.State is InterruptedHelmUpgrade interrupted)
        {
            await interrupted.MarkFailedAsync(c, ct).ConfigureAwait(false);
            c.Facts[InterruptedHelmUpgrade.FactRecovered] = interrupted.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
            c.Log.Warning($"ks-core revision {interrupted.Revision} was left pending-upgrade by the interrupted helm upgrade of an earlier run; it is marked failed (as helm records a failed upgrade) and the upgrade is run again.");
            recovered = $"; interrupted revision {interrupted.Revision} marked failed first";
        }
        HelmUpgradeOutcome outcome;
        try
        {
            outcome = await c.Helm.UpgradeAsync(Request(c), line => c.Log.Verbose(line), ct).ConfigureAwait(false);
        }
        catch (KsUpgradeException e) when (e.ErrorId != ErrorIds.HelmUpgradeFailed && e.ErrorId != ErrorIds.Stopped && e.ErrorId != ErrorIds.HelmNotFound)
        {
            throw new KsUpgradeException(ErrorIds.HelmUpgradeFailed, e.Category, e.Message, KsNames.KsCoreRelease, e) { Remedy = e.Remedy };
        }
        // what the cluster shows, not what was asked for: the deployed revision and its app version
        var deployed = await HelmReleaseReader.LatestAsync(c.Api, KsNames.KubeSphereSystem, KsNames.KsCoreRelease, ct).ConfigureAwait(false);
        var revision = outcome.Revision ?? deployed?.Revision;
        if (deployed?.AppVersion is { Length: > 0 } app && deployed.Status == "deployed") c.Facts[UpgradeContext.FactToVersion] = app;
        c.HelmRevision = revision;
        if (revision is not null) c.Facts["helmRevision"] = revision.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var runner = new JobRunner(c.Api, c.Log);
        foreach (var job in HookJobs)
        {
            if (await c.Api.GetAsync(ResourceKind.Jobs, KsNames.KubeSphereSystem, job, ct).ConfigureAwait(false) is null)
            {
                c.Log.Verbose($"Hook job {job} not found (deleted by its hook policy?): its log cannot be checked.");
                continue;
            }
            var lines = await runner.ReadLogsAsync(KsNames.KubeSphereSystem, job, ct).ConfigureAwait(false);
            var skipped = SkippedPhase.Find(lines);
            if (skipped is not null)
                throw new KsUpgradeException(ErrorIds.UpgradePhaseSkipped, KsErrorCategory.InvalidResult,
                    $"helm upgrade succeeded (revision {revision}), but hook job {job} skipped its phase: {skipped.Trim()}", job)
                    { Remedy = "ks-upgrade ran nothing in that phase; check the ks-core release history and validator settings before using the cluster." };
        }
        return $"ks-core upgraded to revision {revision?.ToString() ?? "?"} ({outcome.Status ?? "status unknown"}){recovered}";
    }
}
