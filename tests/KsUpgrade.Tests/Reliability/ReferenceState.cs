using KsUpgrade.Engine.Diagnostics;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// What each scenario starts from and the normalised state a clean run of it (no fault) ends in, each taken once per
/// test process. The member and gateway scenarios start from snapshots of a clean host upgrade, so their cells do not
/// repeat it.
/// </summary>
public static class ReferenceState
{
    private static readonly Lazy<Task<(List<string> State, SandboxSnapshot Upgraded)>> CleanHost = new(TakeHostAsync);
    private static readonly Lazy<Task<SandboxSnapshot>> GatewayStart = new(TakeGatewayStartAsync);
    private static readonly Lazy<Task<ScenarioState>> CleanMember = new(TakeMemberAsync);
    private static readonly Lazy<Task<ScenarioState>> CleanGateway = new(TakeGatewayAsync);

    /// <summary>The normalised host state after one clean host upgrade.</summary>
    public static async Task<List<string>> GetAsync() => (await CleanHost.Value).State;

    /// <summary>The normalised state of the clusters a scenario changes, after a clean run of it.</summary>
    public static async Task<ScenarioState> GetAsync(Scenario scenario) => scenario switch
    {
        Scenario.Host => new ScenarioState(new Dictionary<string, List<string>> { ["host"] = await GetAsync() }),
        Scenario.Member => await CleanMember.Value,
        Scenario.Gateway => await CleanGateway.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
    };

    /// <summary>The member scenario's start: the host upgraded cleanly, member1 still on 3.4 (member2 is left out: nothing reaches it).</summary>
    public static async Task<SandboxSnapshot> MemberStartAsync() => (await CleanHost.Value).Upgraded;

    /// <summary>The gateway scenario's start: the host upgraded cleanly with ks-upgrade's gateway job, its 3.4 gateways not yet converted.</summary>
    public static Task<SandboxSnapshot> GatewayStartAsync() => GatewayStart.Value;

    private static async Task<(List<string>, SandboxSnapshot)> TakeHostAsync()
    {
        await using var sandbox = await UpgradeSandbox.StartAsync();
        var cluster = await sandbox.ConnectHostAsync();
        var run = await sandbox.RunHostUpgradeAsync(cluster, new RecordingEngineLog(), CancellationToken.None);
        if (!run.Succeeded)
            throw new InvalidOperationException($"The clean reference upgrade failed: {run.Error?.Message}\n{run.StepsText}");
        // settled: KubeSphere's cluster controller shows the host on v4 one resync after its ks-core release is
        return ((await ScenarioState.SettledAsync(sandbox, false, "host")).Clusters["host"], sandbox.Snapshot("host", ScenarioSteps.MemberCluster));
    }

    private static async Task<SandboxSnapshot> TakeGatewayStartAsync()
    {
        await using var sandbox = await UpgradeSandbox.StartAsync();
        var cluster = await sandbox.ConnectHostAsync();
        var run = await sandbox.RunHostUpgradeAsync(cluster, new RecordingEngineLog(), gatewayJob: true, CancellationToken.None);
        if (!run.Succeeded)
            throw new InvalidOperationException($"The host upgrade with the gateway job failed: {run.Error?.Message}\n{run.StepsText}");
        return sandbox.Snapshot("host");
    }

    private static async Task<ScenarioState> TakeMemberAsync()
    {
        await using var sandbox = await UpgradeSandbox.StartAsync(await MemberStartAsync());
        var run = await sandbox.RunMemberUpgradeAsync(await sandbox.ConnectAsync(ScenarioSteps.MemberCluster), await sandbox.ConnectHostAsync(),
            new RecordingEngineLog(), CancellationToken.None);
        if (!run.Succeeded)
            throw new InvalidOperationException($"The clean reference member upgrade failed: {run.Error?.Message}\n{run.StepsText}");
        // settled: the host's Cluster object of the member shows v4 one resync of the cluster controller later
        return await ScenarioState.SettledAsync(sandbox, false, "host", ScenarioSteps.MemberCluster);
    }

    private static async Task<ScenarioState> TakeGatewayAsync()
    {
        await using var sandbox = await UpgradeSandbox.StartAsync(await GatewayStartAsync());
        var run = await sandbox.RunGatewayUpdateAsync(await sandbox.ConnectHostAsync(), new RecordingEngineLog(), CancellationToken.None);
        if (!run.Succeeded || run.Results.Any(r => r.Outcome != KsGatewayUpgradeOutcome.Upgraded))
            throw new InvalidOperationException($"The clean reference gateway update failed: {run.Error?.Message}\n{run.ResultsText}\n"
                                                + string.Join("\n", run.Results.Select(r => r.Detail)));
        return await ScenarioState.SettledAsync(sandbox, allocatedNodePorts: true, "host");
    }
}

/// <summary>Normalised states by cluster name.</summary>
public sealed record ScenarioState(IReadOnlyDictionary<string, List<string>> Clusters, bool AllocatedNodePorts = false)
{
    public static ScenarioState Of(UpgradeSandbox sandbox, params string[] clusters) => Of(sandbox, false, clusters);

    public static ScenarioState Of(UpgradeSandbox sandbox, bool allocatedNodePorts, params string[] clusters) =>
        new(clusters.ToDictionary(c => c, c => StateNormaliser.Normalise(sandbox.Host.StateOf(c), allocatedNodePorts, out _)), allocatedNodePorts);

    /// <summary>
    /// The state once the simulated controllers stopped changing it (unchanged over six reads 300 ms apart, 1.5 s; at
    /// most 30 s). Update-KsGateway ends when the last job completed, not when the new ingress controller is ready, so
    /// the cluster is still settling (pods becoming ready) when it returns; on a busy machine a controller's next
    /// transition can be more than one read away.
    /// </summary>
    public static async Task<ScenarioState> SettledAsync(UpgradeSandbox sandbox, bool allocatedNodePorts, params string[] clusters)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var state = Of(sandbox, allocatedNodePorts, clusters);
        var unchanged = 0;
        while (true)
        {
            await Task.Delay(300);
            var next = Of(sandbox, allocatedNodePorts, clusters);
            unchanged = clusters.All(c => state.Clusters[c].SequenceEqual(next.Clusters[c])) ? unchanged + 1 : 0;
            if (unchanged >= 5 || DateTime.UtcNow > deadline) return next;
            state = next;
        }
    }

    /// <summary>
    /// Where <paramref name="sandbox"/> differs from this state once it settled: empty as soon as it equals this state,
    /// else the difference of the settled state (the final state is reached eventually, or the cell is broken).
    /// </summary>
    public async Task<string> SettledDifferenceAsync(UpgradeSandbox sandbox)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (Difference(sandbox, out _).Length == 0) return "";
            await Task.Delay(300);
        }
        await SettledAsync(sandbox, AllocatedNodePorts, Clusters.Keys.ToArray());
        return Difference(sandbox, out _);
    }

    /// <summary>Where <paramref name="sandbox"/> differs from this state (every cluster of it), and the failed helm revisions left out; empty when equal.</summary>
    public string Difference(UpgradeSandbox sandbox, out int failedHelmRevisions)
    {
        failedHelmRevisions = 0;
        var diffs = new List<string>();
        foreach (var (cluster, expected) in Clusters)
        {
            var actual = StateNormaliser.Normalise(sandbox.Host.StateOf(cluster), AllocatedNodePorts, out var failed);
            failedHelmRevisions += failed;
            var diff = StateNormaliser.Difference(expected, actual);
            if (diff.Length > 0) diffs.Add(Clusters.Count == 1 ? diff : $"[{cluster}] {diff}");
        }
        return string.Join("\n", diffs);
    }
}
