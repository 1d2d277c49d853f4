using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Upgrade.Fakes;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Tests.Upgrade;

public sealed class ClusterUpgradeTests
{
    private const string Ns = "kubesphere-system";

    [Fact]
    public async Task Host_upgrade_runs_every_step_in_order_and_leaves_the_expected_state()
    {
        using var h = new UpgradeHarness();
        var result = await h.RunAsync();

        Assert.True(result.Succeeded, string.Join("\n", result.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}")));
        Assert.Equal(new[] { "Preflight", "Backup", "StopInstaller", "EtcdEndpoints", "RemoveOldRedis", "RedisFlags", "PrepareJob", "ApplyCrds", "HelmUpgrade", "PostCheck" },
            result.Steps.Select(s => s.Name));
        Assert.All(result.Steps, s => Assert.Equal(KsUpgradeStepStatus.Succeeded, s.Status));
        Assert.Equal("v3.4.1", result.FromVersion);
        Assert.Equal("v4.1.3", result.ToVersion);
        Assert.Equal(2, result.HelmRevision);
        Assert.Equal(Path.GetFullPath(h.BackupPath), result.BackupPath);
        Assert.Same(result, Assert.Single(h.Log.Outputs));

        // installer stopped, etcd filled
        Assert.Equal(0, h.Api.Find(ResourceKind.Deployments, Ns, "ks-installer").Long("spec", "replicas"));
        Assert.Equal("10.0.0.1,10.0.0.2", h.Api.Find(ResourceKind.ClusterConfigurations, Ns, "ks-installer").Str("spec", "etcd", "endpointIps"));
        // old redis gone except the Helm-managed service and the keep-annotated release object
        Assert.Null(h.Api.Find(ResourceKind.Deployments, Ns, "redis"));
        Assert.Null(h.Api.Find(ResourceKind.Secrets, Ns, "redis-secret"));
        Assert.Null(h.Api.Find(ResourceKind.ConfigMaps, Ns, "redis-configmap"));
        Assert.Null(h.Api.Find(ResourceKind.PersistentVolumeClaims, Ns, "redis-pvc"));
        Assert.Null(h.Api.Find(ResourceKind.PersistentVolumeClaims, Ns, "data-redis-ha-server-0"));
        Assert.Null(h.Api.Find(ResourceKind.StatefulSets, Ns, "redis-ha-server"));
        Assert.Null(h.Api.Find(ResourceKind.Secrets, Ns, "sh.helm.release.v1.ks-redis.v1"));
        Assert.NotNull(h.Api.Find(ResourceKind.Services, Ns, "redis"));
        Assert.NotNull(h.Api.Find(ResourceKind.Services, Ns, "redis-ha"));
        // prepare objects applied, job complete; CRDs applied
        Assert.NotNull(h.Api.Find(ResourceKind.ConfigMaps, Ns, "ks-upgrade-prepare-config"));
        Assert.NotNull(h.Api.Find(ResourceKind.PersistentVolumeClaims, Ns, "ks-upgrade"));
        Assert.True(KubeJson.HasCondition(h.Api.Find(ResourceKind.Jobs, Ns, "prepare-upgrade")!, "Complete"));
        Assert.Equal(new[] { "globalroles.iam.kubesphere.io", "installplans.kubesphere.io", "users.iam.kubesphere.io" },
            h.Api.All(ResourceKind.CustomResourceDefinitions).Select(c => c.Name()).OrderBy(n => n));
        // CRDs before helm upgrade
        Assert.Equal(3, h.Helm.CrdsAtUpgrade);

        // helm: prepare render and upgrade with upgrade.sh's sets, the real extension key, redis flag
        // the render proof (Preflight) rendered exactly what the PrepareJob step then rendered, and the release
        Assert.Equal(2, h.Helm.Templates.Count);
        Assert.Equal(h.Helm.Templates[0].Arguments(), h.Helm.Templates[1].Arguments());
        Assert.Equal(h.Helm.Upgrades.Single().Sets, h.Helm.ReleaseRenders.Last().Sets);
        var template = h.Helm.Templates[1];
        Assert.Equal("templates/prepare-upgrade-job.yaml", template.ShowOnly);
        Assert.True(template.DryRunServer);
        Assert.Equal(new[] { "upgrade.prepare=true", "upgrade.image.registry=docker.io", "upgrade.image.tag=v4.1.3", "global.imageRegistry=docker.io", "global.tag=v4.1.3" },
            template.Sets.Select(s => s.ToString()));
        var upgrade = Assert.Single(h.Helm.Upgrades);
        var sets = upgrade.Sets.Select(s => s.ToString()).ToList();
        Assert.Contains("multicluster.role=host", sets);
        Assert.Contains("ksExtensionRepository.image.tag=v1.1.5", sets);
        Assert.DoesNotContain(sets, s => s.StartsWith("kseExtensionRepository"));
        Assert.Contains("ha.enabled=true", sets);
        Assert.DoesNotContain("redisHA.enabled=true", sets);
        Assert.Contains("upgrade.config.validator.extensionsMuseum.enabled=true", sets);
        Assert.Contains("--wait", upgrade.Arguments());
        Assert.Equal(new[] { Path.GetFullPath(h.ValuesPath) }, upgrade.ValuesFiles);

        // journal: every step succeeded, backup path recorded
        var journal = await h.JournalAsync();
        Assert.NotNull(journal);
        Assert.Equal(result.Steps.Select(s => s.Name), journal!.Steps.Select(s => s.Name));
        Assert.All(journal.Steps, s => Assert.Equal(JournalStatus.Succeeded, s.Status));
        Assert.Equal(Path.GetFullPath(h.BackupPath), journal.BackupPath);
        Assert.True(File.Exists(Path.Combine(h.BackupPath, "manifest.json")));
        Assert.True(File.Exists(Path.Combine(h.BackupPath, "backup-cc.yaml")));

        // Information records tagged per step start and end; progress step n of N
        Assert.Equal(20, h.Log.Records.Count(r => r.Stream == "Information" && r.Message.StartsWith("Step ")));
        Assert.Contains(h.Log.Records, r => r.Stream == "Progress" && r.Message.Contains("Step 9 of 10: HelmUpgrade"));
    }

    [Fact]
    public async Task With_helm_4_the_prepare_render_comes_after_the_charts_new_CRDs_and_uses_is_upgrade()
    {
        using var h = new UpgradeHarness();
        h.Helm.MajorVersion = 4;
        Assert.Null(h.Api.Find(ResourceKind.CustomResourceDefinitions, null, "users.iam.kubesphere.io"));

        // -WhatIf: the plan names the CRD it would add first, and nothing is rendered or changed
        h.Log.Approve = false;
        var preview = await h.RunAsync();
        var prepare = preview.Steps.Single(s => s.Name == "PrepareJob");
        Assert.Equal(KsUpgradeStepStatus.WhatIf, prepare.Status);
        Assert.Contains("CustomResourceDefinition users.iam.kubesphere.io before rendering", prepare.Detail);
        Assert.Contains("--is-upgrade", prepare.Detail);
        // the render proof rendered (client-side: User v1beta1 is not served yet), nothing server-side, nothing changed
        Assert.NotEmpty(h.Helm.Templates);
        Assert.All(h.Helm.Templates.Concat(h.Helm.ReleaseRenders), t => Assert.False(t.DryRunServer));
        Assert.Empty(h.Api.Mutations);

        // the real run: the CRD is served when helm renders, and the upgrade completes
        h.Log.Approve = true;
        var result = await h.RunAsync();
        Assert.True(result.Succeeded, string.Join("\n", result.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}")));
        var last = h.Helm.Templates.Last();
        Assert.True(last.IsUpgrade);
        Assert.True(last.DryRunServer);
        Assert.True(h.Helm.CrdPresentAtTemplate.Last()); // the step's server-side render came after the CRD was applied
    }

    [Fact]
    public async Task With_helm_3_the_prepare_render_is_upgrade_shs()
    {
        using var h = new UpgradeHarness();
        var result = await h.RunAsync();
        Assert.True(result.Succeeded);
        Assert.All(h.Helm.Templates, t => Assert.False(t.IsUpgrade));
        Assert.All(h.Helm.Templates, t => Assert.True(t.DryRunServer)); // helm 3: the proof renders exactly as the step does
        Assert.Equal(new[] { false, false }, h.Helm.CrdPresentAtTemplate); // CRDs come after the prepare phase, as upgrade.sh orders it
    }

    [Fact]
    public async Task WhatIf_changes_nothing_and_lists_every_step_with_its_objects()
    {
        using var h = new UpgradeHarness();
        h.Log.Approve = false;
        var before = h.Api.Versions();
        var result = await h.RunAsync();

        Assert.Equal(before, h.Api.Versions());
        Assert.Empty(h.Api.Mutations);
        Assert.Empty(h.Helm.Upgrades);
        Assert.False(Directory.Exists(h.BackupPath));
        Assert.Null(await h.JournalAsync());
        Assert.False(result.Succeeded);
        var byName = result.Steps.ToDictionary(s => s.Name);
        foreach (var name in new[] { "Backup", "StopInstaller", "EtcdEndpoints", "RemoveOldRedis", "PrepareJob", "ApplyCrds", "HelmUpgrade" })
            Assert.Equal(KsUpgradeStepStatus.WhatIf, byName[name].Status);
        Assert.Contains("from 1 to 0", byName["StopInstaller"].Detail);
        Assert.Contains("'localhost' -> '10.0.0.1,10.0.0.2'", byName["EtcdEndpoints"].Detail);
        Assert.Contains("Delete Deployment kubesphere-system/redis", byName["RemoveOldRedis"].Detail);
        Assert.DoesNotContain("Service kubesphere-system/redis ", byName["RemoveOldRedis"].Detail + " ");
        Assert.Contains("Apply (server-side) Job kubesphere-system/prepare-upgrade", byName["PrepareJob"].Detail);
        Assert.Contains("--dry-run=server", byName["PrepareJob"].Detail);
        Assert.Contains("CustomResourceDefinition users.iam.kubesphere.io", byName["ApplyCrds"].Detail);
        Assert.Contains("helm upgrade ks-core", byName["HelmUpgrade"].Detail);
        Assert.Contains("--set ksExtensionRepository.image.tag=v1.1.5", byName["HelmUpgrade"].Detail);
        // ShouldProcess asked once per mutating step, with the plan
        Assert.Equal(7, h.Log.Asked.Count);
        Assert.Contains(h.Log.Asked, a => a.Action.Contains("Scale Deployment kubesphere-system/ks-installer from 1 to 0 replicas"));
    }

    [Fact]
    public async Task Member_upgrade_sets_member_role_and_disables_the_museum_validator()
    {
        using var h = new UpgradeHarness(role: "member");
        var result = await h.RunAsync(h.Parameters(KsClusterRole.Member));
        Assert.True(result.Succeeded);
        var sets = h.Helm.Upgrades.Single().Sets.Select(s => s.ToString()).ToList();
        Assert.Contains("multicluster.role=member", sets);
        Assert.Contains("upgrade.config.validator.extensionsMuseum.enabled=false", sets);
    }

    [Fact]
    public async Task Wrong_role_is_refused_before_any_change()
    {
        using var h = new UpgradeHarness(role: "host");
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync(h.Parameters(KsClusterRole.Member)));
        Assert.Equal(ErrorIds.RoleMismatch, e.ErrorId);
        Assert.Empty(h.Api.Mutations);
        Assert.False(Directory.Exists(h.BackupPath));
    }

    [Fact]
    public async Task Member_with_a_host_still_on_v3_is_refused()
    {
        using var h = new UpgradeHarness(role: "member");
        var host = Scenario.Ks34("host");
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync(h.Parameters(KsClusterRole.Member), host));
        Assert.Equal(ErrorIds.HostNotUpgraded, e.ErrorId);
        Assert.Empty(h.Api.Mutations);

        Scenario.AddRelease(host, "ks-core", 2, "deployed", "v4.1.3", "1.1.5", "");
        var result = await h.RunAsync(h.Parameters(KsClusterRole.Member), host);
        Assert.True(result.Succeeded);
        Assert.Contains("host fake on v4.1.3", result.Steps[0].Detail);
    }

    [Fact]
    public async Task Pending_release_stops_with_the_remedy()
    {
        using var h = new UpgradeHarness();
        Scenario.AddRelease(h.Api, "ks-core", 2, "pending-upgrade", "v4.1.3", "1.1.5", "");
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        Assert.Equal(ErrorIds.ReleasePending, e.ErrorId);
        Assert.Contains("sh.helm.release.v1.ks-core.v2", e.Remedy);
        Assert.Empty(h.Api.Mutations);
        var result = (KsUpgradeResult)Assert.Single(h.Log.Outputs);
        Assert.Equal(KsUpgradeStepStatus.Failed, result.Steps[0].Status);
        Assert.All(result.Steps.Skip(1), s => Assert.Equal(KsUpgradeStepStatus.Pending, s.Status));
    }

    [Fact]
    public async Task Failed_preflight_stops_before_any_change()
    {
        // waiving a failed check by name (-IgnoreCheck): CheckWaiverTests
        using var h = new UpgradeHarness();
        h.Checks.Preflight = new CheckOutcome(true, new[] { "NodesReady: node-2 NotReady" });
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        Assert.Equal(ErrorIds.PreflightFailed, e.ErrorId);
        Assert.Contains("node-2 NotReady", e.Message);
        Assert.Empty(h.Api.Mutations);
    }

    [Fact]
    public async Task Failed_prepare_job_stops_with_its_log_and_a_rerun_resumes_without_retaking_the_backup()
    {
        using var h = new UpgradeHarness();
        h.Api.OnApplied = (kind, obj) =>
        {
            if (kind.Kind == "Job") Scenario.CompleteJob(h.Api, obj.Name(), "line one\nE1125 core.go: failed to scale down deployments", failed: true);
        };
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        Assert.Equal(ErrorIds.PrepareJobFailed, e.ErrorId);
        Assert.Contains("failed to scale down deployments", e.Message);
        var journal = await h.JournalAsync();
        Assert.Equal(JournalStatus.Failed, journal!.Step("PrepareJob")!.Status);
        Assert.True(journal.IsDone("Backup"));
        Assert.Null(journal.Step("HelmUpgrade"));
        var backupManifest = File.ReadAllText(Path.Combine(h.BackupPath, "manifest.json"));

        // fix the cause; same parameters: resume (no -Resume needed)
        h.Api.OnApplied = (kind, obj) => { if (kind.Kind == "Job") Scenario.CompleteJob(h.Api, obj.Name(), "prepare done"); };
        var result = await h.RunAsync();
        Assert.True(result.Succeeded);
        var byName = result.Steps.ToDictionary(s => s.Name);
        foreach (var done in new[] { "Preflight", "Backup", "StopInstaller", "EtcdEndpoints", "RemoveOldRedis", "RedisFlags" })
        {
            Assert.Equal(KsUpgradeStepStatus.Skipped, byName[done].Status);
            Assert.StartsWith("done by an earlier run", byName[done].Detail);
        }
        Assert.Equal(KsUpgradeStepStatus.Succeeded, byName["PrepareJob"].Status);
        Assert.Equal(backupManifest, File.ReadAllText(Path.Combine(h.BackupPath, "manifest.json")));
        Assert.Equal(1, h.Checks.PreflightRuns);
        // redis flag survived the resume through the journal
        Assert.Contains("ha.enabled=true", h.Helm.Upgrades.Single().Sets.Select(s => s.ToString()));
        Assert.All((await h.JournalAsync())!.Steps, s => Assert.Equal(JournalStatus.Succeeded, s.Status));
    }

    [Fact]
    public async Task Prepare_job_that_skipped_its_phase_is_not_success()
    {
        using var h = new UpgradeHarness(prepareLog: "I1125 validator.go:41] [Validator] ksVersion: skipping because of failed validators");
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        Assert.Equal(ErrorIds.UpgradePhaseSkipped, e.ErrorId);
        Assert.Contains("[Validator]", e.Message);
        Assert.Empty(h.Helm.Upgrades);
    }

    [Fact]
    public async Task Post_upgrade_hook_that_skipped_its_phase_is_reported()
    {
        using var h = new UpgradeHarness();
        h.Helm.PostHookLog = "[Validator] extensionsMuseum: skipping because of failed validators";
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        Assert.Equal(ErrorIds.UpgradePhaseSkipped, e.ErrorId);
        Assert.Contains("ks-core-post-upgrade", e.Message);
    }

    [Fact]
    public async Task Helm_failure_becomes_HelmUpgradeFailed_and_is_journaled()
    {
        using var h = new UpgradeHarness();
        h.Helm.UpgradeFailure = new KsUpgradeException(ErrorIds.HelmFailed, KsErrorCategory.FromStdErr, "Error: UPGRADE FAILED: invalid ownership metadata");
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        Assert.Equal(ErrorIds.HelmUpgradeFailed, e.ErrorId);
        Assert.Contains("invalid ownership metadata", e.Message);
        Assert.Equal(JournalStatus.Failed, (await h.JournalAsync())!.Step("HelmUpgrade")!.Status);
    }

    [Fact]
    public async Task Different_parameters_after_a_failure_are_refused_naming_the_difference()
    {
        using var h = new UpgradeHarness();
        h.Helm.UpgradeFailure = new KsUpgradeException(ErrorIds.HelmUpgradeFailed, KsErrorCategory.FromStdErr, "boom");
        await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        var mutations = h.Api.Mutations.Count;
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync(h.Parameters() with { Tag = "v4.1.2" }));
        Assert.Equal(ErrorIds.JournalMismatch, e.ErrorId);
        Assert.Contains("Tag was 'v4.1.3', now 'v4.1.2'", e.Message);
        Assert.Contains("UpgradeImageTag was 'v4.1.3', now 'v4.1.2'", e.Message);
        Assert.Equal(mutations, h.Api.Mutations.Count);
    }

    [Fact]
    public async Task Cancellation_stops_the_current_call_and_the_journal_says_where()
    {
        using var h = new UpgradeHarness();
        h.Helm.HangUntilCancelled = true;
        using var cts = new CancellationTokenSource();
        var run = h.RunAsync(ct: cts.Token);
        while (h.Helm.Upgrades.Count == 0) await Task.Delay(10);
        cts.Cancel();
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => run);
        Assert.Equal(ErrorIds.Stopped, e.ErrorId);
        var journal = await h.JournalAsync();
        Assert.Equal(JournalStatus.Stopped, journal!.Step("HelmUpgrade")!.Status);
        Assert.DoesNotContain(journal.Steps, s => s.Status == JournalStatus.Running);
    }

    [Fact]
    public async Task Killed_between_steps_resumes_and_ends_like_a_clean_run()
    {
        using var h = new UpgradeHarness();
        // a run that died after EtcdEndpoints started (journal says running) and before RemoveOldRedis
        h.Helm.UpgradeFailure = new KsUpgradeException(ErrorIds.HelmUpgradeFailed, KsErrorCategory.FromStdErr, "boom");
        h.Api.Fault = call => call.StartsWith("LIST secrets kubesphere-system") && call.Contains("continue=") && h.Api.Mutations.Any(m => m.Contains("clusterconfigurations")) && !h.Api.Mutations.Any(m => m.StartsWith("DELETE"))
            ? new OperationCanceledException("process killed") : null;
        await Assert.ThrowsAnyAsync<Exception>(() => h.RunAsync());
        Assert.NotNull(h.Api.Find(ResourceKind.Deployments, Ns, "redis"));
        h.Api.Fault = null;
        h.Helm.UpgradeFailure = null;
        var result = await h.RunAsync();
        Assert.True(result.Succeeded, string.Join("\n", result.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}")));
        Assert.Null(h.Api.Find(ResourceKind.Deployments, Ns, "redis"));
        Assert.Equal("10.0.0.1,10.0.0.2", h.Api.Find(ResourceKind.ClusterConfigurations, Ns, "ks-installer").Str("spec", "etcd", "endpointIps"));
        Assert.Equal(KsUpgradeStepStatus.Skipped, result.Steps.Single(s => s.Name == "Backup").Status);
    }

    [Fact]
    public async Task Chart_1_1_4_gets_a_warning()
    {
        using var h = new UpgradeHarness();
        h.Chart.Version = "1.1.4";
        await h.RunAsync();
        Assert.Contains(h.Log.Records, r => r.Stream == "Warning" && r.Message.Contains("1.1.4"));
    }

    [Fact]
    public async Task Existing_non_empty_backup_directory_is_refused_before_any_change()
    {
        using var h = new UpgradeHarness();
        Directory.CreateDirectory(h.BackupPath);
        File.WriteAllText(Path.Combine(h.BackupPath, "x"), "x");
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        Assert.Equal(ErrorIds.BackupPathNotEmpty, e.ErrorId);
        Assert.Empty(h.Api.Mutations);
    }

    [Fact]
    public async Task Post_check_failure_fails_the_run_after_the_upgrade()
    {
        using var h = new UpgradeHarness();
        h.Checks.Post = new CheckOutcome(true, new[] { "PodsHealthy: ks-apiserver CrashLoopBackOff" });
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync(h.Parameters() with { SettleTimeout = TimeSpan.FromMilliseconds(300) }));
        Assert.Equal(ErrorIds.PostCheckFailed, e.ErrorId);
        Assert.True(h.Checks.PostRuns > 1, "the post-check is repeated while the cluster settles");
        Assert.Contains("-SettleTimeout", e.Remedy);
        var result = (KsUpgradeResult)h.Log.Outputs.Single();
        Assert.Equal("v4.1.3", result.ToVersion);
        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task A_resumed_run_marks_the_revision_its_own_killed_helm_upgrade_left_pending_failed_and_upgrades_again()
    {
        using var h = new UpgradeHarness();
        h.Helm.UpgradeFailure = new KsUpgradeException(ErrorIds.HelmUpgradeFailed, KsErrorCategory.FromStdErr, "killed");
        await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        // what a killed helm leaves: the next revision (of the chart this upgrade installs) pending-upgrade
        Scenario.AddRelease(h.Api, "ks-core", 2, "pending-upgrade", "v4.1.3", "1.1.5", "");
        h.Helm.UpgradeFailure = null;
        h.Log.Outputs.Clear();
        var result = await h.RunAsync();
        Assert.True(result.Succeeded);
        Assert.Equal(2, h.Helm.Upgrades.Count);
        var marked = await HelmReleaseReader.HistoryAsync(h.Api, Ns, "ks-core", CancellationToken.None);
        Assert.Equal(new[] { (1, "deployed"), (2, "failed"), (3, "deployed") }, marked.Select(r => (r.Revision, r.Status)));
        Assert.Equal("failed", h.Api.Find(ResourceKind.Secrets, Ns, "sh.helm.release.v1.ks-core.v2")!.Label("status"));
        Assert.Contains(h.Log.Records, r => r.Stream == "Warning" && r.Message.Contains("revision 2 was left pending-upgrade"));
        var journal = (await UpgradeJournal.ReadAsync(h.Api, CancellationToken.None))!.State;
        Assert.Equal("2", journal.Facts["helmInterruptedRevisionMarkedFailed"]);
        Assert.Contains("interrupted revision 2 marked failed", journal.Step("HelmUpgrade")!.Detail);
    }

    [Fact]
    public async Task A_resumed_run_still_stops_on_a_pending_revision_it_cannot_prove_its_own()
    {
        using var h = new UpgradeHarness();
        h.Helm.UpgradeFailure = new KsUpgradeException(ErrorIds.HelmUpgradeFailed, KsErrorCategory.FromStdErr, "killed");
        await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        // the pending revision carries another chart: someone else's helm operation, left alone
        Scenario.AddRelease(h.Api, "ks-core", 2, "pending-upgrade", "v4.1.2", "1.1.4", "");
        h.Helm.UpgradeFailure = null;
        h.Log.Outputs.Clear();
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        Assert.Equal(ErrorIds.ReleasePending, e.ErrorId);
        Assert.Contains("delete secret sh.helm.release.v1.ks-core.v2", e.Remedy);
        Assert.Single(h.Helm.Upgrades);
        Assert.Equal("pending-upgrade", h.Api.Find(ResourceKind.Secrets, Ns, "sh.helm.release.v1.ks-core.v2")!.Label("status"));
        var result = (KsUpgradeResult)h.Log.Outputs.Single();
        Assert.Equal(KsUpgradeStepStatus.Skipped, result.Steps[0].Status);
        Assert.Equal(KsUpgradeStepStatus.Failed, result.Steps.Single(s => s.Name == "HelmUpgrade").Status);
    }

    [Fact]
    public async Task A_completed_upgrade_rerun_skips_everything()
    {
        using var h = new UpgradeHarness();
        await h.RunAsync();
        var mutations = h.Api.Mutations.Count;
        var again = await h.RunAsync();
        Assert.True(again.Succeeded);
        Assert.All(again.Steps, s => Assert.Equal(KsUpgradeStepStatus.Skipped, s.Status));
        Assert.Equal("v4.1.3", again.ToVersion);
        Assert.Equal(2, again.HelmRevision);
        Assert.Equal(mutations, h.Api.Mutations.Count);
    }

    /// <summary>A log whose ShouldProcess never answers for one step: the process "dies" there (the run is abandoned).</summary>
    private sealed class DyingLog : KsUpgrade.Engine.Diagnostics.IEngineLog
    {
        private readonly string _step;
        public DyingLog(string step) => _step = step;
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public void Verbose(string message) { }
        public void Debug(string message) { }
        public void Warning(string message) { }
        public void Information(string message, params string[] tags) { }
        public void Progress(int activityId, string activity, string status, int percent = -1, bool completed = false, int parentId = -1) { }
        public void Output(object result) { }
        public Task<bool> ShouldProcessAsync(string target, string action)
        {
            if (!action.StartsWith(_step + ":")) return Task.FromResult(true);
            Reached.TrySetResult();
            return new TaskCompletionSource<bool>().Task; // never completes
        }
    }

    private static SortedSet<string> State(FakeKubeApi api) =>
        new(api.Versions().Keys.Where(k => !k.Contains("ks-upgrade-journal")), StringComparer.Ordinal);

    [Fact]
    public async Task Process_killed_between_steps_4_and_5_resumes_to_the_same_final_state_as_a_clean_run()
    {
        using var clean = new UpgradeHarness();
        Assert.True((await clean.RunAsync()).Succeeded);

        using var h = new UpgradeHarness();
        var dying = new DyingLog("RemoveOldRedis");
        var abandoned = new ClusterUpgrade(h.Api, h.Parameters(), h.Helm, h.Checks, dying, h.Chart) { PollInterval = TimeSpan.FromMilliseconds(10) }.RunAsync(CancellationToken.None);
        await dying.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(abandoned.IsCompleted);
        var journal = await h.JournalAsync();
        Assert.True(journal!.IsDone("EtcdEndpoints"));
        Assert.Null(journal.Step("RemoveOldRedis"));
        Assert.NotNull(h.Api.Find(ResourceKind.Deployments, Ns, "redis"));

        var result = await h.RunAsync(); // a new process, same parameters
        Assert.True(result.Succeeded);
        Assert.Equal(new[] { "Skipped", "Skipped", "Skipped", "Skipped", "Succeeded", "Succeeded", "Succeeded", "Succeeded", "Succeeded", "Succeeded" },
            result.Steps.Select(s => s.Status.ToString()));
        Assert.Equal(State(clean.Api), State(h.Api));
        Assert.Equal(
            Directory.GetFiles(clean.BackupPath).Select(Path.GetFileName).OrderBy(n => n),
            Directory.GetFiles(h.BackupPath).Select(Path.GetFileName).OrderBy(n => n));
    }

    [Fact]
    public async Task A_backup_completed_but_not_recorded_is_kept_not_retaken()
    {
        using var h = new UpgradeHarness();
        h.Helm.UpgradeFailure = new KsUpgradeException(ErrorIds.HelmUpgradeFailed, KsErrorCategory.FromStdErr, "boom");
        await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        // as if the process died right after the backup directory was complete, before the journal said so
        var journal = (await UpgradeJournal.ReadAsync(h.Api, CancellationToken.None))!;
        await journal.UpdateAsync(s => { s.Steps.RemoveAll(x => x.Name != "Preflight" && x.Name != "Backup"); s.Step("Backup")!.Status = JournalStatus.Running; }, CancellationToken.None);
        var manifest = File.ReadAllText(Path.Combine(h.BackupPath, "manifest.json"));
        h.Helm.UpgradeFailure = null;
        var result = await h.RunAsync();
        Assert.True(result.Succeeded);
        var backup = result.Steps.Single(s => s.Name == "Backup");
        Assert.Equal(KsUpgradeStepStatus.Skipped, backup.Status);
        Assert.Contains("complete backup found", backup.Detail);
        Assert.Equal(manifest, File.ReadAllText(Path.Combine(h.BackupPath, "manifest.json")));
        Assert.True((await h.JournalAsync())!.IsDone("Backup"));
    }
}
