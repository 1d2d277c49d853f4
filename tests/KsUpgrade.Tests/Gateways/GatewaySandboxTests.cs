using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Tests.Members;
using KsUpgrade.Tests.Seeds;

namespace KsUpgrade.Tests.Gateways;

public class GatewaySandboxTests
{
    private static readonly string[] SeedGateways =
        { "kubesphere-router-demo-project", "kubesphere-router-kubesphere-system", "kubesphere-router-workspace-shop-ws" };

    private static GatewayUpgradeOptions Options(string chart) => new()
    {
        Chart = chart,
        HelmPath = HelmTool.Path,
        ImageRegistry = "registry.example.local",
        Tag = "v4.1.3",
        PollInterval = TimeSpan.FromMilliseconds(100),
        JobTimeout = TimeSpan.FromSeconds(30),
        VerifyTimeout = TimeSpan.FromSeconds(20),
    };

    [Fact]
    public async Task Lists_the_seed_gateways_merged_without_ingress_duplicates()
    {
        await using var s = await SandboxSession.StartAsync(GatewaySeed.Host(), "host");
        var log = new RecordingEngineLog();

        var all = await GatewayCatalog.ListAsync(s.Cluster, null, log, CancellationToken.None);

        Assert.Equal(SeedGateways, all.Select(g => g.Name));
        Assert.Equal(new[] { KsGatewayScope.Project, KsGatewayScope.Cluster, KsGatewayScope.Workspace }, all.Select(g => g.Scope));
        Assert.Equal(new[] { "demo-project", "kubesphere-system", "shop-ws" }, all.Select(g => g.Namespace));
        Assert.All(all, g =>
        {
            Assert.Equal(new[] { g.Name, g.Name + "-ingress" }, g.Releases.Select(r => r.Name));
            Assert.Equal("deployed", g.Status);
            Assert.False(g.Upgraded);
        });
        var some = await GatewayCatalog.ListAsync(s.Cluster, "*workspace*", log, CancellationToken.None);
        Assert.Equal("kubesphere-router-workspace-shop-ws", Assert.Single(some).Name);
    }

    [Fact]
    public async Task Unknown_gateway_names_the_known_ones()
    {
        await using var s = await SandboxSession.StartAsync(GatewaySeed.Host(), "host");
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() =>
            GatewayUpgrade.UpdateOneAsync(s.Cluster, "kubesphere-router-nope", Options("/unused"), new RecordingEngineLog(), CancellationToken.None));
        Assert.Equal(ErrorIds.GatewayNotFound, e.ErrorId);
        Assert.All(SeedGateways, g => Assert.Contains(g, e.Message));
    }

    [Fact]
    public async Task Pending_release_stops_the_gateway_with_the_rollback_revision()
    {
        var seeds = GatewaySeed.Host();
        // -ingress history: v1 superseded, v2 deployed, v3 failed, v4 pending-upgrade  => roll back to 2.
        GatewaySeed.AddRevisions(seeds[0], "kubesphere-router-demo-project-ingress", "deployed", "failed", "pending-upgrade");
        var job = new SimulatedGatewayJob();
        await using var s = await SandboxSession.StartAsync(seeds, "host", job);
        var log = new RecordingEngineLog();

        var gw = (await GatewayCatalog.ListAsync(s.Cluster, "kubesphere-router-demo-project", log, CancellationToken.None)).Single();
        Assert.Equal("pending-upgrade", gw.Status);
        var result = await GatewayUpgrade.UpdateOneAsync(s.Cluster, gw.Name, Options("/unused"), log, CancellationToken.None);

        Assert.Equal(KsGatewayUpgradeOutcome.ReleasePending, result.Outcome);
        Assert.False(result.Succeeded);
        Assert.Equal("kubesphere-router-demo-project-ingress", result.PendingRelease);
        Assert.Equal(2, result.RollbackRevision);
        Assert.Contains("helm rollback kubesphere-router-demo-project-ingress 2 -n kubesphere-controls-system", result.Detail);
        Assert.Empty(log.Asked);
        Assert.Empty(job.Runs);
        Assert.Null(s.View.Get("batch/v1", "jobs", "kubesphere-system", "dynamic-upgrade"));
    }

    [Fact]
    public async Task Requires_the_upgrade_pvc_and_a_v4_cluster()
    {
        await using (var s = await SandboxSession.StartAsync(GatewaySeed.Host(pvc: false), "host"))
        {
            var e = await Assert.ThrowsAsync<KsUpgradeException>(() =>
                GatewayUpgrade.UpdateOneAsync(s.Cluster, SeedGateways[0], Options("/unused"), new RecordingEngineLog(), CancellationToken.None));
            Assert.Equal(ErrorIds.UpgradePvcMissing, e.ErrorId);
        }
        await using (var s = await SandboxSession.StartAsync(GatewaySeed.Host(hostUpgraded: false), "host"))
        {
            var e = await Assert.ThrowsAsync<KsUpgradeException>(() =>
                GatewayUpgrade.UpdateOneAsync(s.Cluster, SeedGateways[0], Options("/unused"), new RecordingEngineLog(), CancellationToken.None));
            Assert.Equal(ErrorIds.ClusterNotUpgraded, e.ErrorId);
            Assert.Contains("v3.3.2", e.Message);
        }
    }

    [HelmFact]
    public async Task Updates_one_gateway_with_the_rendered_job_and_reports_new_ingresses()
    {
        var chart = FixtureChart.KsCore;
        var job = new SimulatedGatewayJob();
        await using var s = await SandboxSession.StartAsync(GatewaySeed.Host(), "host", job);
        var log = new RecordingEngineLog();

        var result = await GatewayUpgrade.UpdateOneAsync(s.Cluster, "kubesphere-router-demo-project", Options(chart), log, CancellationToken.None);

        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(KsGatewayUpgradeOutcome.Upgraded, result.Outcome);
        Assert.Equal(new[] { "kubesphere-router-demo-project" }, job.Runs);
        Assert.Equal("registry.example.local/kubesphere/ks-upgrade:v4.1.3", Assert.Single(job.Images));
        Assert.Equal(new[] { "demo-project/productpage" }, result.NewIngresses);
        Assert.True(result.Gateway.Upgraded);
        Assert.Equal("4.12.1", result.Gateway.ChartVersion);
        Assert.Contains(log.Records, r => r.Stream == "Warning" && r.Message.Contains("traffic"));
        Assert.Contains(log.Records, r => r.Stream == "Verbose" && r.Message.Contains("gateway upgrade done"));
        Assert.Single(log.Asked);
        var cm = s.View.Get("v1", "configmaps", "kubesphere-system", "ks-upgrade-dynamic-config");
        Assert.Contains("gatewayName: kubesphere-router-demo-project", cm.Str("data", "config-patch.yaml"));

        // Running it again: the -ingress release is gone and the v2alpha1 Gateway exists -> skipped, no second job.
        var again = await GatewayUpgrade.UpdateOneAsync(s.Cluster, "kubesphere-router-demo-project", Options(chart), log, CancellationToken.None);
        Assert.Equal(KsGatewayUpgradeOutcome.AlreadyUpgraded, again.Outcome);
        Assert.True(again.Succeeded);
        Assert.Single(job.Runs);
    }

    [HelmFact]
    public async Task Updates_all_gateways_one_after_another()
    {
        var chart = FixtureChart.KsCore;
        var job = new SimulatedGatewayJob();
        // a namespace named after the workspace gateway (workspace-shop-ws) lets ks-upgrade's project lookup succeed
        var seeds = GatewaySeed.Host();
        seeds[0].Objects.Add(K8s.Object("v1", "Namespace", "workspace-shop-ws"));
        await using var s = await SandboxSession.StartAsync(seeds, "host", job);
        var log = new RecordingEngineLog();

        // -RepointIngressClass: the Ingresses the cluster gateway's job gives the hard-coded kubesphere-router-cluster (those
        // the narrower gateways left without a class) point at the cluster gateway's IngressClass once it is verified
        var results = await GatewayUpgrade.UpdateAsync(s.Cluster, SeedGateways, Options(chart) with { RepointIngressClass = true }, log, CancellationToken.None);

        var order = new[] { "kubesphere-router-demo-project", "kubesphere-router-workspace-shop-ws", "kubesphere-router-kubesphere-system" };
        Assert.Equal(order, results.Select(r => r.Gateway.Name));
        Assert.All(results, r => Assert.Equal(KsGatewayUpgradeOutcome.Upgraded, r.Outcome));
        Assert.All(results, r => Assert.Null(r.ErrorId));
        var repointed = new[] { "demo-staging/staging", "shop-frontend/frontend" };
        Assert.Equal(repointed, results[2].RepointedIngresses);
        Assert.Empty(results[2].UnservedIngresses);
        Assert.Equal(repointed, results[2].NewIngresses);
        foreach (var i in repointed)
            Assert.Equal("kubesphere-router-kubesphere-system", s.View.Get("networking.k8s.io/v1", "ingresses", i.Split('/')[0], i.Split('/')[1])!["spec"]!["ingressClassName"]!.GetValue<string>());
        Assert.Empty(results[0].RepointedIngresses); // the project gateway's class exists: nothing to repoint
        Assert.Contains(log.Asked, a => a.Target.Contains("kubesphere-router-kubesphere-system") && a.Action.Contains("-RepointIngressClass"));
        Assert.DoesNotContain(log.Records, r => r.Stream == "Warning" && r.Message.Contains("names no IngressClass"));
        Assert.Equal(order, job.Runs);
        Assert.Equal(1, job.MaxConcurrent);
        Assert.Equal(3, log.Outputs.Count);
        // Each job is created only after the previous one (if any: the first delete finds none) was deleted: creates
        // and deletes alternate.
        var jobWrites = s.Recorder.Snapshot().Where(r => r.Path.Contains("/jobs") && r.Method is "POST" or "DELETE").Select(r => r.Method).ToList();
        Assert.Equal(new[] { "DELETE", "POST", "DELETE", "POST", "DELETE", "POST" }, jobWrites);
        var listed = await GatewayCatalog.ListAsync(s.Cluster, null, log, CancellationToken.None);
        Assert.All(listed, g => Assert.True(g.Upgraded));
    }

    /// <summary>
    /// One gateway upgrade reads the IngressClasses once per verification: once when the gateway is verified (the repoint's
    /// candidates and the served/unserved split share that set), and, when it repoints, once more after the patches (what
    /// the cluster shows then). Counted from the requests the sandbox saw.
    /// </summary>
    [HelmFact]
    public async Task One_gateway_upgrade_lists_the_IngressClasses_once_per_verification()
    {
        var job = new SimulatedGatewayJob();
        var seeds = GatewaySeed.Host();
        seeds[0].Objects.Add(K8s.Object("v1", "Namespace", "workspace-shop-ws"));
        await using var s = await SandboxSession.StartAsync(seeds, "host", job);
        var log = new RecordingEngineLog();
        int Lists() => s.Recorder.Snapshot().Count(r => r.Method == "GET" && r.Path.EndsWith("/ingressclasses", StringComparison.Ordinal));
        var options = Options(FixtureChart.KsCore) with { RepointIngressClass = true };
        var counts = new List<(string Gateway, int Lists, int Repointed)>();
        foreach (var name in new[] { "kubesphere-router-demo-project", "kubesphere-router-workspace-shop-ws", "kubesphere-router-kubesphere-system" })
        {
            var before = Lists();
            var result = await GatewayUpgrade.UpdateOneAsync(s.Cluster, name, options, log, CancellationToken.None);
            Assert.Equal(KsGatewayUpgradeOutcome.Upgraded, result.Outcome);
            counts.Add((name, Lists() - before, result.RepointedIngresses.Count));
        }
        var text = string.Join("; ", counts);
        Assert.True(counts[2].Repointed > 0, text); // the cluster gateway repoints: two verifications
        Assert.Equal(new[] { 1, 1, 2 }, counts.Select(c => c.Lists));
    }

    [HelmFact]
    public async Task A_failing_job_stops_the_run_with_its_log()
    {
        var chart = FixtureChart.KsCore;
        var job = new SimulatedGatewayJob();
        await using var s = await SandboxSession.StartAsync(GatewaySeed.Host(), "host", job);
        s.Host.FailJob("dynamic-upgrade");
        var log = new RecordingEngineLog();

        var results = await GatewayUpgrade.UpdateAsync(s.Cluster, SeedGateways, Options(chart), log, CancellationToken.None);

        Assert.Equal(KsGatewayUpgradeOutcome.Failed, results[0].Outcome);
        Assert.Equal(ErrorIds.GatewayUpgradeFailed, results[0].ErrorId);
        Assert.Contains(results[0].JobLog, l => l.Contains("simulated failure"));
        Assert.Contains("simulated failure", results[0].Detail);
        // the workspace gateway does not wait for the project gateway (it is refused on its own grounds); the cluster
        // gateway waits for both, and says so
        Assert.Equal(ErrorIds.GatewayWorkspaceUnsupported, results[1].ErrorId);
        Assert.Equal(KsGatewayUpgradeOutcome.NotRun, results[2].Outcome);
        Assert.Contains("kubesphere-router-demo-project", results[2].Detail);
        Assert.Null(results[2].ErrorId);
        Assert.Single(log.Asked);
    }

    [HelmFact]
    public async Task A_job_that_logs_a_skipped_phase_is_a_failure()
    {
        var chart = FixtureChart.KsCore;
        var job = new SimulatedGatewayJob { SkipPhase = true };
        await using var s = await SandboxSession.StartAsync(GatewaySeed.Host(), "host", job);
        var log = new RecordingEngineLog();

        var result = await GatewayUpgrade.UpdateOneAsync(s.Cluster, SeedGateways[0], Options(chart), log, CancellationToken.None);

        Assert.Equal(KsGatewayUpgradeOutcome.Failed, result.Outcome);
        Assert.Equal(ErrorIds.UpgradePhaseSkipped, result.ErrorId);
        Assert.Contains("skipped the phase", result.Detail);
        Assert.False(result.Gateway.Upgraded);
    }

    [Fact]
    public async Task WhatIf_runs_no_job()
    {
        var job = new SimulatedGatewayJob();
        await using var s = await SandboxSession.StartAsync(GatewaySeed.Host(), "host", job);
        var log = new RecordingEngineLog { Approve = false };
        var result = await GatewayUpgrade.UpdateOneAsync(s.Cluster, SeedGateways[0], Options("/unused"), log, CancellationToken.None);
        Assert.Equal(KsGatewayUpgradeOutcome.NotRun, result.Outcome);
        Assert.Single(log.Asked);
        Assert.DoesNotContain(s.Recorder.Snapshot(), r => r.Path.Contains("/jobs") && r.Method == "POST");
    }

    /// <summary>A log whose ShouldProcess answer is held until the test gives it (a prompt nobody has answered yet).</summary>
    private sealed class HeldAnswerLog(IEngineLog inner) : ForwardingEngineLog(inner)
    {
        public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource<bool> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<bool> ShouldProcessAsync(string target, string action)
        {
            Asked.TrySetResult();
            return await Answer.Task.ConfigureAwait(false);
        }
    }

    [Fact]
    public async Task An_unanswered_prompt_does_not_hold_the_cluster_from_another_upgrade()
    {
        // issue 17 §1: the per-cluster gate (one dynamic-upgrade job at a time) is never held across a prompt, so a
        // prompt left open in one runspace does not block Update-KsGateway in another
        await using var s = await SandboxSession.StartAsync(GatewaySeed.Host(), "host", new SimulatedGatewayJob());
        var options = Options("/unused-chart") with { Renderer = new FixedRenderer() };
        var held = new HeldAnswerLog(new RecordingEngineLog());
        var first = GatewayUpgrade.UpdateOneAsync(s.Cluster, SeedGateways[0], options, held, CancellationToken.None);
        Assert.Same(held.Asked.Task, await Task.WhenAny(held.Asked.Task, Task.Delay(TimeSpan.FromSeconds(60))));

        var declined = new RecordingEngineLog { Approve = false };
        var second = GatewayUpgrade.UpdateOneAsync(s.Cluster, SeedGateways[1], options, declined, CancellationToken.None);
        var finished = await Task.WhenAny(second, Task.Delay(TimeSpan.FromSeconds(60)));
        held.Answer.TrySetResult(false);
        Assert.Same(second, finished);
        Assert.Equal(KsGatewayUpgradeOutcome.NotRun, (await second).Outcome);
        Assert.Equal(KsGatewayUpgradeOutcome.NotRun, (await first).Outcome);
        Assert.DoesNotContain(s.Recorder.Snapshot(), r => r.Path.Contains("/jobs") && r.Method == "POST");
    }

    [Fact]
    public async Task Refuses_while_another_dynamic_upgrade_job_runs()
    {
        var seed = GatewaySeed.Host()[0];
        var slow = new KsUpgrade.Sandbox.Seeds.SeedCluster { Name = seed.Name, KubernetesVersion = seed.KubernetesVersion, Objects = seed.Objects, JobRunSeconds = 30 };
        await using var s = await SandboxSession.StartAsync(new[] { slow }, "host");
        s.View.Upsert(KsUpgrade.Tests.Seeds.KsUpgradeJobBehaviourTests.Job("dynamic-upgrade", "dynamic-upgrade", null, "ks-upgrade"));
        for (var i = 0; i < 100 && (s.View.Get("batch/v1", "jobs", "kubesphere-system", "dynamic-upgrade").Str("status", "active") ?? "0") == "0"; i++)
            await Task.Delay(50);
        Assert.Equal("1", s.View.Get("batch/v1", "jobs", "kubesphere-system", "dynamic-upgrade").Str("status", "active"));

        var options = Options("/unused-chart") with { Renderer = new FixedRenderer() };
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() =>
            GatewayUpgrade.UpdateOneAsync(s.Cluster, SeedGateways[0], options, new RecordingEngineLog(), CancellationToken.None));

        Assert.Equal(ErrorIds.GatewayJobBusy, e.ErrorId);
        Assert.NotNull(s.View.Get("batch/v1", "jobs", "kubesphere-system", "dynamic-upgrade"));
        Assert.DoesNotContain(s.Recorder.Snapshot(), r => r.Method == "DELETE" && r.Path.Contains("/jobs/"));
    }

    [Fact]
    public async Task A_job_that_does_not_complete_in_time_fails_the_gateway()
    {
        var seed = GatewaySeed.Host()[0];
        var slow = new KsUpgrade.Sandbox.Seeds.SeedCluster { Name = seed.Name, KubernetesVersion = seed.KubernetesVersion, Objects = seed.Objects, JobRunSeconds = 30 };
        await using var s = await SandboxSession.StartAsync(new[] { slow }, "host");
        var options = Options("/unused-chart") with { Renderer = new FixedRenderer(), JobTimeout = TimeSpan.FromSeconds(1) };

        var result = await GatewayUpgrade.UpdateOneAsync(s.Cluster, SeedGateways[0], options, new RecordingEngineLog(), CancellationToken.None);

        Assert.Equal(KsGatewayUpgradeOutcome.Failed, result.Outcome);
        Assert.Contains("did not complete within 1 s", result.Detail);
        // what the pod was doing when the time ran out (the one job runner's pod state), not only that it ran out
        Assert.Contains("pod dynamic-upgrade-", result.Detail);
        Assert.NotNull(s.View.Get("batch/v1", "jobs", "kubesphere-system", "dynamic-upgrade"));
    }

    [Fact]
    public async Task A_job_deleted_while_it_is_waited_for_fails_the_gateway_at_once_not_at_the_timeout()
    {
        var seed = GatewaySeed.Host()[0];
        var slow = new KsUpgrade.Sandbox.Seeds.SeedCluster { Name = seed.Name, KubernetesVersion = seed.KubernetesVersion, Objects = seed.Objects, JobRunSeconds = 60 };
        await using var s = await SandboxSession.StartAsync(new[] { slow }, "host");
        var options = Options("/unused-chart") with { Renderer = new FixedRenderer(), JobTimeout = TimeSpan.FromSeconds(90) };
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var run = GatewayUpgrade.UpdateOneAsync(s.Cluster, SeedGateways[0], options, new RecordingEngineLog(), CancellationToken.None);
        // another client deletes the job while it runs (nothing re-creates it)
        while (s.View.Get("batch/v1", "jobs", "kubesphere-system", "dynamic-upgrade") is null && !run.IsCompleted) await Task.Delay(50);
        await Task.Delay(500);
        Assert.True(s.View.Delete("batch/v1", "jobs", "kubesphere-system", "dynamic-upgrade"));
        var result = await run;

        Assert.Equal(KsGatewayUpgradeOutcome.Failed, result.Outcome);
        Assert.Equal(ErrorIds.GatewayUpgradeFailed, result.ErrorId);
        Assert.Contains("disappeared while it was waited for", result.Detail);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(45), $"waited {watch.Elapsed.TotalSeconds:0} s for a job that was gone");
    }

    /// <summary>A renderer that needs no helm (the job must never be applied in this test).</summary>
    private sealed class FixedRenderer : IDynamicJobRenderer
    {
        public Task<string> RenderAsync(DynamicJobRenderRequest request, CancellationToken ct) =>
            Task.FromResult("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: dynamic-upgrade\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: x\n        image: busybox\n");
    }
}
