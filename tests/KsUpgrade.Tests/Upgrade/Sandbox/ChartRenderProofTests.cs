using KsUpgrade.Tests.Reliability;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Engine.Upgrade.Wiring;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Tests.Sandbox;
using KsUpgrade.Tests.Upgrade.Fakes;
using HelmTool = KsUpgrade.Tests.Seeds.HelmTool;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Tests.Upgrade.Sandbox;

/// <summary>
/// Nothing is changed until everything that will be asked of helm and the API server has been rendered and checked:
/// the render proof (Preflight) with real helm 3 and helm 4 on the fixture chart, whose CRDs gain versions like the
/// public chart's, and on charts that cannot finish.
/// </summary>
public sealed class ChartRenderProofTests : MulticlusterSandboxTest
{
    public static readonly TheoryData<int> HelmMajors = new() { 3, 4 };

    /// <summary>The helm binary of that major version; fails (never skips) when build.ps1 has not fetched it.</summary>
    public static string HelmOf(int major) => major == 3 ? HelmTool.Path : KsUpgrade.Tests.Sandbox.Helm4Runner.Path;

    /// <summary>A copy of the fixture chart, changed by <paramref name="change"/>.</summary>
    private string ChartCopy(string name, Action<string> change)
    {
        var target = Path.Combine(Dir, name);
        CopyDirectory(Path.Combine(HelmTool.FixturesDir(), "ks-core"), target);
        change(target);
        return target;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from)) CopyDirectory(d, Path.Combine(to, Path.GetFileName(d)));
    }

    private UpgradeParameters Parameters(string chart) => new()
    {
        Role = KsClusterRole.Host,
        ValuesPath = ValuesFile(),
        Chart = chart,
        BackupPath = Path.Combine(Dir, "bk-" + Guid.NewGuid().ToString("N")),
        JobTimeout = TimeSpan.FromSeconds(60),
        Timeout = TimeSpan.FromMinutes(2),
    };

    [Theory]
    [MemberData(nameof(HelmMajors))]
    public async Task The_fixture_chart_renders_and_names_the_crds_whose_versions_it_needs(int major)
    {
        var cluster = await ConnectAsync("host");
        var findings = await ChartRenderer.For(cluster, ValuesFile(), HelmOf(major))(Path.Combine(HelmTool.FixturesDir(), "ks-core"), CancellationToken.None);

        Assert.False(findings.Failed, findings.Describe());
        Assert.StartsWith($"v{major}.", findings.HelmVersion);
        // the 3.4 cluster serves GlobalRole only at v1alpha2: the chart's v1beta1 objects are served once its CRDs are applied
        Assert.Contains("GlobalRole iam.kubesphere.io/v1beta1", findings.ServedAfterCrds);
        Assert.Contains("WorkspaceTemplate tenant.kubesphere.io/v1beta1", findings.ServedAfterCrds);
        Assert.Contains("RoleTemplate iam.kubesphere.io/v1beta1", findings.ServedAfterCrds);
        Assert.Equal(3, findings.PrepareObjects); // ConfigMap, Job, PVC (lookup: the PVC does not exist yet)
        Assert.Contains(findings.Resources, r => r.Kind == "GlobalRole" && r.Name == "platform-admin");
        if (major >= 4)
        {
            // helm 4 builds every kind of the chart even for the prepare template: the CRDs that gain a version too
            Assert.Contains("globalroles.iam.kubesphere.io", findings.CrdsBeforePrepare);
            Assert.Contains("workspacetemplates.tenant.kubesphere.io", findings.CrdsBeforePrepare);
            Assert.Contains("repositories.kubesphere.io", findings.CrdsBeforePrepare);
        }
        else Assert.Empty(findings.CrdsBeforePrepare);

        var report = await ClusterTest.RunAsync(cluster, new ClusterTestOptions
        {
            Phase = KsCheckPhase.Preflight, ValuesPath = ValuesFile(), Chart = Path.Combine(HelmTool.FixturesDir(), "ks-core"), HelmPath = HelmOf(major),
            RenderChart = ChartRenderer.For(cluster, ValuesFile(), HelmOf(major)),
        }, NullEngineLog.Instance, CancellationToken.None);
        var check = report.Checks.Single(c => c.Id == "ChartRenders");
        Assert.Equal(KsCheckStatus.Passed, check.Status);
        Assert.Equal(KsCheckStatus.Passed, report.Checks.Single(c => c.Id == "ChartAdoption").Status);
    }

    [Fact]
    public async Task The_image_probe_pulls_the_images_the_rendered_chart_runs_from_its_values_and_the_registry()
    {
        // a chart whose values pin other tags than 1.1.5's: the probe must ask the kubelet for what this chart runs
        var chart = ChartCopy("pinned", dir =>
        {
            var file = Path.Combine(dir, "values.yaml");
            File.WriteAllText(file, File.ReadAllText(file).Replace("tag: v1.27.16", "tag: v1.99.0-probe").Replace("tag: 7.2.4-alpine", "tag: 7.9.9-probe"));
        });
        var cluster = await ConnectAsync("host");
        var images = new KsCoreImageSettings { ImageRegistry = "mirror.local:5000" };
        var report = await ClusterTest.RunAsync(cluster, new ClusterTestOptions
        {
            Phase = KsCheckPhase.Preflight, ValuesPath = ValuesFile(), Chart = chart, HelmPath = HelmOf(3),
            RenderChart = ChartRenderer.For(cluster, ValuesFile(), HelmOf(3), UpgradeParameters.WithImages(images)),
            ProbeImages = images, ProbePollInterval = TimeSpan.FromMilliseconds(200), ProbeTimeout = TimeSpan.FromSeconds(20),
        }, NullEngineLog.Instance, CancellationToken.None);

        var render = report.Checks.Single(c => c.Id == "ChartRenders");
        Assert.Equal(KsCheckStatus.Passed, render.Status);
        var check = report.Checks.Single(c => c.Id == "ImagesPullable");
        Assert.True(check.Status == KsCheckStatus.Passed, $"{check.Status}: {check.Message}");
        var probed = check.Data.Cast<ImagePullOutcome>().Select(o => o.Image).ToList();
        Assert.Contains("mirror.local:5000/kubesphere/kubectl:v1.99.0-probe", probed);
        Assert.Contains("mirror.local:5000/kubesphere/redis:7.9.9-probe", probed);
        Assert.Contains("mirror.local:5000/kubesphere/ks-upgrade:v4.1.3", probed);
        Assert.DoesNotContain(probed, i => i.Contains("v1.27.16") || i.Contains("7.2.4-alpine"));
        Assert.All(probed, i => Assert.StartsWith("mirror.local:5000/", i));
        Assert.Equal(probed.Count, probed.Distinct().Count());
        Assert.Contains("rendered", check.Message);
    }

    [Theory]
    [MemberData(nameof(HelmMajors))]
    public async Task A_chart_that_renders_a_kind_nothing_serves_stops_at_preflight_with_nothing_changed(int major)
    {
        var chart = ChartCopy("unserved", dir => File.WriteAllText(Path.Combine(dir, "templates", "widget.yaml"), """
            apiVersion: widgets.example.io/v1
            kind: Widget
            metadata:
              name: left-over
            """));
        await AssertStopsBeforeAnyChangeAsync(major, chart, "Widget widgets.example.io/v1");
    }

    [Theory]
    [MemberData(nameof(HelmMajors))]
    public async Task A_chart_crd_that_drops_a_stored_version_stops_at_preflight_with_nothing_changed(int major)
    {
        // the API server refuses a CRD update that no longer lists a version objects are stored in (status.storedVersions)
        var chart = ChartCopy("dropped", dir =>
        {
            var file = Path.Combine(dir, "charts", "ks-crds", "crds", "iam.kubesphere.io_globalroles.yaml");
            var text = File.ReadAllText(file);
            var start = text.IndexOf("    - name: v1alpha2", StringComparison.Ordinal);
            var end = text.IndexOf("    - name: v1beta1", StringComparison.Ordinal);
            File.WriteAllText(file, text[..start] + text[end..]);
        });
        await AssertStopsBeforeAnyChangeAsync(major, chart, "globalroles.iam.kubesphere.io");
    }

    private async Task AssertStopsBeforeAnyChangeAsync(int major, string chart, string named)
    {
        var cluster = await ConnectAsync("host");
        var helm = HelmOf(major);
        var before = StateNormaliser.WithoutVolatile(Host.StateOf("host")).ToJsonString();

        // Test-KsCluster -Chart
        var report = await ClusterTest.RunAsync(cluster, new ClusterTestOptions
        {
            Phase = KsCheckPhase.Preflight, ValuesPath = ValuesFile(), Chart = chart, HelmPath = helm,
            RenderChart = ChartRenderer.For(cluster, ValuesFile(), helm),
        }, NullEngineLog.Instance, CancellationToken.None);
        var check = report.Checks.Single(c => c.Id == "ChartRenders");
        Assert.Equal(KsCheckStatus.Failed, check.Status);
        Assert.Contains(named, check.Message);
        Assert.False(report.Passed);

        // -WhatIf: the same verdict, nothing planned past it
        var whatIfLog = new RecordingEngineLog { Approve = false };
        var whatIf = await Assert.ThrowsAsync<KsUpgradeException>(() =>
            ClusterUpgrade.For(cluster, Parameters(chart), new RealHelm(helm, Host.KubeconfigPath, "host"), new FakeChecks(), whatIfLog).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.ChartRenderFailed, whatIf.ErrorId);
        Assert.Contains(named, whatIf.Message);
        Assert.Empty(whatIfLog.Asked);

        // the upgrade itself: stops at Preflight, before its first mutating step
        var log = new RecordingEngineLog();
        var p = Parameters(chart);
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() =>
            ClusterUpgrade.For(cluster, p, new RealHelm(helm, Host.KubeconfigPath, "host"), new FakeChecks(), log).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.ChartRenderFailed, e.ErrorId);
        Assert.Equal(KsErrorCategory.InvalidResult, e.Category);
        Assert.Contains(named, e.Message);
        Assert.StartsWith("Nothing was changed", e.Message);
        Assert.False(string.IsNullOrEmpty(e.Remedy));
        var result = (KsUpgradeResult)log.Outputs.Single();
        Assert.Equal(KsUpgradeStepStatus.Failed, result.Steps[0].Status);
        Assert.All(result.Steps.Skip(1), s => Assert.Equal(KsUpgradeStepStatus.Pending, s.Status));
        Assert.Empty(log.Asked);
        Assert.False(Directory.Exists(p.BackupPath));

        // every object as it was, resourceVersions included; no journal
        Assert.Equal(before, StateNormaliser.WithoutVolatile(Host.StateOf("host")).ToJsonString());
        Assert.Null(await UpgradeJournal.ReadAsync(KubeApi.For(cluster), CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(HelmMajors))]
    public async Task A_crd_last_written_by_kubectl_apply_keeps_a_true_last_applied_configuration(int major)
    {
        // ks-installer wrote the 3.4 CRDs with kubectl apply (the seed has their annotation): it lists v1alpha2 only
        var kubectl = new KubectlRunner(Host.KubeconfigPath);
        const string crd = "globalroles.iam.kubesphere.io";
        string Annotation() => Host.Cluster("host").Get("apiextensions.k8s.io/v1", "customresourcedefinitions", null, crd)!["metadata"]!["annotations"]![ChartCrds.LastApplied]!.GetValue<string>();
        Assert.DoesNotContain("v1beta1", Annotation());

        var cluster = await ConnectAsync("host");
        var log = new RecordingEngineLog();
        var result = await ClusterUpgrade.For(cluster, Parameters(Path.Combine(HelmTool.FixturesDir(), "ks-core")), new RealHelm(HelmOf(major), Host.KubeconfigPath, "host"), new FakeChecks(), log)
            .RunAsync(CancellationToken.None);
        Assert.True(result.Succeeded, string.Join("\n", result.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}")));

        // the annotation now holds the chart's CRD: kubectl apply of the chart's file has nothing to change
        Assert.Contains("v1beta1", Annotation());
        var file = Path.Combine(HelmTool.FixturesDir(), "ks-core", "charts", "ks-crds", "crds", "iam.kubesphere.io_globalroles.yaml");
        var applied = await kubectl.OkAsync("--context", "host", "apply", "-f", file);
        Assert.Contains("unchanged", applied);
        // a CRD the 3.4 seed holds without the annotation: the chart's ks-crds pre-upgrade hook runs `kubectl apply` on
        // every CRD file (for real in the sandbox), so it has one afterwards, and it is true: kubectl finds nothing to change
        var roleTemplates = Path.Combine(HelmTool.FixturesDir(), "ks-core", "charts", "ks-crds", "crds", "iam.kubesphere.io_roletemplates.yaml");
        Assert.Contains("unchanged", await kubectl.OkAsync("--context", "host", "apply", "-f", roleTemplates));
    }

    [Fact]
    public async Task An_explicit_older_chart_is_a_warning_at_preflight_and_the_post_check_expects_that_chart()
    {
        // chart 1.1.4 (appVersion v4.1.3): deployed by helm, it is the chart the post-check must expect, not a constant 1.1.5
        var cluster = await ConnectAsync("host");
        var log = new RecordingEngineLog();
        var p = Parameters(Path.Combine(HelmTool.FixturesDir(), "ks-core-1.1.4"));
        KsUpgradeResult result;
        try { result = await UpgradeWiring.RunAsync(cluster, p, log, HelmOf(3)); }
        catch (KsUpgradeException e)
        {
            var r = log.Outputs.OfType<KsUpgradeResult>().SingleOrDefault();
            throw new Xunit.Sdk.XunitException($"{e.ErrorId}: {e.Message}\n" + (r is null ? "" : string.Join("\n", r.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}"))));
        }
        Assert.True(result.Succeeded);
        Assert.Equal("v4.1.3", result.ToVersion);
        Assert.Contains(log.Records, r => r.Stream == "Warning" && r.Message.Contains("older than the recommended 1.1.5"));
        var release = await HelmReleaseReader.LatestAsync(KubeApi.For(cluster), Ns, "ks-core", CancellationToken.None);
        Assert.Equal("deployed", release!.Status);
        Assert.Equal(result.ToVersion, release.AppVersion);
    }
}
