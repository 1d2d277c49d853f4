using System.Net;
using KsUpgrade.Engine.Charts;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Checks;
using KsUpgrade.Tests.Upgrade;

namespace KsUpgrade.Tests.Helm;

/// <summary>Issue 17, point 7: each message names the real problem and the step that fixes it.</summary>
public class MessagesThatPointTheRightWayTests
{
    private static string NotExecutableHelm(out string dir)
    {
        dir = Path.Combine(Path.GetTempPath(), $"helm-noexec-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "helm");
        File.WriteAllText(path, "#!/bin/sh\necho v3.17.3\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    [Fact]
    public void A_helm_without_the_execute_bit_is_reported_as_not_executable_not_as_not_found()
    {
        if (OperatingSystem.IsWindows()) return; // file modes are Unix-only
        var helm = NotExecutableHelm(out var dir);
        try
        {
            var e = Assert.Throws<KsUpgradeException>(() => HelmLocator.Find(helm));
            Assert.Equal(ErrorIds.HelmNotFound, e.ErrorId);
            Assert.Contains("not executable", e.Message);
            Assert.DoesNotContain("not found", e.Message);
            Assert.Contains("chmod +x", e.Remedy);

            var onPath = Assert.Throws<KsUpgradeException>(() => HelmLocator.Find(null, n => n == "PATH" ? dir : null));
            Assert.Contains("not executable", onPath.Message);
            Assert.Contains(helm, onPath.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    private static CheckRequest WithHelm(HelmProbeResult helm)
    {
        var healthy = FakeClusters.HealthyRequest();
        return new CheckRequest { Values = healthy.Values, ChartResources = healthy.ChartResources, ChartRender = healthy.ChartRender, Helm = new FixedHelmProbe(helm) };
    }

    [Fact]
    public async Task HelmVersion_says_helm_4_is_fine_and_never_doubles_a_period()
    {
        var r = FakeClusters.HealthyKs341Host();
        var missing = WithHelm(HelmProbeResult.NotFound("helm was not found on PATH. Install helm 3.13 or later, or pass -HelmPath."));
        var notFound = (await new ClusterChecker(r).RunAsync(missing, null, CancellationToken.None))["HelmVersion"]!;
        Assert.Equal(KsCheckStatus.Failed, notFound.Status);
        Assert.DoesNotContain("..", notFound.Message);
        Assert.DoesNotContain("a v3 release", notFound.Remedy);
        Assert.Contains("helm 4", notFound.Remedy);

        var old = WithHelm(HelmProbeResult.Of("/usr/bin/helm", "v3.12.0"));
        var tooOld = (await new ClusterChecker(FakeClusters.HealthyKs341Host()).RunAsync(old, null, CancellationToken.None))["HelmVersion"]!;
        Assert.Equal(KsCheckStatus.Failed, tooOld.Status);
        Assert.DoesNotContain("a v3 release", tooOld.Remedy);
        Assert.Contains("helm 4", tooOld.Remedy);
    }

    [Fact]
    public async Task A_helm_problem_at_the_preflight_is_not_answered_with_pass_Force()
    {
        using var h = new UpgradeHarness();
        var helm = new KsCheckResult
        {
            Id = "HelmVersion", Status = KsCheckStatus.Failed, Message = "helm v3.12.0 at /usr/bin/helm is older than 3.13.0.",
            Remedy = "Install helm 3.13 or later (helm 4 works too) and put it on PATH, set KSUPGRADE_HELM, or pass -HelmPath <path to helm>.",
        };
        h.Checks.Preflight = new CheckOutcome(true, new[] { "HelmVersion failed: " + helm.Message }) { FailedChecks = new[] { helm } };
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        Assert.Equal(ErrorIds.PreflightFailed, e.ErrorId);
        Assert.DoesNotContain("-Force", e.Remedy);
        Assert.DoesNotContain("-IgnoreCheck", e.Remedy);
        Assert.Contains("-HelmPath", e.Remedy);
        // no waiver carries an upgrade that runs helm past a helm that cannot run it, even one that reached the engine
        var waived = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync(h.Parameters() with { IgnoredChecks = new[] { "HelmVersion" } }));
        Assert.Equal(ErrorIds.PreflightFailed, waived.ErrorId);
        Assert.Empty(h.Api.Mutations);
    }

    private sealed class FakeServer(HttpStatusCode status) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { RequestMessage = request });
    }

    [Fact]
    public async Task The_default_chart_URL_failing_says_it_was_the_default_and_names_the_local_chart_path()
    {
        using var http = new HttpClient(new FakeServer(HttpStatusCode.NotFound));
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => ChartSource.ResolveAsync(KsCoreChartLocation.DefaultUrl, null, http));
        Assert.Equal(ErrorIds.ChartNotFound, e.ErrorId);
        Assert.Contains("-Chart was not given", e.Message);
        Assert.Contains("default", e.Message);
        Assert.Contains("404", e.Message);
        Assert.Contains(Path.Combine("charts", "ks-core"), e.Message);
        Assert.Contains("-Chart", e.Remedy);

        // a URL the user gave is not called the default
        var given = await Assert.ThrowsAsync<KsUpgradeException>(() => ChartSource.ResolveAsync("https://charts.example.invalid/ks-core-1.1.5.tgz", null, http));
        Assert.DoesNotContain("default", given.Message);
    }
}
