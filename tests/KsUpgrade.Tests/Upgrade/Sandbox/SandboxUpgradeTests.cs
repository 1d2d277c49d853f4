using KsUpgrade.Tests.Reliability;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Backup;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.KubeSphere;
using HelmTool = KsUpgrade.Tests.Seeds.HelmTool;
using KsUpgrade.Tests.Upgrade.Fakes;
using YamlDotNet.RepresentationModel;

namespace KsUpgrade.Tests.Upgrade.Sandbox;

/// <summary>The upgrade engine against the in-process Kubernetes API simulator (seed ks34-multicluster).</summary>
public sealed class SandboxUpgradeTests : IAsyncLifetime
{
    private const string Ns = "kubesphere-system";
    private SandboxHost _host = null!;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ksup-sb-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _host = await SandboxHost.StartAsync(new SandboxOptions
        {
            Seed = "ks34-multicluster",
            Behaviours = new[] { new KsUpgradeJobBehaviour() },
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private async Task<(KsCluster Cluster, KubeApi Api)> ConnectAsync(string context)
    {
        var cluster = await ClusterConnector.ConnectAsync(new KsConnectionSettings { KubeconfigPaths = new[] { _host.KubeconfigPath }, Context = context }, null, CancellationToken.None);
        return (cluster, KubeApi.For(cluster));
    }

    private string ValuesFile()
    {
        var path = Path.Combine(_dir, "ks-core-values.yaml");
        File.WriteAllText(path, GuideValues.CoreAndIam);
        return path;
    }

    private UpgradeParameters Parameters(KsClusterRole role, string backup) => new()
    {
        Role = role,
        ValuesPath = ValuesFile(),
        Chart = Path.Combine(HelmTool.FixturesDir(), "ks-core"),
        BackupPath = Path.Combine(_dir, backup),
        JobTimeout = TimeSpan.FromSeconds(60),
        Timeout = TimeSpan.FromMinutes(2),
    };

    [Fact]
    public async Task Backup_streams_every_page_and_counts_match_the_cluster()
    {
        var (_, api) = await ConnectAsync("host");
        var view = _host.Cluster("host");
        var target = Path.Combine(_dir, "bk");
        var result = await new ClusterBackup(api, NullEngineLog.Instance).RunAsync(new BackupOptions(target) { PageSize = 7 }, CancellationToken.None);

        var expectedKs = new[] { ("v1", "configmaps"), ("v1", "secrets"), ("apps/v1", "statefulsets"), ("apps/v1", "deployments"), ("apps/v1", "daemonsets") }
            .Sum(k => view.List(k.Item1, k.Item2, Ns).Count);
        Assert.Equal(expectedKs, result.Files.Single(f => f.Name == "backup-kubesphere-system.yaml").Objects);
        Assert.Equal(view.List("v1", "namespaces").Count, result.Files.Single(f => f.Name == "backup-tenant-namespaces.yaml").Objects);
        Assert.Equal(view.List("iam.kubesphere.io/v1alpha2", "users").Count, result.Files.Single(f => f.Name == "backup-iam-users.yaml").Objects);
        Assert.Equal(view.List("tenant.kubesphere.io/v1alpha1", "workspaces").Count, result.Files.Single(f => f.Name == "backup-tenant-workspaces.yaml").Objects);
        Assert.Equal(view.List("tenant.kubesphere.io/v1alpha2", "workspacetemplates").Count, result.Files.Single(f => f.Name == "backup-tenant-workspacetemplates.yaml").Objects);
        Assert.True(result.Files.Single(f => f.Name == "backup-iam-roles.yaml").Objects > 0);
        Assert.Equal(1, result.Files.Single(f => f.Name == "backup-cc.yaml").Objects);
        Assert.Equal("v3.4.1", result.KubeSphereVersion);
        Assert.Contains("backup-kube-system.yaml", result.Files.Select(f => f.Name));

        var text = File.ReadAllText(Path.Combine(target, "backup-kubesphere-system.yaml"));
        Assert.DoesNotContain("managedFields", text);
        var docs = YamlJson.ReadDocuments(text);
        Assert.Equal(expectedKs, docs.Count);
        Assert.Contains(docs, d => d.Str("kind") == "Secret" && d.Name() == "redis-secret");
    }

    [Fact]
    public async Task WhatIf_changes_nothing_in_the_cluster()
    {
        var (_, api) = await ConnectAsync("host");
        var before = StateNormaliser.WithoutVolatile(_host.StateOf("host")).ToJsonString();
        var log = new RecordingEngineLog { Approve = false };
        var helm = new RealHelmOrStatic(_host.KubeconfigPath, "host");
        var result = await new ClusterUpgrade(api, Parameters(KsClusterRole.Host, "whatif"), helm, new FakeChecks(), log) { PollInterval = TimeSpan.FromMilliseconds(100) }
            .RunAsync(CancellationToken.None);
        Assert.Equal(before, StateNormaliser.WithoutVolatile(_host.StateOf("host")).ToJsonString());
        Assert.Contains(result.Steps, s => s.Name == "RemoveOldRedis" && s.Status == KsUpgradeStepStatus.WhatIf && s.Detail.Contains("Delete Deployment kubesphere-system/redis"));
        Assert.Contains(result.Steps, s => s.Name == "ApplyCrds" && s.Status == KsUpgradeStepStatus.WhatIf && s.Detail.Contains("installplans.kubesphere.io"));
        Assert.False(Directory.Exists(Path.Combine(_dir, "whatif")));
    }

    [Fact]
    public async Task Host_steps_change_the_cluster_as_upgrade_sh_does()
    {
        var (_, api) = await ConnectAsync("host");
        var view = _host.Cluster("host");
        var masters = view.Get("v1", "endpoints", "kube-system", "etcd")!["subsets"]!.AsArray()
            .SelectMany(s => s!["addresses"]!.AsArray()).Select(a => a!["ip"]!.GetValue<string>()).ToList();
        var helm = new RealHelmOrStatic(_host.KubeconfigPath, "host") { FailUpgrade = true };
        var log = new RecordingEngineLog();
        var upgrade = new ClusterUpgrade(api, Parameters(KsClusterRole.Host, "host-bk"), helm, new FakeChecks(), log) { PollInterval = TimeSpan.FromMilliseconds(100) };
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => upgrade.RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.HelmUpgradeFailed, e.ErrorId);
        var result = (KsUpgradeResult)log.Outputs.Single();
        Assert.All(result.Steps.Take(8), s => Assert.True(s.Status is KsUpgradeStepStatus.Succeeded or KsUpgradeStepStatus.Skipped, $"{s.Name}: {s.Status} {s.Detail}"));

        Assert.Equal(0, view.Get("apps/v1", "deployments", Ns, "ks-installer").Long("spec", "replicas"));
        Assert.Equal(string.Join(",", masters), view.Get("installer.kubesphere.io/v1alpha1", "clusterconfigurations", Ns, "ks-installer").Str("spec", "etcd", "endpointIps"));
        Assert.Null(view.Get("apps/v1", "deployments", Ns, "redis"));
        Assert.Null(view.Get("v1", "services", Ns, "redis"));
        Assert.Null(view.Get("v1", "secrets", Ns, "redis-secret"));
        Assert.Null(view.Get("v1", "configmaps", Ns, "redis-configmap"));
        Assert.Null(view.Get("v1", "persistentvolumeclaims", Ns, "redis-pvc"));
        Assert.True(KubeJson.HasCondition(view.Get("batch/v1", "jobs", Ns, "prepare-upgrade")!, "Complete"));
        Assert.NotNull(view.Get("apiextensions.k8s.io/v1", "customresourcedefinitions", null, "installplans.kubesphere.io"));
        Assert.True(log.Records.Any(r => r.Stream == "Verbose" && r.Message.StartsWith("[prepare-upgrade")), string.Join("\n", log.Records.Where(r => r.Stream == "Verbose").Select(r => r.Message)));

        var journal = (await UpgradeJournal.ReadAsync(api, CancellationToken.None))!.State;
        Assert.Equal(JournalStatus.Failed, journal.Step("HelmUpgrade")!.Status);
        Assert.True(journal.IsDone("PrepareJob"));
        Assert.True(File.Exists(Path.Combine(_dir, "host-bk", "manifest.json")));
    }

    [Fact]
    public async Task Member_with_redis_ha_loses_the_ks_redis_release_natively()
    {
        var (_, api) = await ConnectAsync("member2");
        var view = _host.Cluster("member2");
        Assert.Contains(view.List("v1", "secrets", Ns), s => KubeJson.Label(s, "name") == "ks-redis");
        var helm = new RealHelmOrStatic(_host.KubeconfigPath, "member2") { FailUpgrade = true };
        var log = new RecordingEngineLog();
        var upgrade = new ClusterUpgrade(api, Parameters(KsClusterRole.Member, "m2-bk"), helm, new FakeChecks(), log) { PollInterval = TimeSpan.FromMilliseconds(100) };
        await Assert.ThrowsAsync<KsUpgradeException>(() => upgrade.RunAsync(CancellationToken.None));
        Assert.DoesNotContain(view.List("v1", "secrets", Ns), s => KubeJson.Label(s, "name") == "ks-redis");
        Assert.Null(view.Get("apps/v1", "statefulsets", Ns, "redis-ha-server"));
        Assert.DoesNotContain(view.List("v1", "persistentvolumeclaims", Ns), p => KubeJson.Label(p, "app") == "redis-ha");
        var flags = ((KsUpgradeResult)log.Outputs.Single()).Steps.Single(s => s.Name == "RedisFlags").Detail;
        Assert.Contains("redisHA.enabled=true", flags);
    }

    [Fact]
    public async Task Transient_api_failures_are_retried()
    {
        var (cluster, _) = await ConnectAsync("host");
        _host.AddFault(new KsUpgrade.Sandbox.Faults.FaultRule { Verb = "list", Resource = "secrets", Status = 500, Times = 2, Cluster = "host" });
        _host.AddFault(new KsUpgrade.Sandbox.Faults.FaultRule { Verb = "list", Resource = "deployments", Status = 429, RetryAfterSeconds = 1, Times = 1, Cluster = "host" });
        _host.AddFault(new KsUpgrade.Sandbox.Faults.FaultRule { Verb = "list", Resource = "configmaps", DropConnection = true, Times = 1, Cluster = "host" });
        var log = new RecordingEngineLog();
        var result = await new ClusterBackup(KubeApi.For(cluster, log.Verbose), log)
            .RunAsync(new BackupOptions(Path.Combine(_dir, "retry")), CancellationToken.None);
        Assert.True(result.ObjectCount > 0);
        Assert.Equal(4, log.Records.Count(r => r.Stream == "Verbose" && r.Message.StartsWith("Transient failure")));
    }

    [Fact]
    public async Task Persistent_500_mid_backup_fails_the_step_and_a_rerun_takes_the_backup_and_goes_on()
    {
        var (cluster, _) = await ConnectAsync("host");
        var fault = _host.AddFault(new KsUpgrade.Sandbox.Faults.FaultRule { Verb = "list", Resource = "daemonsets", Status = 500, Cluster = "host" });
        var p = Parameters(KsClusterRole.Host, "bk500");
        var helm = new RealHelmOrStatic(_host.KubeconfigPath, "host") { FailUpgrade = true };
        var log = new RecordingEngineLog();
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => NewUpgrade(cluster, p, helm, log).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.ApiError, e.ErrorId);
        Assert.Contains("500", e.Message);
        Assert.False(Directory.Exists(p.BackupPath));
        var api = KubeApi.For(cluster);
        var journal = (await UpgradeJournal.ReadAsync(api, CancellationToken.None))!.State;
        Assert.Equal(JournalStatus.Failed, journal.Step("Backup")!.Status);
        Assert.Null(journal.Step("StopInstaller"));
        Assert.Equal(1, _host.Cluster("host").Get("apps/v1", "deployments", Ns, "ks-installer").Long("spec", "replicas"));

        _host.ClearFaults();
        log = new RecordingEngineLog();
        var e2 = await Assert.ThrowsAsync<KsUpgradeException>(() => NewUpgrade(cluster, p, helm, log).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.HelmUpgradeFailed, e2.ErrorId);
        var r = (KsUpgradeResult)log.Outputs.Single();
        Assert.Equal(KsUpgradeStepStatus.Skipped, r.Steps[0].Status);
        Assert.Equal(KsUpgradeStepStatus.Succeeded, r.Steps[1].Status);
        Assert.True(File.Exists(Path.Combine(p.BackupPath!, "manifest.json")));
        Assert.False(Directory.Exists(p.BackupPath + ".partial"));
    }

    [Fact]
    public async Task Failed_prepare_job_stops_and_the_rerun_resumes_there()
    {
        var (cluster, api) = await ConnectAsync("host");
        _host.FailJob("prepare-upgrade");
        var p = Parameters(KsClusterRole.Host, "bkprep");
        var helm = new RealHelmOrStatic(_host.KubeconfigPath, "host") { FailUpgrade = true };
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => NewUpgrade(cluster, p, helm, new RecordingEngineLog()).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.PrepareJobFailed, e.ErrorId);
        Assert.Contains("simulated failure of job prepare-upgrade", e.Message);
        var backup = File.ReadAllText(Path.Combine(p.BackupPath!, "manifest.json"));

        _host.ClearFaults();
        var log = new RecordingEngineLog();
        await Assert.ThrowsAsync<KsUpgradeException>(() => NewUpgrade(cluster, p, helm, log).RunAsync(CancellationToken.None));
        var r = (KsUpgradeResult)log.Outputs.Single();
        Assert.All(r.Steps.Take(6), s => Assert.Equal(KsUpgradeStepStatus.Skipped, s.Status));
        Assert.Equal(KsUpgradeStepStatus.Succeeded, r.Steps.Single(s => s.Name == "PrepareJob").Status);
        Assert.Equal(backup, File.ReadAllText(Path.Combine(p.BackupPath!, "manifest.json")));
        Assert.True(KubeJson.HasCondition(_host.Cluster("host").Get("batch/v1", "jobs", Ns, "prepare-upgrade")!, "Complete"));
    }

    [Fact]
    public async Task Pending_ks_core_release_is_refused_before_any_change()
    {
        var (cluster, _) = await ConnectAsync("host");
        _host.SetHelmReleaseStatus("host", Ns, "ks-core", "pending-upgrade");
        var before = StateNormaliser.WithoutVolatile(_host.StateOf("host")).ToJsonString();
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() =>
            NewUpgrade(cluster, Parameters(KsClusterRole.Host, "bkpend"), new RealHelmOrStatic(_host.KubeconfigPath, "host"), new RecordingEngineLog()).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.ReleasePending, e.ErrorId);
        Assert.Equal(before, StateNormaliser.WithoutVolatile(_host.StateOf("host")).ToJsonString());
    }

    private static ClusterUpgrade NewUpgrade(KsCluster cluster, UpgradeParameters p, IUpgradeHelm helm, RecordingEngineLog log) =>
        new(KubeApi.For(cluster, log.Verbose), p, helm, new FakeChecks(), log) { PollInterval = TimeSpan.FromMilliseconds(100) };
}

/// <summary>Real helm (template with --dry-run=server); its upgrade can be made to fail.</summary>
internal sealed class RealHelmOrStatic : IUpgradeHelm
{
    private readonly RealHelm? _real;
    public RealHelmOrStatic(string kubeconfig, string context) =>
        _real = new RealHelm(HelmTool.Path, kubeconfig, context);

    public bool FailUpgrade { get; init; }

    public Task<string> TemplateAsync(HelmTemplateCall request, CancellationToken ct) =>
        _real?.TemplateAsync(request, ct) ?? Task.FromResult(FakeHelm.PrepareYaml);

    public Task<HelmUpgradeOutcome> UpgradeAsync(HelmUpgradeCall request, Action<string> outputLine, CancellationToken ct)
    {
        if (FailUpgrade || _real is null) throw new KsUpgradeException(ErrorIds.HelmUpgradeFailed, KsErrorCategory.FromStdErr, "helm upgrade not run in this test");
        return _real.UpgradeAsync(request, outputLine, ct);
    }
}
