using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Versions;

namespace KsUpgrade.Tests.Helm;

public class HelmClientTests
{
    [Theory]
    [InlineData(3, "v3.17.3")]
    [InlineData(4, "v4.1.4")]
    public async Task Version_of_real_helm_is_parsed(int major, string expected)
    {
        var client = new HelmClient(HelmTestSupport.HelmFor(major));
        var version = await client.VersionAsync();
        Assert.Equal(KsVersion.Parse(expected), version);
        Assert.StartsWith(expected, version.ToString());
        Assert.Same(await client.VersionAsync(), await client.VersionAsync());
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Template_renders_only_the_chosen_template_with_values_and_sets(int major)
    {
        using var tmp = new TempDir();
        var chart = HelmTestSupport.CreateChart(tmp.Path);
        var values = tmp.File("values.yaml");
        File.WriteAllText(values, "greeting: from-file\nupgrade:\n  enabled: true\n");
        var lines = new List<HelmOutputLine>();
        var client = new HelmClient(HelmTestSupport.HelmFor(major)) { Output = l => { lock (lines) lines.Add(l); } };

        var yaml = await client.TemplateAsync(new HelmTemplateRequest
        {
            ReleaseName = "ks-core",
            Namespace = "kubesphere-system",
            Chart = chart,
            ShowOnly = new[] { "templates/cm.yaml" },
            ValueFiles = new[] { values },
            Sets = new[] { new HelmSet("greeting", "a,b\\c") },
            IsUpgrade = true,
        });

        Assert.Contains("name: ks-core-cm", yaml);
        Assert.Contains("namespace: kubesphere-system", yaml);
        Assert.Contains("greeting: \"a,b\\\\c\"", yaml); // --set won over -f, comma and backslash kept literally
        Assert.Contains("upgrading: \"true\"", yaml);
        Assert.DoesNotContain("kind: Job", yaml);
        Assert.DoesNotContain(lines, l => !l.IsError); // rendered YAML is data, not streamed

        var job = await client.TemplateAsync(new HelmTemplateRequest
        {
            ReleaseName = "r", Namespace = "ns", Chart = chart, ShowOnly = new[] { "templates/job.yaml" },
            ValueFiles = new[] { values }, Sets = new[] { HelmSet.Parse("image=reg.example/ks-upgrade:v4.1.3") },
        });
        Assert.Contains("kind: Job", job);
        Assert.Contains("image: reg.example/ks-upgrade:v4.1.3", job);

        // Client-side, lookup finds nothing, so the lookup-guarded PVC is rendered.
        var pvc = await client.TemplateAsync(new HelmTemplateRequest { ReleaseName = "r", Namespace = "ns", Chart = chart, ShowOnly = new[] { "templates/pvc.yaml" } });
        Assert.Contains("kind: PersistentVolumeClaim", pvc);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Failure_carries_helms_stderr(int major)
    {
        using var tmp = new TempDir();
        var chart = HelmTestSupport.CreateChart(tmp.Path);
        var client = new HelmClient(HelmTestSupport.HelmFor(major));
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => client.TemplateAsync(new HelmTemplateRequest
        {
            ReleaseName = "r", Namespace = "ns", Chart = chart, ShowOnly = new[] { "templates/nope.yaml" },
        }));
        Assert.Equal(ErrorIds.HelmFailed, e.ErrorId);
        Assert.Contains("helm template failed", e.Message);
        Assert.Contains("templates/nope.yaml", e.Message); // helm's own words: could not find template
        Assert.Contains("could not find template", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Upgrade_against_unreachable_cluster_fails_without_leaking_the_token(int major)
    {
        using var tmp = new TempDir();
        var chart = HelmTestSupport.CreateChart(tmp.Path);
        const string token = "s3cr3t-token-value-0123456789";
        var lines = new List<HelmOutputLine>();
        var client = new HelmClient(HelmTestSupport.HelmFor(major)) { Output = l => { lock (lines) lines.Add(l); } };
        var request = new HelmUpgradeRequest
        {
            ReleaseName = "ks-core", Namespace = "kubesphere-system", Chart = chart,
            Kube = HelmKubeAccess.FromToken("https://127.0.0.1:1", token, null), Timeout = TimeSpan.FromSeconds(20),
        };
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => client.UpgradeAsync(request));
        Assert.Equal(ErrorIds.HelmUpgradeFailed, e.ErrorId);
        Assert.Contains("127.0.0.1:1", e.Message); // helm's stderr is in the message
        Assert.DoesNotContain(token, e.Message);
        Assert.DoesNotContain(lines, l => l.Text.Contains(token));
        Assert.DoesNotContain(token, string.Join(' ', HelmCommandLine.Upgrade(request)));
    }

    [Fact]
    public async Task Kubeconfig_content_reaches_helm_in_an_owner_only_file_that_is_deleted_afterwards()
    {
        using var tmp = new TempDir();
        var report = tmp.File("report.txt");
        // The fake helm reports its arguments, the kubeconfig file's mode and whether it holds the content.
        var script = HelmTestSupport.CreateScript(tmp.Path,
            $"cfg=''\nprev=''\nfor a in \"$@\"; do [ \"$prev\" = --kubeconfig ] && cfg=\"$a\"; prev=\"$a\"; done\n" +
            $"{{ echo \"args:$*\"; echo \"file:$cfg\"; echo \"mode:$(stat -c %a \"$cfg\")\"; grep -c TOKEN-XYZ \"$cfg\"; }} > '{report}'\n" +
            "echo '[]'");
        var content = "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: TOKEN-XYZ}}]\n";
        var client = new HelmClient(script);
        var history = await client.HistoryAsync("ks-core", "kubesphere-system", HelmKubeAccess.FromKubeconfigContent(content, "prod"));
        Assert.Empty(history);

        var lines = File.ReadAllLines(report);
        var file = lines.Single(l => l.StartsWith("file:"))[5..];
        Assert.StartsWith("args:history ks-core --namespace kubesphere-system --output json --kubeconfig ", lines[0]);
        Assert.EndsWith("--kube-context prod", lines[0]);
        Assert.DoesNotContain("TOKEN-XYZ", lines[0]);
        Assert.Equal("mode:600", lines.Single(l => l.StartsWith("mode:")));
        Assert.Equal("1", lines[^1]);
        Assert.False(File.Exists(file), "the temporary kubeconfig must be deleted after the call");
    }

    [Fact]
    public async Task Several_kubeconfig_files_are_merged_through_the_child_environment_only()
    {
        using var tmp = new TempDir();
        var report = tmp.File("report.txt");
        var script = HelmTestSupport.CreateScript(tmp.Path, $"echo \"$KUBECONFIG|$*\" > '{report}'\necho '[]'");
        var client = new HelmClient(script);
        await client.HistoryAsync("r", "ns", HelmKubeAccess.FromKubeconfigFiles(new[] { "/a/one", "/b/two" }, "ctx"));
        Assert.Equal("/a/one:/b/two|history r --namespace ns --output json --kube-context ctx", File.ReadAllText(report).Trim());
        Assert.NotEqual("/a/one:/b/two", Environment.GetEnvironmentVariable("KUBECONFIG"));
    }

    [Fact]
    public async Task Cancellation_kills_the_process_tree()
    {
        using var tmp = new TempDir();
        var pidFile = tmp.File("pids");
        var script = HelmTestSupport.CreateScript(tmp.Path, $"sleep 60 &\necho \"$$ $!\" > '{pidFile}'\nwait");
        var client = new HelmClient(script);
        using var cts = new CancellationTokenSource();
        var run = client.ShowCrdsAsync("chart", cts.Token);
        var pids = (await HelmTestSupport.WaitForFileAsync(pidFile, TimeSpan.FromSeconds(10))).Split(' ').Select(int.Parse).ToArray();
        Assert.All(pids, p => Assert.True(HelmTestSupport.ProcessAlive(p)));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10));
        for (var i = 0; i < 50 && pids.Any(HelmTestSupport.ProcessAlive); i++) await Task.Delay(100);
        Assert.All(pids, p => Assert.False(HelmTestSupport.ProcessAlive(p), $"process {p} still running"));
    }

    [Fact]
    public async Task Timeout_stops_helm_with_HelmTimeout()
    {
        using var tmp = new TempDir();
        var pidFile = tmp.File("pid");
        var script = HelmTestSupport.CreateScript(tmp.Path, $"echo $$ > '{pidFile}'\nexec sleep 60");
        var client = new HelmClient(script) { DefaultTimeout = TimeSpan.FromMilliseconds(700) };
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => client.ShowCrdsAsync("chart"));
        Assert.Equal(ErrorIds.HelmTimeout, e.ErrorId);
        Assert.Equal(KsErrorCategory.OperationTimeout, e.Category);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim());
        for (var i = 0; i < 50 && HelmTestSupport.ProcessAlive(pid); i++) await Task.Delay(100);
        Assert.False(HelmTestSupport.ProcessAlive(pid));
    }

    [Fact]
    public async Task Upgrade_parses_the_release_helm_prints_and_streams_stderr()
    {
        using var tmp = new TempDir();
        var json = "{\"name\":\"ks-core\",\"info\":{\"status\":\"deployed\",\"description\":\"Upgrade complete\",\"last_deployed\":\"2026-11-25T17:44:39.17Z\"}," +
                   "\"chart\":{\"metadata\":{\"name\":\"ks-core\",\"version\":\"1.1.5\",\"appVersion\":\"v4.1.3\"}},\"config\":{\"upgrade\":{\"enabled\":true}}," +
                   "\"manifest\":\"---\\n\",\"version\":7,\"namespace\":\"kubesphere-system\"}";
        File.WriteAllText(tmp.File("out.json"), json);
        var script = HelmTestSupport.CreateScript(tmp.Path, $"echo 'upgrade.go:1: preparing upgrade, Authorization: Bearer abcdef123456' >&2\ncat '{tmp.File("out.json")}'");
        var lines = new List<HelmOutputLine>();
        var client = new HelmClient(script) { Output = l => { lock (lines) lines.Add(l); } };
        var release = await client.UpgradeAsync(new HelmUpgradeRequest { ReleaseName = "ks-core", Namespace = "kubesphere-system", Chart = "/c" });
        Assert.Equal(("ks-core", 7, "deployed", "1.1.5", "v4.1.3"), (release.Name, release.Revision, release.Status, release.ChartVersion, release.AppVersion));
        Assert.True(release.Config["upgrade"]!["enabled"]!.GetValue<bool>());
        var line = Assert.Single(lines);
        Assert.True(line.IsError);
        Assert.Contains("preparing upgrade", line.Text);
        Assert.DoesNotContain("abcdef123456", line.Text);
    }

    [Fact]
    public async Task History_of_an_unknown_release_is_empty_and_other_failures_throw()
    {
        using var tmp = new TempDir();
        var notFound = new HelmClient(HelmTestSupport.CreateScript(tmp.Path, "echo 'Error: release: not found' >&2\nexit 1"));
        Assert.Empty(await notFound.HistoryAsync("x", "ns"));
        using var tmp2 = new TempDir();
        var broken = new HelmClient(HelmTestSupport.CreateScript(tmp2.Path, "echo 'Error: boom happened' >&2\nexit 3"));
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => broken.HistoryAsync("x", "ns"));
        Assert.Contains("exit code 3", e.Message);
        Assert.Contains("boom happened", e.Message);
    }

    [Fact]
    public void History_json_is_parsed_in_revision_order()
    {
        var json = "[{\"revision\":2,\"updated\":\"2026-01-02T03:04:05Z\",\"status\":\"pending-upgrade\",\"chart\":\"ks-core-1.1.5\",\"app_version\":\"v4.1.3\",\"description\":\"Preparing upgrade\"}," +
                   "{\"revision\":1,\"updated\":\"2025-01-02T03:04:05Z\",\"status\":\"deployed\",\"chart\":\"ks-core-0.1.0\",\"app_version\":\"v3.3.2\",\"description\":\"Install complete\"}]";
        var history = HelmClient.ParseHistory(json);
        Assert.Equal(new[] { 1, 2 }, history.Select(h => h.Revision));
        Assert.Equal("0.1.0", history[0].ChartVersion);
        Assert.Equal("pending-upgrade", history[1].Status);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), history[1].Updated);
        Assert.Equal("4.2.5", new HelmHistoryEntry(1, null, "", "ingress-nginx-4.2.5", "", "").ChartVersion);
    }

    [Theory]
    [InlineData("v3.17.3+ge4da497\n", "v3.17.3")]
    [InlineData("v4.1.4", "v4.1.4")]
    [InlineData("Client: &version.Version{SemVer:\"v2.16.12\", GitCommit:\"x\"}", "v2.16.12")]
    public void Version_output_formats_are_understood(string output, string expected)
    {
        Assert.Equal(KsVersion.Parse(expected), HelmClient.ParseVersionOutput(output));
    }

    [Fact]
    public void Unparseable_version_output_gives_null()
    {
        Assert.Null(HelmClient.ParseVersionOutput("no version here"));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Server_side_dry_run_and_cluster_commands_are_accepted_by_real_helm(int major)
    {
        // With an unreachable API server helm must fail on the connection, never on an unknown flag:
        // this proves the flag spelling for each helm major version. (helm 3 contacts the cluster only for the
        // chart's lookup calls; helm 4 also checks reachability first.)
        using var tmp = new TempDir();
        var chart = HelmTestSupport.CreateChart(tmp.Path);
        var kube = HelmKubeAccess.FromToken("https://127.0.0.1:1", "tok-abcdef-123456", null);
        var client = new HelmClient(HelmTestSupport.HelmFor(major));

        var template = await Assert.ThrowsAsync<KsUpgradeException>(() => client.TemplateAsync(new HelmTemplateRequest
        {
            ReleaseName = "ks-core", Namespace = "kubesphere-system", Chart = chart, DryRunServer = true, IsUpgrade = true, Kube = kube,
            ShowOnly = new[] { "templates/cm.yaml" },
        }));
        var history = await Assert.ThrowsAsync<KsUpgradeException>(() => client.HistoryAsync("ks-core", "kubesphere-system", kube));
        var rollback = await Assert.ThrowsAsync<KsUpgradeException>(() => client.RollbackAsync("ks-core", "kubesphere-system", 1, kube, timeout: TimeSpan.FromSeconds(10)));
        foreach (var e in new[] { template, history, rollback })
        {
            Assert.Contains("127.0.0.1:1", e.Message);
            Assert.DoesNotContain("unknown flag", e.Message);
            Assert.DoesNotContain("tok-abcdef-123456", e.Message);
        }
    }

    [Fact]
    public async Task The_child_environment_drops_removed_variables_and_adds_given_ones()
    {
        using var tmp = new TempDir();
        var script = HelmTestSupport.CreateScript(tmp.Path, "echo \"home=${HOME:-unset} added=$KSUPGRADE_TEST_ADDED\"");
        var result = await HelmProcess.RunAsync(script, Array.Empty<string>(),
            new Dictionary<string, string?> { ["HOME"] = null, ["KSUPGRADE_TEST_ADDED"] = "yes" }, TimeSpan.FromSeconds(10), null, false,
            Array.Empty<string>(), CancellationToken.None);
        Assert.Equal("home=unset added=yes", result.StandardOutput.Trim());
        Assert.NotNull(Environment.GetEnvironmentVariable("HOME"));
    }
}
