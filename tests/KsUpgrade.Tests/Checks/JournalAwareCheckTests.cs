using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Upgrade.Fakes;

namespace KsUpgrade.Tests.Checks;

/// <summary>Issue 13 items 4 and 5: Test-KsCluster reads the upgrade journal.</summary>
public sealed class JournalAwareCheckTests
{
    private static readonly string[] DoneBeforeHelm = { "Preflight", "Backup", "StopInstaller", "EtcdEndpoints", "RemoveOldRedis", "RedisFlags", "PrepareJob", "ApplyCrds" };

    /// <summary>A journal written by the engine's own writer, copied into the in-memory cluster.</summary>
    private static async Task<JournalState> AddJournalAsync(InMemoryClusterReader r, string role, IEnumerable<string> done, string? stoppedAt,
        IDictionary<string, string>? facts = null)
    {
        var api = new FakeKubeApi();
        var journal = UpgradeJournal.New(api, new SortedDictionary<string, string>(StringComparer.Ordinal) { ["Role"] = role, ["Tag"] = "v4.1.3" });
        foreach (var step in done)
        {
            await journal.StepStartedAsync(step, CancellationToken.None, s => { foreach (var (k, v) in facts ?? new Dictionary<string, string>()) s.Facts[k] = v; });
            await journal.StepFinishedAsync(step, JournalStatus.Succeeded, "ok");
        }
        if (stoppedAt is not null)
        {
            await journal.StepStartedAsync(stoppedAt, CancellationToken.None, s => { foreach (var (k, v) in facts ?? new Dictionary<string, string>()) s.Facts[k] = v; });
            await journal.StepFinishedAsync(stoppedAt, JournalStatus.Stopped, "Stopped during step " + stoppedAt);
        }
        var cm = api.Find(ResourceKind.ConfigMaps, "kubesphere-system", UpgradeJournal.ConfigMapName)!;
        r.ConfigMaps["kubesphere-system/" + UpgradeJournal.ConfigMapName] =
            cm["data"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());
        return journal.State;
    }

    private static Task<KsClusterReport> Run(InMemoryClusterReader r, KsCheckPhase? phase = null) =>
        new ClusterChecker(r).RunAsync(FakeClusters.HealthyRequest(phase), null, CancellationToken.None);

    [Fact]
    public async Task An_upgrade_stopped_at_HelmUpgrade_fails_UpgradeInProgress_and_the_pending_advice_defers_to_it()
    {
        var r = FakeClusters.HealthyKs341Host();
        // the killed helm upgrade left revision 3 pending-upgrade; the journal noted revision 2 before it ran helm
        r.HelmReleases.Add(FakeClusters.KsCore(3, "pending-upgrade", "1.1.5", "v4.1.3"));
        var state = await AddJournalAsync(r, "host", DoneBeforeHelm, "HelmUpgrade", new Dictionary<string, string> { ["helmRevisionBefore"] = "2" });
        var report = await Run(r);

        var progress = report["UpgradeInProgress"];
        Assert.NotNull(progress);
        Assert.Equal(KsCheckStatus.Failed, progress!.Status);
        Assert.Contains("stopped at step HelmUpgrade", progress.Message);
        Assert.Contains($"{state.Step("HelmUpgrade")!.Finished:u}", progress.Message);
        Assert.Contains("Invoke-KsHostUpgrade", progress.Remedy);
        Assert.Contains("same parameters", progress.Remedy);

        var pending = report["KsCoreReleaseNotPending"]!;
        Assert.DoesNotContain("helm rollback", pending.Remedy);
        Assert.DoesNotContain("delete secret", pending.Remedy);
        Assert.Contains("UpgradeInProgress", pending.Message + pending.Remedy);
        Assert.Contains("same parameters", pending.Remedy);
    }

    [Fact]
    public async Task A_member_journal_names_Invoke_KsMemberUpgrade_and_a_pending_revision_not_the_journals_keeps_its_advice()
    {
        var r = FakeClusters.HealthyKs341Host();
        r.HelmReleases.Add(FakeClusters.KsCore(3, "pending-upgrade", "1.1.5", "v4.1.3"));
        // the journal stopped before helm ran: the pending revision is someone else's
        await AddJournalAsync(r, "member", DoneBeforeHelm.Take(3), "EtcdEndpoints");
        var report = await Run(r);
        Assert.Equal(KsCheckStatus.Failed, report["UpgradeInProgress"]!.Status);
        Assert.Contains("Invoke-KsMemberUpgrade", report["UpgradeInProgress"]!.Remedy);
        Assert.Contains("stopped at step EtcdEndpoints", report["UpgradeInProgress"]!.Message);
        var pending = report["KsCoreReleaseNotPending"]!;
        Assert.Equal(KsCheckStatus.Failed, pending.Status);
        Assert.Contains("helm rollback ks-core 2", pending.Remedy);
    }

    [Fact]
    public async Task No_journal_or_a_finished_one_passes_UpgradeInProgress()
    {
        var fresh = await Run(FakeClusters.HealthyKs341Host());
        Assert.Equal(KsCheckStatus.Passed, fresh["UpgradeInProgress"]!.Status);

        var r = FakeClusters.HealthyV4Host();
        await AddJournalAsync(r, "host", DoneBeforeHelm.Append("HelmUpgrade").Append("PostCheck"), null);
        var report = await Run(r);
        Assert.Equal(KsCheckPhase.PostUpgrade, report.Phase);
        Assert.Equal(KsCheckStatus.Passed, report["UpgradeInProgress"]!.Status);
        Assert.Empty(report.FailedChecks);
    }

    [Fact]
    public async Task A_post_check_that_failed_is_an_upgrade_in_progress_after_the_helm_upgrade_too()
    {
        var r = FakeClusters.HealthyV4Host();
        await AddJournalAsync(r, "host", DoneBeforeHelm.Append("HelmUpgrade"), "PostCheck");
        var report = await Run(r);
        Assert.Equal(KsCheckPhase.PostUpgrade, report.Phase);
        Assert.Equal(KsCheckStatus.Failed, report["UpgradeInProgress"]!.Status);
        Assert.Contains("stopped at step PostCheck", report["UpgradeInProgress"]!.Message);
    }

    [Fact]
    public async Task System_pods_failing_before_the_upgrade_are_a_warning_after_it_and_new_ones_fail()
    {
        var r = FakeClusters.HealthyV4Host();
        FakeClusters.AddPod(r, "kube-system", "node-exporter-old", "worker1", status: "CrashLoopBackOff");
        await AddJournalAsync(r, "host", DoneBeforeHelm.Append("HelmUpgrade").Append("PostCheck"), null,
            new Dictionary<string, string> { ["failingSystemPodsBefore"] = "[\"kube-system/Pod/node-exporter-old\"]" });
        var report = await Run(r);
        var pods = report["SystemPodsRunning"]!;
        Assert.Equal(KsCheckStatus.Warning, pods.Status);
        Assert.Contains("already failing before the upgrade", pods.Message);
        Assert.Contains("kube-system/node-exporter-old", pods.Message);
        Assert.Empty(report.FailedChecks);

        FakeClusters.AddPod(r, "kubesphere-system", "ks-apiserver-new", "worker2", status: "ImagePullBackOff");
        var again = (await Run(r))["SystemPodsRunning"]!;
        Assert.Equal(KsCheckStatus.Failed, again.Status);
        Assert.Contains("kubesphere-system/ks-apiserver-new (ImagePullBackOff)", again.Message);
        Assert.Contains("already failing before the upgrade", again.Message);
    }
}
