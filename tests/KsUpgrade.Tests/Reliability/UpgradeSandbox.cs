using System.Text.Json.Nodes;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Members;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Tests.Upgrade.Fakes;
using KsUpgrade.Tests.Upgrade.Sandbox;
using HelmTool = KsUpgrade.Tests.Seeds.HelmTool;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// A fresh sandbox with the simulated ks-upgrade jobs (ks34-multicluster, or a snapshot another sandbox left), and the
/// three mutating scenarios run against it with real helm: host upgrade, member upgrade with -HostCluster, Update-KsGateway -All.
/// </summary>
public sealed class UpgradeSandbox : IAsyncDisposable
{
    private UpgradeSandbox(SandboxHost host, string dir)
    {
        Host = host;
        Dir = dir;
    }

    public SandboxHost Host { get; }
    public string Dir { get; }
    public string BackupPath => BackupPathOf("host");
    public string BackupPathOf(string cluster) => Path.Combine(Dir, cluster == "host" ? "host-bk" : cluster + "-bk");

    /// <summary>ks34-multicluster, or the clusters of a snapshot (<see cref="Snapshot"/>).</summary>
    public static async Task<UpgradeSandbox> StartAsync(SandboxSnapshot? from = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "ksup-rel-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        SandboxHost? started = null;
        started = await SandboxHost.StartAsync(new SandboxOptions
        {
            Seed = "ks34-multicluster",
            Clusters = from?.Clusters(),
            Behaviours = new[] { new KsUpgradeJobBehaviour(name => started is null ? null : TryView(started, name)) },
        });
        return new UpgradeSandbox(started, dir);
    }

    private static KsUpgrade.Sandbox.Simulation.ISandboxClusterView? TryView(SandboxHost h, string name)
    {
        try { return h.Cluster(name); } catch (ArgumentException) { return null; }
    }

    /// <summary>The current state of some clusters, to start other sandboxes from.</summary>
    public SandboxSnapshot Snapshot(params string[] clusters) => new(clusters.Select(c =>
    {
        var seed = Host.SeedOf(c);
        return (c, seed.KubernetesVersion, seed.JobRunSeconds, seed.PodReadySeconds, Host.StateOf(c)["objects"]!.ToJsonString());
    }).ToList());

    public async Task<KsCluster> ConnectHostAsync() => await ConnectAsync("host");

    public async Task<KsCluster> ConnectAsync(string context) =>
        await ClusterConnector.ConnectAsync(new KsConnectionSettings { KubeconfigPaths = new[] { Host.KubeconfigPath }, Context = context }, null, CancellationToken.None);

    /// <summary>
    /// The same parameters for every run of a cell (so the second run resumes the first). <paramref name="gatewayJob"/>
    /// also enables ks-upgrade's gateway job (its backup is what Update-KsGateway converts later).
    /// </summary>
    public UpgradeParameters Parameters(KsClusterRole role = KsClusterRole.Host, bool gatewayJob = false)
    {
        var values = Path.Combine(Dir, gatewayJob ? "ks-core-values-gateway.yaml" : "ks-core-values.yaml");
        File.WriteAllText(values, GuideValues.CoreAndIam + (gatewayJob ? """

                      gateway:
                        enabled: true
                        priority: 90
                        extensionRef:
                          name: gateway
                          version: 1.0.5
                """ : ""));
        return new UpgradeParameters
        {
            Role = role,
            ValuesPath = values,
            Chart = Path.Combine(HelmTool.FixturesDir(), "ks-core"),
            BackupPath = role == KsClusterRole.Host ? BackupPath : BackupPathOf(ScenarioSteps.MemberCluster),
            JobTimeout = TimeSpan.FromSeconds(30),
            Timeout = TimeSpan.FromMinutes(2),
        };
    }

    /// <summary>One host upgrade run; returns the result written to the log, or the exception it ended with.</summary>
    public Task<RunOutcome> RunHostUpgradeAsync(KsCluster cluster, IEngineLog log, CancellationToken ct) =>
        RunHostUpgradeAsync(cluster, log, gatewayJob: false, ct);

    public async Task<RunOutcome> RunHostUpgradeAsync(KsCluster cluster, IEngineLog log, bool gatewayJob, CancellationToken ct)
    {
        var recording = Recording(log);
        var upgrade = new ClusterUpgrade(KubeApi.For(cluster, log.Verbose), Parameters(KsClusterRole.Host, gatewayJob),
            new RealHelm(HelmTool.Path!, Host.KubeconfigPath, "host"), new FakeChecks(), log) { PollInterval = TimeSpan.FromMilliseconds(100) };
        try
        {
            var result = await upgrade.RunAsync(ct);
            return new RunOutcome(result, null);
        }
        catch (Exception e)
        {
            return new RunOutcome(recording?.Outputs.OfType<KsUpgradeResult>().LastOrDefault(), e);
        }
    }

    /// <summary>
    /// Invoke-KsMemberUpgrade -HostCluster on member1: the engine's member upgrade with the host connection (its Preflight
    /// checks the host runs KubeSphere 4), then, once it succeeded, the removal of member1's Schedulable condition on the
    /// host — the sequence of UpgradeRun.RunAsync, with the test's helm (<paramref name="helmPath"/>, default helm 3) and checks
    /// and a short poll interval (UpgradeRun wires ClusterTest and a 2 s poll). <see cref="RunOutcome.FailedStep"/> is
    /// RemoveTaint when that part failed.
    /// </summary>
    public async Task<RunOutcome> RunMemberUpgradeAsync(KsCluster member, KsCluster host, IEngineLog log, CancellationToken ct, string? helmPath = null)
    {
        var recording = Recording(log);
        var upgrade = new ClusterUpgrade(KubeApi.For(member, log.Verbose), Parameters(KsClusterRole.Member),
            new RealHelm(helmPath ?? HelmTool.Path!, Host.KubeconfigPath, member.Context), new FakeChecks(), log, hostApi: KubeApi.For(host, log.Verbose))
        { PollInterval = TimeSpan.FromMilliseconds(100) };
        KsUpgradeResult result;
        try
        {
            result = await upgrade.RunAsync(ct);
        }
        catch (Exception e)
        {
            return new RunOutcome(recording?.Outputs.OfType<KsUpgradeResult>().LastOrDefault(), e);
        }
        if (!result.Succeeded) return new RunOutcome(result, null);
        try
        {
            log.Information($"Removing the Schedulable taint of member '{member.Context}' on the host {host.Context}.", ClusterUpgrade.StepTag);
            await MemberClusters.RemoveTaintAsync(host, member.Context, new TaintRemovalOptions { Member = member }, log, ct);
            return new RunOutcome(result, null);
        }
        catch (Exception e)
        {
            return new RunOutcome(result, e) { FailedStep = "RemoveTaint" };
        }
    }

    /// <summary>
    /// Update-KsGateway on every gateway of the catalog but the workspace ones, then the one-at-a-time upgrade, as the
    /// cmdlet does. Workspace gateways are left out because Update-KsGateway refuses them before any change (ks-upgrade
    /// v4.1.3 would uninstall their controller and then fail; the help gives the manual path): with -All the cluster
    /// gateway would wait for them and no run could finish. The project gateway and the cluster gateway remain.
    /// </summary>
    public async Task<GatewayRunOutcome> RunGatewayUpdateAsync(KsCluster cluster, IEngineLog log, CancellationToken ct)
    {
        var recording = Recording(log);
        var options = new GatewayUpgradeOptions
        {
            Chart = Path.Combine(HelmTool.FixturesDir(), "ks-core"),
            HelmPath = HelmTool.Path,
            PollInterval = TimeSpan.FromMilliseconds(100),
            JobTimeout = TimeSpan.FromSeconds(30),
            VerifyTimeout = TimeSpan.FromSeconds(30),
        };
        try
        {
            var names = (await GatewayCatalog.NamesAsync(cluster, ct)).Where(n => GatewayNames.ScopeOf(n) != KsGatewayScope.Workspace).ToList();
            var results = await GatewayUpgrade.UpdateAsync(cluster, names, options, log, ct);
            return new GatewayRunOutcome(results, null);
        }
        catch (Exception e)
        {
            return new GatewayRunOutcome(recording?.Outputs.OfType<KsGatewayUpgradeResult>().ToList() ?? new List<KsGatewayUpgradeResult>(), e);
        }
    }

    private static RecordingEngineLog? Recording(IEngineLog log) => log as RecordingEngineLog ?? (log as StopAfterStepLog)?.Inner;

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        try { Directory.Delete(Dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Clusters saved from a sandbox (objects as JSON text); each start gets its own copy of the objects.</summary>
public sealed class SandboxSnapshot
{
    private readonly IReadOnlyList<(string Name, string KubernetesVersion, double JobRunSeconds, double PodReadySeconds, string Objects)> _clusters;

    internal SandboxSnapshot(IReadOnlyList<(string, string, double, double, string)> clusters) => _clusters = clusters;

    /// <summary>The same clusters with jobs that run longer (to catch a run while its job is still going).</summary>
    public SandboxSnapshot WithJobRunSeconds(double seconds) =>
        new(_clusters.Select(c => (c.Name, c.KubernetesVersion, seconds, c.PodReadySeconds, c.Objects)).ToList());

    public IReadOnlyList<SeedCluster> Clusters() => _clusters.Select(c => new SeedCluster
    {
        Name = c.Name,
        KubernetesVersion = c.KubernetesVersion,
        JobRunSeconds = c.JobRunSeconds,
        PodReadySeconds = c.PodReadySeconds,
        Objects = JsonNode.Parse(c.Objects)!.AsArray().OfType<JsonObject>().Select(o => (JsonObject)o.DeepClone()).ToList(),
    }).ToList();
}

/// <summary>How a run ended: its result (when one was written) and the exception, if any.</summary>
public sealed record RunOutcome(KsUpgradeResult? Result, Exception? Error)
{
    public bool Succeeded => Error is null && Result?.Succeeded == true;
    public string StepsText => Result is null ? "(no result)" : string.Join("; ", Result.Steps.Select(s => $"{s.Name} {s.Status}"));
    /// <summary>The step that failed: the result's Failed step, or a step after the upgrade (RemoveTaint).</summary>
    public string? FailedStep { get; init; }
    public string? FailedStepName => FailedStep ?? Result?.Steps.FirstOrDefault(s => s.Status == KsUpgradeStepStatus.Failed)?.Name;
}

/// <summary>How an Update-KsGateway run ended: the results it wrote (one per gateway reached) and the exception, if any.</summary>
public sealed record GatewayRunOutcome(IReadOnlyList<KsGatewayUpgradeResult> Results, Exception? Error)
{
    public bool Succeeded => Error is null && Results.Count > 0 && Results.All(r => r.Succeeded);
    public string ResultsText => Results.Count == 0 ? "(no result)" : string.Join("; ", Results.Select(r => $"{r.Gateway.Name} {r.Outcome}"));
}

/// <summary>Records everything and cancels the run once a record says the step is done (<see cref="StopAfterStepLog.UpgradeStep"/> for the upgrade's steps).</summary>
public sealed class StopAfterStepLog : IEngineLog
{
    private readonly Func<string, string, bool> _done;
    private readonly CancellationTokenSource _cts;

    /// <summary>Stops once the Information record says upgrade step <paramref name="step"/> succeeded (the journal has it by then).</summary>
    public StopAfterStepLog(string step, CancellationTokenSource cts) : this(UpgradeStep(step), cts) { }

    /// <param name="done">(stream, message): true for the record after which the run is stopped.</param>
    public StopAfterStepLog(Func<string, string, bool> done, CancellationTokenSource cts)
    {
        _done = done;
        _cts = cts;
    }

    public static Func<string, string, bool> UpgradeStep(string step) => (stream, message) =>
        stream == "Information" && message.StartsWith("Step ", StringComparison.Ordinal) && message.Contains($": {step} succeeded", StringComparison.Ordinal);

    public RecordingEngineLog Inner { get; } = new();
    public bool Fired { get; private set; }

    private void Seen(string stream, string message)
    {
        if (Fired || !_done(stream, message)) return;
        Fired = true;
        _cts.Cancel();
    }

    public void Verbose(string message)
    {
        Inner.Verbose(message);
        Seen("Verbose", message);
    }
    public void Debug(string message) => Inner.Debug(message);
    public void Warning(string message) => Inner.Warning(message);
    public void Information(string message, params string[] tags)
    {
        Inner.Information(message, tags);
        Seen("Information", message);
    }
    public void Progress(int activityId, string activity, string status, int percent = -1, bool completed = false, int parentId = -1) =>
        Inner.Progress(activityId, activity, status, percent, completed, parentId);
    public void Output(object result) => Inner.Output(result);
    public Task<bool> ShouldProcessAsync(string target, string action) => Inner.ShouldProcessAsync(target, action);
}
