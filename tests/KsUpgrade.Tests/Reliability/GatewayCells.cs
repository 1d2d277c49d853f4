using System.Text.Json.Nodes;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Sandbox.KubeSphere;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// A cell of the Update-KsGateway -All matrix. Update-KsGateway keeps no journal and takes no backup of its own: what
/// stands for them here is (a) the results it writes, which must tell the truth about each gateway, and (b) the
/// ks-upgrade backup on PVC ks-upgrade (written by the host upgrade's gateway job, read by every dynamic-upgrade job),
/// whose entries must never be changed.
/// </summary>
internal static class GatewayCells
{
    private const string ControlsNs = "kubesphere-controls-system";
    private const string Pvc = "ks-upgrade";

    /// <summary>The record after which StoppedAfterStep stops run 1, by step.</summary>
    private static Func<string, string, bool> StopAfter(string step) => step switch
    {
        "ApplyConfig" => (stream, m) => stream == "Verbose" && m.StartsWith("Applied ConfigMap ", StringComparison.Ordinal),
        "CreateJob" => (stream, m) => stream == "Verbose" && m.StartsWith("Created Job ", StringComparison.Ordinal),
        // the first gateway is done (its job completed and was checked), the next not started
        "JobRun" => (stream, m) => stream == "Information" && m.StartsWith("Gateway '", StringComparison.Ordinal) && m.Contains(" upgraded in ", StringComparison.Ordinal),
        _ => throw new ArgumentException("no stop point for gateway step " + step),
    };

    public static async Task<(CellOutcome, string)> ClassifyAsync(FaultCell cell)
    {
        var reference = await ReferenceState.GetAsync(Scenario.Gateway);
        await using var sandbox = await UpgradeSandbox.StartAsync(await ReferenceState.GatewayStartAsync());
        var cluster = await sandbox.ConnectHostAsync();
        var backup0 = Storage(sandbox);
        if (backup0.Count == 0) return (CellOutcome.Broken, $"the start state holds no ks-upgrade backup on PVC {Pvc}");

        // run 1, with the fault
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        IEngineLog log1 = new RecordingEngineLog();
        if (cell.Fault == FaultKind.StoppedAfterStep) log1 = new StopAfterStepLog(StopAfter(cell.Step), cts);
        else if (cell.Fault == FaultKind.JobFailed) sandbox.Host.FailJob(ScenarioSteps.Target(cell.Scenario, cell.Step).Job!, "host");
        var rule = cell.Rule() is { } r ? sandbox.Host.AddFault(r) : null;
        // a stop in the middle: the run's token is cancelled while the step's own request is in flight (its rule delays it)
        string? stoppedWhile = null;
        void OnMatch(KsUpgrade.Sandbox.Faults.FaultRuleMatch m)
        {
            if (m.Rule.Id != rule?.Id || stoppedWhile is not null) return;
            stoppedWhile = $"stopped while {m.Verb} {m.Resource}{(m.Name is null ? "" : " " + m.Name)} was in flight";
            _ = Task.Run(cts.Cancel); // not on the sandbox's request thread
        }
        if (cell.Fault == FaultKind.StoppedMidStep) sandbox.Host.Faults.Matched += OnMatch;
        GatewayRunOutcome run1;
        try { run1 = await sandbox.RunGatewayUpdateAsync(cluster, log1, cts.Token); }
        finally { sandbox.Host.Faults.Matched -= OnMatch; }
        var stopped = !run1.Succeeded;
        if (cell.Fault == FaultKind.StoppedMidStep)
        {
            if (stoppedWhile is null)
                return (CellOutcome.Broken, $"the request of {cell.Step} never arrived, nothing was stopped: {run1.Error?.Message} ({run1.ResultsText})");
            if ((run1.Error as KsUpgradeException)?.ErrorId != ErrorIds.Stopped)
                return (CellOutcome.Broken, $"{stoppedWhile}, but run 1 did not end with {ErrorIds.Stopped}: {run1.Error?.GetType().Name} {(run1.Error as KsUpgradeException)?.ErrorId} {run1.Error?.Message} ({run1.ResultsText})");
        }
        if (rule?.Times is not null && sandbox.Host.Faults.Rules.FirstOrDefault(x => x.Id == rule.Id) is { } left
            && (!stopped || left.Times == rule.Times))
            return (CellOutcome.Broken, $"the fault was not used up in run 1 ({left.Times} of {rule.Times} left): it does not target what {cell.Step} calls");
        if (cell.Fault is FaultKind.Persistent500 or FaultKind.JobFailed && !stopped)
            return (CellOutcome.Broken, $"run 1 succeeded although {cell.Fault} stays until cleared: the fault does not reach {cell.Step}");
        if (log1 is StopAfterStepLog { Fired: false })
            return (CellOutcome.Broken, $"run 1 never reached the end of {cell.Step}: {run1.Error?.Message} ({run1.ResultsText})");

        string run1Note;
        if (!stopped) run1Note = "run 1 succeeded";
        else if (run1.Error is not null)
        {
            if (FaultMatrixBase.UnknownStop(run1.Error) is { } unknown) return (CellOutcome.Broken, unknown);
            run1Note = $"run 1 stopped with {((KsUpgradeException)run1.Error).ErrorId} after {run1.Results.Count} gateway result(s)";
        }
        else
        {
            var failed = run1.Results.FirstOrDefault(x => !x.Succeeded);
            if (failed is null || failed.Outcome != KsGatewayUpgradeOutcome.Failed || string.IsNullOrEmpty(failed.Detail))
                return (CellOutcome.Broken, $"run 1 did not succeed and no gateway result says why: {run1.ResultsText}");
            run1Note = $"run 1 reported gateway {failed.Gateway.Name} Failed ({FirstLine(failed.Detail)})";
        }
        if (stoppedWhile is not null) run1Note += $" ({stoppedWhile})";
        // the results tell the truth about each gateway
        if (Untrue(sandbox, run1.Results) is { } lie) return (CellOutcome.Broken, $"{run1Note}, but {lie}");
        if (ChangedEntries(backup0, Storage(sandbox)) is { } changed1)
            return (CellOutcome.Broken, $"{run1Note}; run 1 changed the ks-upgrade backup: {changed1}");

        // run 2: no fault, same parameters
        sandbox.Host.ClearFaults();
        var run2 = await sandbox.RunGatewayUpdateAsync(cluster, new RecordingEngineLog(), CancellationToken.None);
        if (!run2.Succeeded)
            return (CellOutcome.Broken, $"{run1Note}; run 2 failed: {run2.Error?.GetType().Name} {(run2.Error as KsUpgradeException)?.ErrorId} {run2.Error?.Message} "
                                        + $"({run2.ResultsText}: {string.Join(" | ", run2.Results.Where(x => !x.Succeeded).Select(x => FirstLine(x.Detail)))})");
        if (Untrue(sandbox, run2.Results) is { } lie2) return (CellOutcome.Broken, $"{run1Note}; run 2: {lie2}");
        if (ChangedEntries(backup0, Storage(sandbox)) is { } changed2)
            return (CellOutcome.Broken, $"{run1Note}; run 2 changed the ks-upgrade backup: {changed2}");

        var diff = await reference.SettledDifferenceAsync(sandbox);
        if (diff.Length > 0) return (CellOutcome.Broken, $"{run1Note}; the final state differs from a clean run: {diff}");
        return stopped
            ? (CellOutcome.StoppedCleanly, run1Note + "; run 2 finished the other gateways to the clean final state, ks-upgrade backup kept")
            : (CellOutcome.Survived, run1Note);
    }

    /// <summary>What a result claims that the cluster contradicts, or null.</summary>
    private static string? Untrue(UpgradeSandbox sandbox, IReadOnlyList<KsGatewayUpgradeResult> results)
    {
        var view = sandbox.Host.Cluster("host");
        foreach (var result in results)
        {
            var name = result.Gateway.Name;
            var v2 = view.Get(GatewayModule.V2, "gateways", ControlsNs, name) is not null;
            var legacyRelease = view.List("v1", "secrets", ControlsNs)
                .Any(s => s["metadata"]?["labels"]?["owner"]?.GetValue<string>() == "helm" && s["metadata"]?["labels"]?["name"]?.GetValue<string>() == name + "-ingress");
            var ownOnV4 = view.List("v1", "secrets", ControlsNs)
                .Where(s => HelmReleaseSecret.IsReleaseSecret(s) && s["metadata"]?["labels"]?["name"]?.GetValue<string>() == name)
                .Select(HelmReleaseSecret.Decode).OrderBy(r => r.Revision).LastOrDefault() is { Status: "deployed", ChartName: GatewayExtensionController.ChartName };
            switch (result.Outcome)
            {
                case KsGatewayUpgradeOutcome.Upgraded or KsGatewayUpgradeOutcome.AlreadyUpgraded when !v2 || legacyRelease:
                    return $"gateway {name} is reported {result.Outcome} while {(v2 ? "" : "no v2alpha1 Gateway exists")}{(!v2 && legacyRelease ? " and " : "")}{(legacyRelease ? $"release {name}-ingress is still there" : "")}";
                case KsGatewayUpgradeOutcome.Upgraded or KsGatewayUpgradeOutcome.AlreadyUpgraded when !ownOnV4:
                    return $"gateway {name} is reported {result.Outcome} while its release {name} is not deployed on the v4 gateway chart";
                case KsGatewayUpgradeOutcome.NotRun when v2 || !legacyRelease:
                    return $"gateway {name} is reported NotRun but it was changed (v2alpha1 Gateway {(v2 ? "present" : "absent")}, release {name}-ingress {(legacyRelease ? "present" : "gone")})";
            }
        }
        return null;
    }

    /// <summary>The entries of the ks-upgrade backup (the simulated files under /tmp/ks-upgrade, kept on the PVC) as JSON text.</summary>
    private static Dictionary<string, string> Storage(UpgradeSandbox sandbox)
    {
        var pvc = sandbox.Host.Cluster("host").Get("v1", "persistentvolumeclaims", KsUpgradeRun.Ns, Pvc);
        var text = pvc?["metadata"]?["annotations"]?[KsUpgradeRun.StorageAnnotation]?.GetValue<string>();
        return text is null || JsonNode.Parse(text) is not JsonObject o
            ? new Dictionary<string, string>()
            : o.ToDictionary(p => p.Key, p => p.Value?.ToJsonString() ?? "null");
    }

    /// <summary>Entries present before and changed or gone after; null when every one is kept as it was.</summary>
    private static string? ChangedEntries(Dictionary<string, string> before, Dictionary<string, string> after)
    {
        var changed = before.Where(b => !after.TryGetValue(b.Key, out var a) || a != b.Value).Select(b => b.Key).ToList();
        return changed.Count == 0 ? null : string.Join(", ", changed);
    }

    private static string FirstLine(string? s) => s is null ? "" : s.Split('\n')[0].Trim();
}
