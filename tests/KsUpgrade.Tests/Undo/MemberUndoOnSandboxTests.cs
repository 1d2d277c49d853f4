using KsUpgrade.Engine;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Members;
using KsUpgrade.Engine.Undo;
using KsUpgrade.Tests.Reliability;
using KsUpgrade.Tests.Upgrade.Sandbox;
using Xunit.Abstractions;
using HelmTool = KsUpgrade.Tests.Seeds.HelmTool;

namespace KsUpgrade.Tests.Undo;

/// <summary>
/// Undo-KsUpgrade on a member (ks34-multicluster, fixture chart, real helm 3), one sandbox for every cell to keep the
/// suite short: after the host's upgrade, a member upgrade stopped after HelmUpgrade, then a completed one, each undone
/// with -HostCluster. Each time the member's KubeSphere-owned state equals its state before the member upgrade, and what
/// the host shows of it matches: tainted (its Schedulable condition back, or kept), and its version not v4. While the
/// member is on v4 the host's Undo refuses naming it (from the host's own Cluster objects); once the member is undone
/// it no longer does, and the host's Undo with -ProbeImages refuses before any change when a recorded 3.4 image cannot
/// be pulled.
/// </summary>
public sealed class MemberUndoOnSandboxTests
{
    private const string Member = ScenarioSteps.MemberCluster;
    private readonly ITestOutputHelper _output;
    public MemberUndoOnSandboxTests(ITestOutputHelper output) => _output = output;

    /// <summary>Undo-KsUpgrade's engine on <paramref name="cluster"/> with real helm (<paramref name="helm"/>, default helm 3).</summary>
    internal static ClusterUndo Undo(UpgradeSandbox sb, KsCluster cluster, IEngineLog log, KsCluster? host = null, bool probeImages = false, string? helm = null) =>
        new(KubeApi.For(cluster, log.Verbose), new RealHelm(helm ?? HelmTool.Path, sb.Host.KubeconfigPath, cluster.Context), log,
            new UndoOptions
            {
                PollInterval = TimeSpan.FromMilliseconds(100), HelmTimeout = TimeSpan.FromMinutes(2), Host = host, ProbeImages = probeImages,
                ProbeTimeout = TimeSpan.FromSeconds(30), HostViewTimeout = TimeSpan.FromSeconds(30),
            });

    private static async Task<KsMemberCluster> OnHostAsync(KsCluster host) =>
        Assert.Single(await MemberClusters.ListAsync(host, Member, NullEngineLog.Instance, CancellationToken.None));

    /// <summary>The member's KubeSphere-owned state equals <paramref name="before"/> once its restored workloads rolled out.</summary>
    internal static async Task AssertMemberBackAsync(UpgradeSandbox sb, KubeSphereState before)
    {
        var after = KubeSphereState.Of(sb.Host.StateOf(Member));
        for (var wait = 0; wait < 60 && StateNormaliser.Difference(before.Objects, after.Objects).Length > 0; wait++)
        {
            await Task.Delay(1000);
            after = KubeSphereState.Of(sb.Host.StateOf(Member));
        }
        var diff = StateNormaliser.Difference(before.Objects, after.Objects, 40);
        Assert.True(diff.Length == 0, diff);
        Assert.Equal(before.DeployedRelease, after.DeployedRelease);
    }

    /// <summary>What the host shows of the undone member: tainted, and (one resync of its cluster controller later) not on v4.</summary>
    internal static async Task AssertHostSeesMemberOn34Async(KsCluster host)
    {
        var seen = await OnHostAsync(host);
        for (var wait = 0; wait < 30 && seen.KubeSphereVersion?.StartsWith("v4", StringComparison.Ordinal) != false; wait++)
        {
            await Task.Delay(500);
            seen = await OnHostAsync(host);
        }
        Assert.True(seen.Tainted, "the host must not schedule v4 extension agents onto a member back on 3.4");
        Assert.False(seen.AgentsSchedulable);
        Assert.Equal("v3.4.1", seen.KubeSphereVersion);
    }

    [KsUpgrade.Tests.Seeds.HelmFact]
    public async Task A_member_upgrade_stopped_or_completed_is_undone_and_the_host_sees_the_member_on_34_tainted()
    {
        await using var sb = await UpgradeSandbox.StartAsync();
        var host = await sb.ConnectHostAsync();
        var member = await sb.ConnectAsync(Member);
        var hostUpgrade = await sb.RunHostUpgradeAsync(host, new RecordingEngineLog(), CancellationToken.None);
        Assert.True(hostUpgrade.Succeeded, hostUpgrade.StepsText + " " + hostUpgrade.Error);
        Assert.True((await OnHostAsync(host)).Tainted); // the host's upgrade tainted its members
        var before = KubeSphereState.Of(sb.Host.StateOf(Member));

        // 1. a member upgrade stopped after HelmUpgrade: the member runs v4, the host still taints it
        using (var cts = new CancellationTokenSource())
        {
            var stopped = await sb.RunMemberUpgradeAsync(member, host, new StopAfterStepLog("HelmUpgrade", cts), cts.Token);
            Assert.False(stopped.Succeeded, stopped.StepsText);
        }
        // the host's Undo refuses while the host shows the member on v4, naming it, and changes nothing
        for (var wait = 0; wait < 30 && (await OnHostAsync(host)).KubeSphereVersion?.StartsWith("v4", StringComparison.Ordinal) != true; wait++) await Task.Delay(500);
        var hostState = KubeSphereState.Of(sb.Host.StateOf("host"));
        var refused = await Assert.ThrowsAsync<KsUpgradeException>(() => Undo(sb, host, new RecordingEngineLog()).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.MembersUpgraded, refused.ErrorId);
        Assert.Contains($"{Member} (v4.1.3)", refused.Message);
        Assert.Contains("Undo-KsUpgrade", refused.Remedy);
        Assert.Equal(hostState.Objects, KubeSphereState.Of(sb.Host.StateOf("host")).Objects);

        // a member's Undo without its host is refused before any change (the host would go on scheduling v4 agents onto it)
        var memberState = KubeSphereState.Of(sb.Host.StateOf(Member));
        var noHost = await Assert.ThrowsAsync<KsUpgradeException>(() => Undo(sb, member, new RecordingEngineLog()).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.HostClusterRequired, noHost.ErrorId);
        Assert.Contains("-HostCluster", noHost.Remedy);
        Assert.Equal(memberState.Objects, KubeSphereState.Of(sb.Host.StateOf(Member)).Objects);
        Assert.Null(await KubeApi.For(member, _ => { }).GetAsync(ResourceKind.ConfigMaps, "kubesphere-system", UpgradeJournal.UndoConfigMapName, CancellationToken.None));

        var undoStopped = await Undo(sb, member, new RecordingEngineLog(), host).RunAsync(CancellationToken.None);
        foreach (var s in undoStopped.Steps) _output.WriteLine($"{s.Name} {s.Status}: {s.Detail}");
        Assert.True(undoStopped.Succeeded);
        Assert.Contains(undoStopped.Steps, s => s.Name == nameof(UndoStepId.TaintMemberOnHost) && s.Status == KsUpgradeStepStatus.Skipped); // still tainted: nothing to put back
        await AssertMemberBackAsync(sb, before);
        await AssertHostSeesMemberOn34Async(host);

        // 2. a completed member upgrade (its taint removed on the host), undone: the taint comes back first
        Directory.Move(sb.BackupPathOf(Member), sb.BackupPathOf(Member) + "-1");
        var completed = await sb.RunMemberUpgradeAsync(member, host, new RecordingEngineLog(), CancellationToken.None);
        Assert.True(completed.Succeeded, completed.StepsText + " " + completed.Error);
        Assert.False((await OnHostAsync(host)).Tainted);
        for (var wait = 0; wait < 30 && (await OnHostAsync(host)).KubeSphereVersion?.StartsWith("v4", StringComparison.Ordinal) != true; wait++) await Task.Delay(500);
        Assert.Equal(ErrorIds.MembersUpgraded, (await Assert.ThrowsAsync<KsUpgradeException>(() => Undo(sb, host, new RecordingEngineLog()).RunAsync(CancellationToken.None))).ErrorId);

        var whatIf = await Undo(sb, member, new RecordingEngineLog { Approve = false }, host).RunAsync(CancellationToken.None);
        Assert.Contains(whatIf.Plan, l => l.StartsWith($"{nameof(UndoStepId.TaintMemberOnHost)}: Add condition Schedulable=False to Cluster {Member} on host", StringComparison.Ordinal));
        Assert.False((await OnHostAsync(host)).Tainted); // -WhatIf changed nothing

        var undone = await Undo(sb, member, new RecordingEngineLog(), host).RunAsync(CancellationToken.None);
        foreach (var s in undone.Steps) _output.WriteLine($"{s.Name} {s.Status}: {s.Detail}");
        Assert.True(undone.Succeeded);
        Assert.Contains(undone.Steps, s => s.Name == nameof(UndoStepId.TaintMemberOnHost) && s.Status == KsUpgradeStepStatus.Succeeded);
        await AssertMemberBackAsync(sb, before);
        await AssertHostSeesMemberOn34Async(host);

        // 3. the host's Undo no longer refuses for the member; with -ProbeImages an unpullable 3.4 image refuses it before any change
        sb.Host.Faults.FailImagePull("kubesphere/ks-apiserver:v3.4.1", "host");
        hostState = KubeSphereState.Of(sb.Host.StateOf("host"));
        var unpullable = await Assert.ThrowsAsync<KsUpgradeException>(() => Undo(sb, host, new RecordingEngineLog(), probeImages: true).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.UndoImagesNotPullable, unpullable.ErrorId);
        Assert.Contains("kubesphere/ks-apiserver:v3.4.1", unpullable.Message);
        Assert.DoesNotContain("ks-controller-manager", unpullable.Message); // only the image that failed is named
        Assert.Contains("mirror", unpullable.Remedy, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(hostState.Objects, KubeSphereState.Of(sb.Host.StateOf("host")).Objects);
        var api = KubeApi.For(host, _ => { });
        Assert.Null(await api.GetAsync(ResourceKind.Jobs, ImagePullProbe.Namespace, ImagePullProbe.JobName, CancellationToken.None));
        Assert.Null(await api.GetAsync(ResourceKind.ConfigMaps, "kubesphere-system", UpgradeJournal.UndoConfigMapName, CancellationToken.None));
    }
}
