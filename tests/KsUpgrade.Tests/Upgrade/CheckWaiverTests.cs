using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Checks;

namespace KsUpgrade.Tests.Upgrade;

/// <summary>Issue 17, point 5: failed checks are waived by name (-IgnoreCheck), checks are excluded by name (-ExcludeCheck).</summary>
public sealed class CheckWaiverTests
{
    private static CheckOutcome NodesReadyFailed() => new(true, new[] { "NodesReady failed: node-2 NotReady" })
    {
        FailedChecks = new[] { new KsCheckResult { Id = "NodesReady", Status = KsCheckStatus.Failed, Message = "node-2 NotReady", Remedy = "Make node-2 Ready." } },
    };

    [Fact]
    public async Task A_failed_check_stops_the_upgrade_unless_named_in_IgnoreCheck_and_the_waiver_is_journaled_and_warned()
    {
        using var h = new UpgradeHarness();
        h.Checks.Preflight = NodesReadyFailed();
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync(h.Parameters() with { IgnoredChecks = new[] { "DefaultStorageClass" } }));
        Assert.Equal(ErrorIds.PreflightFailed, e.ErrorId);
        Assert.Contains("node-2 NotReady", e.Message);
        Assert.Contains("-IgnoreCheck NodesReady", e.Remedy);
        Assert.Empty(h.Api.Mutations);

        var result = await h.RunAsync(h.Parameters() with { IgnoredChecks = new[] { "NodesReady" } });
        Assert.True(result.Succeeded);
        var warning = Assert.Single(h.Log.Records, r => r.Stream == "Warning" && r.Message.Contains("NodesReady"));
        Assert.Contains("-IgnoreCheck", warning.Message);
        var journal = await h.JournalAsync();
        Assert.Contains("NodesReady: node-2 NotReady", journal!.Facts[JournalFacts.WaivedChecks]);
    }

    [Fact]
    public async Task A_failure_not_known_by_Id_cannot_be_waived()
    {
        using var h = new UpgradeHarness();
        h.Checks.Preflight = new CheckOutcome(true, new[] { "something failed" });
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync(h.Parameters() with { IgnoredChecks = new[] { "NodesReady" } }));
        Assert.Equal(ErrorIds.PreflightFailed, e.ErrorId);
        Assert.Empty(h.Api.Mutations);
    }

    [Theory]
    [InlineData("NoSuchCheck", ErrorIds.CheckIdUnknown)]
    [InlineData("all", ErrorIds.CheckIdUnknown)]
    [InlineData("KsCoreReleaseDeployed", ErrorIds.CheckIdUnknown)] // a post-upgrade check: nothing to waive before the upgrade
    [InlineData("ChartRenders", ErrorIds.CheckNotWaivable)]
    [InlineData("HelmVersion", ErrorIds.CheckNotWaivable)]
    [InlineData("helmversion", ErrorIds.CheckNotWaivable)]
    [InlineData("chartrenders", ErrorIds.CheckNotWaivable)]
    public void IgnoreCheck_refuses_what_is_not_a_waivable_check(string id, string errorId)
    {
        var e = Assert.Throws<KsUpgradeException>(() => CheckIds.ForIgnore(new[] { "NodesReady", id }));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(KsErrorCategory.InvalidArgument, e.Category);
        Assert.False(string.IsNullOrEmpty(e.Remedy));
        Assert.Contains("Nothing was changed", e.Message);
    }

    [Fact]
    public void Check_Ids_are_matched_without_case_and_returned_as_the_catalogue_spells_them()
    {
        Assert.Equal(new[] { "NodesReady", "KubernetesVersion" }, CheckIds.ForIgnore(new[] { "nodesready", "kubernetesVERSION", "NODESREADY" }));
        Assert.Equal(new[] { "ChartRenders" }, CheckIds.ForExclude(new[] { "chartRenders" }));
        Assert.DoesNotContain("ChartRenders", CheckIds.Waivable);
        Assert.DoesNotContain("HelmVersion", CheckIds.Waivable);
    }

    [Fact]
    public void A_piped_report_is_waived_by_name_and_refused_when_it_excluded_checks()
    {
        var report = new KsClusterReport
        {
            Phase = KsCheckPhase.Preflight,
            ClusterRole = KsClusterRole.Host,
            Checks = new[] { new KsCheckResult { Id = "NodesReady", Status = KsCheckStatus.Failed, Message = "node-2 NotReady" } },
        };
        var e = Assert.Throws<KsUpgradeException>(() => UpgradeRun.CheckReport(report, new UpgradeParameters { Role = KsClusterRole.Host }));
        Assert.Equal(ErrorIds.PreflightFailed, e.ErrorId);
        Assert.Contains("-IgnoreCheck NodesReady", e.Remedy);
        UpgradeRun.CheckReport(report, new UpgradeParameters { Role = KsClusterRole.Host, IgnoredChecks = new[] { "NodesReady" } });

        var partial = new KsClusterReport
        {
            Phase = KsCheckPhase.Preflight,
            ClusterRole = KsClusterRole.Host,
            Checks = new[] { new KsCheckResult { Id = "HelmVersion", Status = KsCheckStatus.Skipped, Message = "Not run: excluded by -ExcludeCheck." } },
            ExcludedChecks = new[] { "HelmVersion" },
        };
        var incomplete = Assert.Throws<KsUpgradeException>(() => UpgradeRun.CheckReport(partial, new UpgradeParameters { Role = KsClusterRole.Host }));
        Assert.Equal(ErrorIds.ReportIncomplete, incomplete.ErrorId);
        Assert.Contains("HelmVersion", incomplete.Message);
    }

    [Fact]
    public async Task An_excluded_check_is_not_run_and_is_reported_Skipped()
    {
        var request = new CheckRequest
        {
            Values = FakeClusters.HealthyRequest().Values,
            ChartResources = FakeClusters.HealthyRequest().ChartResources,
            ChartRender = FakeClusters.HealthyRequest().ChartRender,
            Helm = new FixedHelmProbe(HelmProbeResult.NotFound("helm was not found on PATH")),
            ExcludedChecks = new[] { "HelmVersion" },
        };
        var report = await new ClusterChecker(FakeClusters.HealthyKs341Host()).RunAsync(request, null, CancellationToken.None);
        var helm = report["HelmVersion"]!;
        Assert.Equal(KsCheckStatus.Skipped, helm.Status);
        Assert.Contains("-ExcludeCheck", helm.Message);
        Assert.Equal(new[] { "HelmVersion" }, report.ExcludedChecks);
        Assert.True(report.Passed, string.Join("; ", report.FailedChecks.Select(c => $"{c.Id}: {c.Message}")));
    }
}
