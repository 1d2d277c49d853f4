using KsUpgrade.Engine.Upgrade;

namespace KsUpgrade.Tests.Upgrade;

/// <summary>Issue 13 items 4 and 5 in the upgrade: the post-check settles, a piped report's UpgradeInProgress is the upgrade's own business.</summary>
public sealed class PostCheckSettleTests
{
    [Fact]
    public async Task A_post_check_failing_right_after_helm_is_polled_until_the_cluster_settles()
    {
        using var h = new UpgradeHarness();
        var settling = new CheckOutcome(true, new[] { "KsCoreDeploymentsAvailable failed: ks-apiserver (0/1)" });
        h.Checks.PostSequence.Enqueue(settling);
        h.Checks.PostSequence.Enqueue(settling);
        var result = await h.RunAsync();
        Assert.True(result.Succeeded, string.Join("\n", result.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}")));
        Assert.Equal(3, h.Checks.PostRuns);
        Assert.Equal(KsUpgradeStepStatus.Succeeded, result.Steps.Single(s => s.Name == "PostCheck").Status);
    }

    [Fact]
    public void The_post_check_is_repeated_soon_at_first_then_less_often_up_to_the_settle_interval()
    {
        var poll = TimeSpan.FromSeconds(2);
        var settle = TimeSpan.FromSeconds(10);
        var waits = Enumerable.Range(1, 6).Select(run => KsUpgrade.Engine.Upgrade.Steps.PostCheckStep.Backoff(poll, settle, run).TotalSeconds).ToArray();
        Assert.Equal(new double[] { 2, 4, 8, 10, 10, 10 }, waits);
    }

    [Fact]
    public void A_piped_report_whose_only_failure_is_UpgradeInProgress_is_accepted_and_the_journal_decides()
    {
        var report = new KsClusterReport
        {
            Phase = KsCheckPhase.Preflight,
            ClusterRole = KsClusterRole.Host,
            Checks = new[]
            {
                new KsCheckResult { Id = "UpgradeInProgress", Status = KsCheckStatus.Failed, Message = "an upgrade stopped at step HelmUpgrade" },
                new KsCheckResult { Id = "KsCoreReleaseNotPending", Status = KsCheckStatus.Warning, Message = "left by the upgrade" },
            },
        };
        UpgradeRun.CheckReport(report, new UpgradeParameters { Role = KsClusterRole.Host });

        var other = new KsClusterReport
        {
            Phase = KsCheckPhase.Preflight,
            ClusterRole = KsClusterRole.Host,
            Checks = report.Checks.Append(new KsCheckResult { Id = "NodesReady", Status = KsCheckStatus.Failed, Message = "node-2 NotReady" }).ToArray(),
        };
        var e = Assert.Throws<KsUpgradeException>(() => UpgradeRun.CheckReport(other, new UpgradeParameters { Role = KsClusterRole.Host }));
        Assert.Equal(ErrorIds.PreflightFailed, e.ErrorId);
        Assert.Contains("NodesReady", e.Message);
    }

    [Fact]
    public async Task The_preflight_baseline_is_kept_in_the_journal_from_the_checks_or_from_a_piped_report()
    {
        using (var h = new UpgradeHarness())
        {
            h.Checks.Preflight = CheckOutcome.Passed with { FailingPods = new[] { "kube-system/DaemonSet/node-exporter" } };
            await h.RunAsync();
            var journal = (await h.JournalAsync())!;
            Assert.Equal(new[] { "kube-system/DaemonSet/node-exporter" }, journal.FailingSystemPodsBefore());
        }
        using (var h = new UpgradeHarness())
        {
            await h.RunAsync(h.Parameters() with { SkipPreflightChecks = true, PreflightFailingPods = new[] { "kubesphere-system/Pod/legacy" } });
            Assert.Equal(0, h.Checks.PreflightRuns);
            Assert.Equal(new[] { "kubesphere-system/Pod/legacy" }, (await h.JournalAsync())!.FailingSystemPodsBefore());
        }
    }

    [Fact]
    public void A_reports_baseline_is_the_owners_of_the_pods_SystemPodsHealthy_lists()
    {
        var report = new KsClusterReport
        {
            Checks = new[]
            {
                new KsCheckResult
                {
                    Id = "SystemPodsHealthy", Status = KsCheckStatus.Warning,
                    Data = new object[]
                    {
                        new KsPodInfo("kube-system", "node-exporter-a", "CrashLoopBackOff", "n1", "DaemonSet/node-exporter"),
                        new KsPodInfo("kube-system", "node-exporter-b", "CrashLoopBackOff", "n2", "DaemonSet/node-exporter"),
                        new KsPodInfo("kubesphere-system", "legacy", "Error", "n1"),
                    },
                },
            },
        };
        Assert.Equal(new[] { "kube-system/DaemonSet/node-exporter", "kubesphere-system/Pod/legacy" },
            KsUpgrade.Engine.Upgrade.Wiring.ClusterTestChecks.Outcome(report).FailingPods);
    }
}
