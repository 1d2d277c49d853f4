using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using k8s.Autorest;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Upgrade.Fakes;

namespace KsUpgrade.Tests.Upgrade;

public sealed class UpgradeUnitTests
{
    [Theory]
    [InlineData("I0101 executor.go:88] [Validator] ksVersion: skipping because of failed validators", true)]
    [InlineData("[validator] post upgrade SKIPPING BECAUSE OF FAILED VALIDATORS", true)]
    [InlineData("I1125 validator.go:47] [Validator] Skip upgrade beaseuse of no deployed release history.", false)]
    [InlineData("[Validator] ksVersion passed", false)]
    [InlineData("skipping job gateway: disabled", false)]
    public void Skipped_phase_detection(string line, bool skipped)
    {
        Assert.Equal(skipped, SkippedPhase.Find(new[] { "start", line, "end" }) is not null);
    }

    [Fact]
    public void Helm_arguments_are_exact()
    {
        var r = new HelmUpgradeCall("ks-core", "kubesphere-system", "/c/ks-core", new[] { "/v.yaml" },
            new[] { new HelmSetValue("a.b", "1"), new HelmSetValue("c", "x") }, true, TimeSpan.FromMinutes(30));
        Assert.Equal("upgrade ks-core /c/ks-core --namespace kubesphere-system --set a.b=1 --set c=x --values /v.yaml --wait --timeout 1800s",
            string.Join(" ", r.Arguments()));
        var t = new HelmTemplateCall("ks-core", "kubesphere-system", "/c", "templates/prepare-upgrade-job.yaml", new[] { "/v.yaml" }, new[] { new HelmSetValue("upgrade.prepare", "true") }, true);
        Assert.Equal("template ks-core /c --namespace kubesphere-system --show-only templates/prepare-upgrade-job.yaml --set upgrade.prepare=true --values /v.yaml --dry-run=server",
            string.Join(" ", t.Arguments()));
    }

    [Fact]
    public async Task Redis_objects_labelled_managed_by_Helm_are_kept()
    {
        using var h = new UpgradeHarness();
        // make every named redis object Helm-managed except the configmap
        foreach (var (kind, name) in new[] { (ResourceKind.Deployments, "redis"), (ResourceKind.Secrets, "redis-secret"), (ResourceKind.PersistentVolumeClaims, "redis-pvc") })
        {
            var o = h.Api.Find(kind, "kubesphere-system", name)!;
            o.Obj("metadata")["labels"] = new System.Text.Json.Nodes.JsonObject { ["app.kubernetes.io/managed-by"] = "Helm" };
            h.Api.Add(kind, o);
        }
        var result = await h.RunAsync();
        Assert.True(result.Succeeded);
        Assert.NotNull(h.Api.Find(ResourceKind.Deployments, "kubesphere-system", "redis"));
        Assert.NotNull(h.Api.Find(ResourceKind.Secrets, "kubesphere-system", "redis-secret"));
        Assert.NotNull(h.Api.Find(ResourceKind.PersistentVolumeClaims, "kubesphere-system", "redis-pvc"));
        Assert.Null(h.Api.Find(ResourceKind.ConfigMaps, "kubesphere-system", "redis-configmap"));
        Assert.DoesNotContain(h.Api.Mutations, m => m == "DELETE deployments.apps kubesphere-system/redis");
    }

    [Fact]
    public async Task Etcd_endpoints_already_set_are_left_alone_and_missing_ones_are_added()
    {
        using var h = new UpgradeHarness();
        var cc = h.Api.Find(ResourceKind.ClusterConfigurations, "kubesphere-system", "ks-installer")!;
        ((System.Text.Json.Nodes.JsonObject)cc["spec"]!["etcd"]!).Remove("endpointIps");
        h.Api.Add(ResourceKind.ClusterConfigurations, cc);
        var result = await h.RunAsync();
        Assert.Equal("10.0.0.1,10.0.0.2", h.Api.Find(ResourceKind.ClusterConfigurations, "kubesphere-system", "ks-installer").Str("spec", "etcd", "endpointIps"));
        Assert.Contains(h.Api.Calls, c => c.Contains("\"op\":\"add\",\"path\":\"/spec/etcd/endpointIps\""));

        using var h2 = new UpgradeHarness();
        var cc2 = h2.Api.Find(ResourceKind.ClusterConfigurations, "kubesphere-system", "ks-installer")!;
        cc2["spec"]!["etcd"]!["endpointIps"] = "192.168.0.9";
        h2.Api.Add(ResourceKind.ClusterConfigurations, cc2);
        var r2 = await h2.RunAsync();
        var etcd = r2.Steps.Single(s => s.Name == "EtcdEndpoints");
        Assert.Equal(KsUpgradeStepStatus.Skipped, etcd.Status);
        Assert.Equal("192.168.0.9", h2.Api.Find(ResourceKind.ClusterConfigurations, "kubesphere-system", "ks-installer").Str("spec", "etcd", "endpointIps"));
    }

    [Fact]
    public async Task Installer_missing_or_stopped_is_skipped()
    {
        using var h = new UpgradeHarness();
        await h.Api.DeleteAsync(ResourceKind.Deployments, "kubesphere-system", "ks-installer", "Background", CancellationToken.None);
        var result = await h.RunAsync();
        var step = result.Steps.Single(s => s.Name == "StopInstaller");
        Assert.Equal(KsUpgradeStepStatus.Skipped, step.Status);
        Assert.Contains("not found", step.Detail);
    }

    [Theory]
    [InlineData("missing", "KsUpgrade.ValuesInvalid", "does not exist")]
    [InlineData("upgrade:\n  enabled: [true\n", "KsUpgrade.ValuesInvalid", "line ")]
    [InlineData("upgrade:\n  enabled: false\n", "KsUpgrade.ValuesInvalid", "upgrade.enabled")]
    public async Task Bad_values_are_refused_before_any_call(string content, string errorId, string text)
    {
        using var h = new UpgradeHarness();
        if (content == "missing") File.Delete(h.ValuesPath);
        else File.WriteAllText(h.ValuesPath, content);
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        Assert.Equal(errorId, e.ErrorId);
        Assert.Contains(text, e.Message);
        Assert.Empty(h.Api.Calls);
    }

    [Theory]
    [InlineData("docker.io;rm", null)]
    [InlineData("docker.io", "reg istry")]
    public async Task Bad_registry_is_refused(string registry, string? extension)
    {
        using var h = new UpgradeHarness();
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync(h.Parameters() with { ImageRegistry = registry, ExtensionImageRegistry = extension }));
        Assert.Equal(ErrorIds.ParameterInvalid, e.ErrorId);
        Assert.Empty(h.Api.Calls);
    }

    [Fact]
    public async Task Missing_chart_is_ChartNotFound()
    {
        using var h = new UpgradeHarness();
        var upgrade = new ClusterUpgrade(h.Api, h.Parameters() with { Chart = Path.Combine(h.Dir, "nope.tgz") }, h.Helm, h.Checks, h.Log);
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => upgrade.RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.ChartNotFound, e.ErrorId);
        Assert.Empty(h.Api.Calls);
    }

    [Fact]
    public async Task Retry_retries_transient_failures_only()
    {
        var retry = new KubeRetry { FirstDelay = TimeSpan.FromMilliseconds(1) };
        var calls = 0;
        var value = await retry.RunAsync(_ =>
        {
            if (++calls < 3) throw Http(HttpStatusCode.ServiceUnavailable);
            return Task.FromResult(42);
        }, "testing", CancellationToken.None);
        Assert.Equal(42, value);
        Assert.Equal(3, calls);

        calls = 0;
        await Assert.ThrowsAsync<HttpOperationException>(() => retry.RunAsync<int>(_ => { calls++; throw Http(HttpStatusCode.BadRequest); }, "testing", CancellationToken.None));
        Assert.Equal(1, calls);

        calls = 0;
        await Assert.ThrowsAsync<HttpRequestException>(() => retry.RunAsync<int>(_ => { calls++; throw new HttpRequestException("connection reset"); }, "testing", CancellationToken.None));
        Assert.Equal(retry.MaxAttempts, calls);
    }

    [Fact]
    public async Task Retry_retries_conflicts_only_when_asked_and_never_AlreadyExists()
    {
        var calls = 0;
        Task<int> Conflict(string content) { calls++; throw new HttpOperationException("409") { Response = new HttpResponseMessageWrapper(new HttpResponseMessage(HttpStatusCode.Conflict), content) }; }
        const string modified = """{"kind":"Status","reason":"Conflict","message":"the object has been modified"}""";
        const string exists = """{"kind":"Status","reason":"AlreadyExists","message":"jobs \"dynamic-upgrade\" already exists"}""";

        await Assert.ThrowsAsync<HttpOperationException>(() => new KubeRetry { FirstDelay = TimeSpan.FromMilliseconds(1) }.RunAsync(_ => Conflict(modified), "testing", CancellationToken.None));
        Assert.Equal(1, calls);

        calls = 0;
        var retry = new KubeRetry { FirstDelay = TimeSpan.FromMilliseconds(1), RetryConflicts = true };
        await Assert.ThrowsAsync<HttpOperationException>(() => retry.RunAsync(_ => Conflict(modified), "testing", CancellationToken.None));
        Assert.Equal(retry.MaxAttempts, calls);

        calls = 0;
        await Assert.ThrowsAsync<HttpOperationException>(() => retry.RunAsync(_ => Conflict(exists), "testing", CancellationToken.None));
        Assert.Equal(1, calls);
    }

    private static HttpOperationException Http(HttpStatusCode code) => new($"{code}")
    {
        Response = new HttpResponseMessageWrapper(new HttpResponseMessage(code), ""),
    };

    [Fact]
    public async Task Local_chart_reader_finds_crds_in_chart_and_subcharts_dir_and_tgz()
    {
        var dir = Path.Combine(Path.GetTempPath(), "kschart-" + Guid.NewGuid().ToString("N"));
        try
        {
            var chart = Path.Combine(dir, "ks-core");
            Directory.CreateDirectory(Path.Combine(chart, "charts", "ks-crds", "crds"));
            Directory.CreateDirectory(Path.Combine(chart, "templates"));
            File.WriteAllText(Path.Combine(chart, "Chart.yaml"), "apiVersion: v2\nname: ks-core\nversion: 1.1.5\nappVersion: v4.1.3\n");
            File.WriteAllText(Path.Combine(chart, "charts", "ks-crds", "Chart.yaml"), "apiVersion: v2\nname: ks-crds\nversion: 1.0.0\n");
            File.WriteAllText(Path.Combine(chart, "charts", "ks-crds", "crds", "iam.yaml"), Scenario.Crd("users", "iam.kubesphere.io", "User"));
            File.WriteAllText(Path.Combine(chart, "templates", "crds-not-really.yaml"), "kind: ConfigMap");
            var info = await new LocalChartReader().ReadAsync(chart, CancellationToken.None);
            Assert.Equal("1.1.5", info.Version);
            Assert.Equal("charts/ks-crds/crds/iam.yaml", Assert.Single(info.Crds).Source);

            // the same as a .tgz with the subchart packed as a .tgz too
            var tgz = Path.Combine(dir, "ks-core-1.1.5.tgz");
            var sub = Path.Combine(dir, "ks-crds-1.0.0.tgz");
            WriteTgz(sub, ("ks-crds/Chart.yaml", "name: ks-crds\nversion: 1.0.0\n"), ("ks-crds/crds/a.yaml", Scenario.Crd("users", "iam.kubesphere.io", "User")));
            WriteTgz(tgz, ("ks-core/Chart.yaml", "name: ks-core\nversion: 1.1.4\n"), ("ks-core/charts/ks-crds-1.0.0.tgz", null), ("ks-core/crds/b.yaml", Scenario.Crd("x", "y.io", "X")));
            void WriteTgz(string path, params (string Name, string? Text)[] entries)
            {
                using var fs = File.Create(path);
                using var gz = new GZipStream(fs, CompressionLevel.Fastest);
                using var tar = new TarWriter(gz);
                foreach (var (name, text) in entries)
                {
                    var e = new PaxTarEntry(TarEntryType.RegularFile, name)
                    {
                        DataStream = new MemoryStream(text is null ? File.ReadAllBytes(sub) : System.Text.Encoding.UTF8.GetBytes(text)),
                    };
                    tar.WriteEntry(e);
                }
            }
            var packed = await new LocalChartReader().ReadAsync(tgz, CancellationToken.None);
            Assert.Equal("1.1.4", packed.Version);
            Assert.Equal(new[] { "charts/ks-crds-1.0.0.tgz/ks-crds/crds/a.yaml", "crds/b.yaml" }, packed.Crds.Select(c => c.Source).Order(StringComparer.Ordinal));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task An_old_prepare_job_and_its_pods_are_deleted_before_the_new_one_is_applied()
    {
        using var h = new UpgradeHarness();
        Scenario.AddCompletedJob(h.Api, "prepare-upgrade", "old run");
        h.Api.Add(ResourceKind.Pods, "kubesphere-system", "prepare-upgrade-old01", new Dictionary<string, string> { ["job-name"] = "prepare-upgrade" });
        var result = await h.RunAsync();
        Assert.True(result.Succeeded);
        Assert.Null(h.Api.Find(ResourceKind.Pods, "kubesphere-system", "prepare-upgrade-old01"));
        var deleteJob = h.Api.Mutations.IndexOf("DELETE jobs.batch kubesphere-system/prepare-upgrade");
        var deletePod = h.Api.Mutations.IndexOf("DELETE pods kubesphere-system/prepare-upgrade-old01");
        var apply = h.Api.Mutations.IndexOf("APPLY jobs.batch kubesphere-system/prepare-upgrade");
        Assert.True(deleteJob >= 0 && deletePod > deleteJob && apply > deletePod, string.Join("\n", h.Api.Mutations));
        Assert.Contains(h.Log.Records, r => r.Stream == "Verbose" && r.Message == "PrepareJob: Delete Job kubesphere-system/prepare-upgrade and its pods");
        Assert.DoesNotContain(h.Log.Records, r => r.Stream == "Verbose" && r.Message.Contains("old run"));
    }
}
