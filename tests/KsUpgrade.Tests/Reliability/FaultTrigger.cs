using System.Diagnostics;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Sandbox.Faults;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// The faults that act from the test while run 1 is in progress: a stop in the middle of a step (the run's token is
/// cancelled when the step's own request reaches the sandbox) and a killed helm (SIGKILL to the helm child process once
/// it wrote its pending-upgrade release record). <see cref="Run1Problem"/> says whether the fault really happened.
/// </summary>
public sealed class FaultTrigger : IDisposable
{
    private readonly FaultCell _cell;
    private readonly UpgradeSandbox _sandbox;
    private readonly CancellationTokenSource _stop = new();
    private Action<FaultRuleMatch>? _onMatch;
    private Task? _killer;

    private FaultTrigger(FaultCell cell, UpgradeSandbox sandbox)
    {
        _cell = cell;
        _sandbox = sandbox;
    }

    /// <summary>True once the fault acted (run cancelled, helm killed).</summary>
    public bool Fired { get; private set; }
    /// <summary>What was done, for the cell's note.</summary>
    public string? What { get; private set; }

    /// <summary>The trigger of a cell, or null for faults the sandbox plays alone.</summary>
    public static FaultTrigger? Arm(FaultCell cell, UpgradeSandbox sandbox, FaultRule? rule, CancellationTokenSource run1)
    {
        switch (cell.Fault)
        {
            case FaultKind.StoppedMidStep:
            {
                var t = new FaultTrigger(cell, sandbox);
                t._onMatch = m =>
                {
                    if (m.Rule.Id != rule?.Id || t.Fired) return;
                    t.Fired = true;
                    t.What = $"stopped while {m.Verb} {m.Resource}{(m.Name is null ? "" : " " + m.Name)} was in flight";
                    _ = Task.Run(run1.Cancel); // not on the sandbox's request thread
                };
                sandbox.Host.Faults.Matched += t._onMatch;
                return t;
            }
            case FaultKind.WatchCut:
                // the sandbox cuts the watch alone; the trigger only checks that a stream was really cut
                return new FaultTrigger(cell, sandbox);
            case FaultKind.HelmKilled:
            {
                var t = new FaultTrigger(cell, sandbox);
                t._killer = Task.Run(() => t.KillHelmWhenPendingAsync());
                return t;
            }
            default:
                return null;
        }
    }

    /// <summary>Null when run 1 went as the fault means it to; otherwise why the cell is broken.</summary>
    public string? Run1Problem(RunOutcome run1)
    {
        _stop.Cancel();
        try { _killer?.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        if (_cell.Fault == FaultKind.WatchCut)
        {
            var cuts = _sandbox.Host.Faults.WatchCuts;
            if (cuts.Count == 0) return $"no watch stream was cut (the watch ended before its first event?): {run1.Error?.Message} ({run1.StepsText})";
            Fired = true;
            What = $"watch of {cuts[0].Resource} cut after its first event";
            return null;
        }
        if (!Fired)
            return _cell.Fault == FaultKind.HelmKilled
                ? $"helm never wrote a pending-upgrade record to be killed at: {run1.Error?.Message} ({run1.StepsText})"
                : $"the request of {_cell.Step} never arrived, nothing was stopped: {run1.Error?.Message} ({run1.StepsText})";
        var step = run1.Result?.Steps.FirstOrDefault(s => s.Name == _cell.Step);
        if (step?.Status == KsUpgradeStepStatus.Succeeded)
            return $"{What}, but run 1 reports {_cell.Step} succeeded";
        if (_cell.Fault == FaultKind.StoppedMidStep && (run1.Error as KsUpgradeException)?.ErrorId != ErrorIds.Stopped)
            return $"{What}, but run 1 did not end with {ErrorIds.Stopped}: {run1.Error?.GetType().Name} {(run1.Error as KsUpgradeException)?.ErrorId} {run1.Error?.Message}";
        // helm is killed (a killed helm, or a stopped run whose helm child is killed) after its release record:
        // the release must be left pending-upgrade, which run 2 then has to deal with
        if ((_cell.Fault == FaultKind.HelmKilled || _cell.Step == "HelmUpgrade")
            && LatestKsCore()?["metadata"]?["labels"]?["status"]?.GetValue<string>() != "pending-upgrade")
            return $"{What}, but the ks-core release is not left pending-upgrade";
        return null;
    }

    /// <summary>
    /// After run 2: a killed helm left a pending-upgrade revision that run 2 must have recovered by itself (marked failed,
    /// recorded in the journal's facts); null when it did, else why the cell is broken. Adds what was seen to the note.
    /// </summary>
    public string? Run2Problem(JournalState journal, ref string note)
    {
        if (!journal.Facts.TryGetValue("helmInterruptedRevisionMarkedFailed", out var revision))
            return _cell.Fault == FaultKind.HelmKilled
                ? "run 2 succeeded but its journal does not record the recovery of the pending-upgrade revision"
                : null;
        note += $"; run 2 marked the interrupted revision {revision} failed (Warning, journal fact) and upgraded again";
        return null;
    }

    private JsonObject? LatestKsCore() =>
        _sandbox.Host.Cluster(_cell.Scenario == Scenario.Member ? ScenarioSteps.MemberCluster : "host").List("v1", "secrets", "kubesphere-system")
            .Where(s => s["metadata"]?["labels"]?["owner"]?.GetValue<string>() == "helm" && s["metadata"]?["labels"]?["name"]?.GetValue<string>() == "ks-core")
            .OrderBy(s => int.TryParse(s["metadata"]?["labels"]?["version"]?.GetValue<string>(), out var v) ? v : 0)
            .LastOrDefault();

    private async Task KillHelmWhenPendingAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            if (LatestKsCore() is { } latest && latest["metadata"]?["labels"]?["status"]?.GetValue<string>() == "pending-upgrade"
                && HelmUpgradeChild() is { } pid)
            {
                using var helm = Process.GetProcessById(pid);
                helm.Kill(); // SIGKILL: helm cannot record the outcome
                Fired = true;
                What = $"helm (pid {pid}) killed after it wrote {latest["metadata"]!["name"]} (pending-upgrade)";
                return;
            }
            try { await Task.Delay(20, _stop.Token); } catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>The `helm upgrade` this test process started against this cell's sandbox (its kubeconfig is unique), or null.</summary>
    private int? HelmUpgradeChild() => HelmChild("upgrade", _sandbox.Host.KubeconfigPath);

    /// <summary>The pid of a helm <paramref name="command"/> (upgrade, rollback) this test process started against the sandbox of <paramref name="kubeconfig"/>, or null.</summary>
    internal static int? HelmChild(string command, string kubeconfig)
    {
        var self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (!int.TryParse(fields[1], out var ppid) || ppid != self) continue;
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (args.Contains(command) && args.Contains(kubeconfig)) return pid;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return null;
    }

    public void Dispose()
    {
        _stop.Cancel();
        if (_onMatch is not null) _sandbox.Host.Faults.Matched -= _onMatch;
        _stop.Dispose();
    }
}
