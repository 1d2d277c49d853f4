using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Engine.Upgrade.Wiring;
using KsUpgrade.Sandbox.Faults;
using KsUpgrade.Tests.Upgrade.Fakes;
using KsUpgrade.Tests.Seeds;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// The product's own helm wiring (HelmClientUpgradeHelm, as the cmdlets use it) stopped in the middle of helm upgrade:
/// helm gets SIGTERM, records the ks-core revision failed itself (no pending-upgrade left), and a second run finishes.
/// </summary>
public sealed class EngineHelmStopTests
{
    [HelmFact]
    public async Task A_run_stopped_during_helm_upgrade_leaves_a_failed_revision_not_a_pending_one_and_resumes()
    {
        if (OperatingSystem.IsWindows()) return;
        await using var sandbox = await UpgradeSandbox.StartAsync();
        var cluster = await sandbox.ConnectHostAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        // stop when helm creates its pre-upgrade hook Job: after it wrote the pending-upgrade release record
        var tap = sandbox.Host.AddFault(new FaultRule { Verb = "create", Resource = "jobs", Cluster = "host", DelayMs = 300, Times = 1 });
        sandbox.Host.Faults.Matched += m => { if (m.Rule.Id == tap.Id) _ = Task.Run(cts.Cancel); };

        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => Upgrade(cluster, sandbox).RunAsync(cts.Token));
        Assert.Equal(ErrorIds.Stopped, e.ErrorId);
        var api = KubeApi.For(cluster);
        var history = await HelmReleaseReader.HistoryAsync(api, "kubesphere-system", "ks-core", CancellationToken.None);
        Assert.Equal("failed", history[^1].Status); // helm recorded it on SIGTERM
        Assert.Equal("deployed", history[^2].Status);

        sandbox.Host.ClearFaults();
        var log = new RecordingEngineLog();
        var result = await Upgrade(cluster, sandbox, log).RunAsync(CancellationToken.None);
        Assert.True(result.Succeeded);
        Assert.DoesNotContain(log.Records, r => r.Stream == "Warning" && r.Message.Contains("pending-upgrade"));
        history = await HelmReleaseReader.HistoryAsync(api, "kubesphere-system", "ks-core", CancellationToken.None);
        Assert.Equal(new[] { "superseded", "failed", "deployed" }, history.Skip(history.Count - 3).Select(r => r.Status));
    }

    private static ClusterUpgrade Upgrade(KsCluster cluster, UpgradeSandbox sandbox, IEngineLog? log = null) =>
        new(KubeApi.For(cluster), sandbox.Parameters(), HelmClientUpgradeHelm.For(cluster, HelmTool.Path), new FakeChecks(), log ?? new RecordingEngineLog())
        { PollInterval = TimeSpan.FromMilliseconds(100) };
}
