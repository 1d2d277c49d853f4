using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Tests.Upgrade.Fakes;
using KsUpgrade.Tests.Upgrade.Sandbox;
using HelmTool = KsUpgrade.Tests.Seeds.HelmTool;

namespace KsUpgrade.Tests.Reliability;

/// <summary>A fresh ks34-multicluster sandbox with the simulated ks-upgrade jobs, and host upgrades run against it with real helm.</summary>
public sealed class UpgradeSandbox : IAsyncDisposable
{
    private UpgradeSandbox(SandboxHost host, string dir)
    {
        Host = host;
        Dir = dir;
    }

    public SandboxHost Host { get; }
    public string Dir { get; }
    public string BackupPath => Path.Combine(Dir, "host-bk");

    public static async Task<UpgradeSandbox> StartAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ksup-rel-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        SandboxHost? started = null;
        started = await SandboxHost.StartAsync(new SandboxOptions
        {
            Seed = "ks34-multicluster",
            Behaviours = new[] { new KsUpgradeJobBehaviour(name => started is null ? null : TryView(started, name)) },
        });
        return new UpgradeSandbox(started, dir);
    }

    private static KsUpgrade.Sandbox.Simulation.ISandboxClusterView? TryView(SandboxHost h, string name)
    {
        try { return h.Cluster(name); } catch (ArgumentException) { return null; }
    }

    public async Task<KsCluster> ConnectHostAsync() =>
        await ClusterConnector.ConnectAsync(new KsConnectionSettings { KubeconfigPaths = new[] { Host.KubeconfigPath }, Context = "host" }, null, CancellationToken.None);

    /// <summary>The same parameters for every run of a cell (so the second run resumes the first).</summary>
    public UpgradeParameters Parameters()
    {
        var values = Path.Combine(Dir, "ks-core-values.yaml");
        File.WriteAllText(values, """
            upgrade:
              enabled: true
              config:
                storage:
                  local:
                    path: /tmp/ks-upgrade
                validator:
                  ksVersion:
                    enabled: true
                jobs:
                  core:
                    enabled: true
                    priority: 10000
                  iam:
                    enabled: true
                    priority: 999
            """);
        return new UpgradeParameters
        {
            Role = KsClusterRole.Host,
            ValuesPath = values,
            Chart = Path.Combine(HelmTool.FixturesDir(), "ks-core"),
            BackupPath = BackupPath,
            JobTimeout = TimeSpan.FromSeconds(30),
            Timeout = TimeSpan.FromMinutes(2),
        };
    }

    /// <summary>One host upgrade run; returns the result written to the log, or the exception it ended with.</summary>
    public async Task<RunOutcome> RunHostUpgradeAsync(KsCluster cluster, IEngineLog log, CancellationToken ct)
    {
        var recording = log as RecordingEngineLog ?? (log as StopAfterStepLog)?.Inner;
        var upgrade = new ClusterUpgrade(KubeApi.For(cluster, log.Verbose), Parameters(),
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

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        try { Directory.Delete(Dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>How a run ended: its result (when one was written) and the exception, if any.</summary>
public sealed record RunOutcome(KsUpgradeResult? Result, Exception? Error)
{
    public bool Succeeded => Error is null && Result?.Succeeded == true;
    public string StepsText => Result is null ? "(no result)" : string.Join("; ", Result.Steps.Select(s => $"{s.Name} {s.Status}"));
}

/// <summary>Records everything and cancels the run once the Information record says step <c>Step</c> succeeded (the journal has it by then).</summary>
public sealed class StopAfterStepLog : IEngineLog
{
    private readonly string _step;
    private readonly CancellationTokenSource _cts;

    public StopAfterStepLog(string step, CancellationTokenSource cts)
    {
        _step = step;
        _cts = cts;
    }

    public RecordingEngineLog Inner { get; } = new();
    public bool Fired { get; private set; }

    public void Verbose(string message) => Inner.Verbose(message);
    public void Debug(string message) => Inner.Debug(message);
    public void Warning(string message) => Inner.Warning(message);
    public void Information(string message, params string[] tags)
    {
        Inner.Information(message, tags);
        if (!Fired && message.StartsWith("Step ", StringComparison.Ordinal) && message.Contains($": {_step} succeeded", StringComparison.Ordinal))
        {
            Fired = true;
            _cts.Cancel();
        }
    }
    public void Progress(int activityId, string activity, string status, int percent = -1, bool completed = false, int parentId = -1) =>
        Inner.Progress(activityId, activity, status, percent, completed, parentId);
    public void Output(object result) => Inner.Output(result);
    public Task<bool> ShouldProcessAsync(string target, string action) => Inner.ShouldProcessAsync(target, action);
}
