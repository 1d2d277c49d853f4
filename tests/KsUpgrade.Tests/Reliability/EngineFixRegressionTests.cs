using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Engine.Members;
using KsUpgrade.Sandbox.Faults;
using KsUpgrade.Tests.Seeds;

namespace KsUpgrade.Tests.Reliability;

/// <summary>Regression tests for the engine fixes the member and gateway fault matrices led to.</summary>
public sealed class EngineFixRegressionTests
{
    [Fact]
    public void The_gateway_of_a_dynamic_job_is_read_from_its_config_patch()
    {
        Assert.Equal("kubesphere-router-demo-project", DynamicUpgradeJob.GatewayNameOf("""
            jobs:
              gateway:
                enabled: true
                dynamicOptions:
                  gatewayName: kubesphere-router-demo-project
            """));
        Assert.Null(DynamicUpgradeJob.GatewayNameOf("jobs: {core: {enabled: true}}"));
        Assert.Null(DynamicUpgradeJob.GatewayNameOf("jobs: [unclosed"));
        Assert.Null(DynamicUpgradeJob.GatewayNameOf(null));
    }

    // Before: a 500/429/dropped connection on the guarded patch ended Invoke-KsMemberUpgrade -HostCluster (ApiError) although
    // the member was upgraded; now it is retried like the upgrade's own calls.
    [HelmFact]
    public async Task The_taint_removal_retries_a_transient_failure_of_its_patch()
    {
        await using var sandbox = await UpgradeSandbox.StartAsync(await ReferenceState.MemberStartAsync());
        var host = await sandbox.ConnectHostAsync();
        var rule = sandbox.Host.AddFault(new FaultRule { Cluster = "host", Verb = "patch", Resource = "clusters", Name = "member1", Status = 500, Times = 2 });

        // member1 is still on 3.4 in this start state: -Force (the retry is what is tested)
        var member = await MemberClusters.RemoveTaintAsync(host, "member1", new TaintRemovalOptions { Force = true }, new RecordingEngineLog(), CancellationToken.None);

        Assert.False(member!.Tainted);
        Assert.DoesNotContain(sandbox.Host.Faults.Rules, r => r.Id == rule.Id); // both failures were met and retried
    }

    // Before: a 5xx on the CRD read escaped as a bare HttpOperationException.
    [HelmFact]
    public async Task A_persistent_failure_reading_the_cluster_crd_is_an_ApiError()
    {
        await using var sandbox = await UpgradeSandbox.StartAsync(await ReferenceState.MemberStartAsync());
        var host = await sandbox.ConnectHostAsync();
        sandbox.Host.AddFault(new FaultRule { Cluster = "host", Verb = "get", Resource = "customresourcedefinitions", Name = "clusters.cluster.kubesphere.io", Status = 500 });
        // the default retry: 4 attempts more, about 4.5 s
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => MemberClusters.RemoveTaintAsync(host, "member1", new TaintRemovalOptions { Force = true }, new RecordingEngineLog(), CancellationToken.None));
        Assert.Equal(ErrorIds.ApiError, e.ErrorId);
        Assert.Contains("clusters.cluster.kubesphere.io", e.Message);
    }

    // Before: a run stopped while job dynamic-upgrade ran left it running, and the next run refused with GatewayJobBusy.
    // Now the next run waits for that job when it upgrades the same gateway (the dynamic upgrade must not run twice),
    // and still refuses when the running job is another gateway's.
    [HelmFact]
    public async Task A_rerun_waits_for_the_unfinished_job_of_the_same_gateway_and_refuses_another_gateways()
    {
        // the stopped run's job must still be running when the other gateway is asked for: 15 s, not 3 (with four test
        // classes at once on 2 cores the 3-second job had finished before the request, and nothing was busy)
        await using var sandbox = await UpgradeSandbox.StartAsync((await ReferenceState.GatewayStartAsync()).WithJobRunSeconds(15));
        var cluster = await sandbox.ConnectHostAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var stop = new StopAfterStepLog((stream, m) => stream == "Verbose" && m.StartsWith("Created Job ", StringComparison.Ordinal), cts);
        var run1 = await sandbox.RunGatewayUpdateAsync(cluster, stop, cts.Token);
        Assert.Equal(ErrorIds.Stopped, Assert.IsType<KsUpgradeException>(run1.Error).ErrorId);
        Assert.Equal("kubesphere-router-demo-project", await DynamicUpgradeJob.UnfinishedJobGatewayAsync(KubeApi.For(cluster), new RecordingEngineLog(), CancellationToken.None));

        var options = new GatewayUpgradeOptions { Chart = Path.Combine(HelmTool.FixturesDir(), "ks-core"), HelmPath = HelmTool.Path, PollInterval = TimeSpan.FromMilliseconds(100) };
        var busy = await Assert.ThrowsAsync<KsUpgradeException>(() =>
            GatewayUpgrade.UpdateOneAsync(cluster, "kubesphere-router-kubesphere-system", options, new RecordingEngineLog(), CancellationToken.None));
        Assert.Equal(ErrorIds.GatewayJobBusy, busy.ErrorId);

        var log2 = new RecordingEngineLog();
        var run2 = await sandbox.RunGatewayUpdateAsync(cluster, log2, CancellationToken.None);
        Assert.True(run2.Succeeded, run2.ResultsText + " " + run2.Error?.Message);
        Assert.All(run2.Results, r => Assert.Equal(KsGatewayUpgradeOutcome.Upgraded, r.Outcome));
        Assert.Contains(log2.Records, r => r.Stream == "Warning" && r.Message.Contains("of an earlier run is still upgrading gateway 'kubesphere-router-demo-project'"));
        // a job was created for the other gateway only (the scenario leaves the workspace gateway out: it is refused)
        Assert.Equal(1, log2.Records.Count(r => r.Stream == "Verbose" && r.Message.StartsWith("Created Job ", StringComparison.Ordinal)));
    }

    // Before: a run stopped while StopInstaller's patch was in flight, whose patch still landed, left the journal at
    // StopInstaller "stopped" for good: the resumed run found nothing left to do there, skipped the step and never
    // recorded it, so the journal of a finished upgrade did not say the step succeeded (seen in the fault matrix,
    // StoppedMidStep@StopInstaller). Now a step an earlier run started and left unfinished is recorded succeeded
    // when a later run finds it done.
    [HelmFact]
    public async Task A_step_left_unfinished_whose_change_landed_is_recorded_succeeded_when_the_rerun_finds_it_done()
    {
        await using var sandbox = await UpgradeSandbox.StartAsync();
        var cluster = await sandbox.ConnectHostAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var tap = sandbox.Host.AddFault(new FaultRule { Cluster = "host", Verb = "patch", Resource = "deployments", Name = "ks-installer" });
        sandbox.Host.Faults.Matched += m => { if (m.Rule.Id == tap.Id) cts.Cancel(); };
        var run1 = await sandbox.RunHostUpgradeAsync(cluster, new RecordingEngineLog(), cts.Token);
        Assert.Equal(ErrorIds.Stopped, Assert.IsType<KsUpgradeException>(run1.Error).ErrorId);
        sandbox.Host.ClearFaults();
        // the in-flight patch landed: ks-installer is at 0 replicas (made certain here, whatever the race gave)
        var view = sandbox.Host.Cluster("host");
        var installer = view.Get("apps/v1", "deployments", "kubesphere-system", "ks-installer")!;
        installer["spec"]!["replicas"] = 0;
        view.Upsert(installer);
        var api = KubeApi.For(cluster);
        Assert.NotEqual(JournalStatus.Succeeded, (await UpgradeJournal.ReadAsync(api, CancellationToken.None))!.State.Step("StopInstaller")?.Status);

        var run2 = await sandbox.RunHostUpgradeAsync(cluster, new RecordingEngineLog(), CancellationToken.None);
        Assert.True(run2.Succeeded, run2.Error?.Message + " " + run2.StepsText);
        var journal = (await UpgradeJournal.ReadAsync(api, CancellationToken.None))!.State;
        Assert.All(ClusterUpgrade.StepNames, n => Assert.Equal((n, JournalStatus.Succeeded), (n, journal.Step(n)?.Status)));
    }
}
