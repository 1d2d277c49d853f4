using System.Diagnostics;
using System.Text.Json.Nodes;
using KsUpgrade.Engine;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Undo;
using KsUpgrade.Sandbox.Faults;
using KsUpgrade.Tests.Reliability;
using Xunit.Abstractions;
using HelmTool = KsUpgrade.Tests.Seeds.HelmTool;

namespace KsUpgrade.Tests.Undo;

/// <summary>
/// Faults during Undo (issue 19, Proof): the fault matrix's kinds injected at each Undo step of the Undo of a completed
/// host upgrade (run 1), then Undo run again without faults (run 2). A cell holds when run 1 either finished or stopped
/// with a declared ErrorId (a stop: <see cref="ErrorIds.Stopped"/>), the fault was really hit, and run 2 finished Undo:
/// the KubeSphere-owned state equals the pre-upgrade state. So no fault leaves a state that neither the upgrade nor Undo
/// can continue from. Every cell starts from one snapshot of a completed upgrade and its backup (taken once).
/// </summary>
public abstract class UndoFaultTestsBase
{
    private readonly ITestOutputHelper _output;
    protected UndoFaultTestsBase(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// The request of each Undo step a fault hits (the fault matrix's <see cref="StepTarget"/> for Undo), armed once the
    /// step before has finished: Preflight reads Undo's journal first; HelmRollback's first write is helm's
    /// pending-rollback release record; RestoreCrds deletes the CRDs the upgrade added; RestoreObjects re-creates
    /// ks-installer's Deployment (among others); RestoreWebhooks lists KubeSphere's validating webhook configurations (the
    /// rollback gave back the chart's: it has nothing to write); Finish deletes the upgrade journal.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, (string Verb, string Resource, string? Name)> Targets = new Dictionary<string, (string, string, string?)>
    {
        [nameof(UndoStepId.Preflight)] = ("get", "configmaps", UpgradeJournal.UndoConfigMapName),
        [nameof(UndoStepId.HelmRollback)] = ("create", "secrets", null),
        // helm's rollback fails in the middle of applying the 3.4 manifest (it records the revision failed)
        [nameof(UndoStepId.HelmRollback) + ":apply"] = ("create", "deployments", null),
        [nameof(UndoStepId.RestoreCrds)] = ("delete", "customresourcedefinitions", null),
        [nameof(UndoStepId.RestoreObjects)] = ("create", "deployments", null),
        [nameof(UndoStepId.RestoreWebhooks)] = ("*", "validatingwebhookconfigurations", null),
        [nameof(UndoStepId.Finish)] = ("delete", "configmaps", UpgradeJournal.ConfigMapName),
    };

    private static readonly FaultKind[] Faults =
    {
        FaultKind.Api500Burst, FaultKind.TooManyRequests429, FaultKind.DroppedConnection, FaultKind.Persistent500,
        FaultKind.Conflict409, FaultKind.StoppedMidStep, FaultKind.StoppedAfterStep,
    };

    /// <summary>The cells of some Undo steps: each fault at each step, but where it means nothing; a killed helm in HelmRollback.</summary>
    protected static IEnumerable<(FaultKind Fault, string Step)> CellsOf(params string[] steps)
    {
        foreach (var step in steps)
        {
            foreach (var fault in Faults)
            {
                // Preflight only reads: a conflict is a write's answer; the stop after it is the stop in HelmRollback's middle at the latest
                if (step == nameof(UndoStepId.Preflight) && fault is FaultKind.Conflict409 or FaultKind.StoppedAfterStep) continue;
                // nothing runs after Finish: a stop there is a finished Undo
                if (step == nameof(UndoStepId.Finish) && fault == FaultKind.StoppedAfterStep) continue;
                // after the helm rollback the chart's webhook configurations are the 3.4 ones again: RestoreWebhooks finds
                // nothing to change (Skipped) and only lists them; a conflict is a write's answer
                if (step == nameof(UndoStepId.RestoreWebhooks) && fault == FaultKind.Conflict409) continue;
                yield return (fault, step);
            }
            if (step == nameof(UndoStepId.HelmRollback))
            {
                yield return (FaultKind.HelmKilled, step);
                yield return (FaultKind.Persistent500, step + ":apply");
            }
        }
    }

    protected static IEnumerable<object[]> Rows(IEnumerable<(FaultKind Fault, string Step)> cells) => cells.Select(c => new object[] { c.Fault, c.Step });

    /// <summary>Starts the class's cells side by side and awaits this one.</summary>
    private protected async Task RunAsync(UndoProof.CellRunner<(FaultKind, string)> runner, IEnumerable<(FaultKind, string)> all, FaultKind fault, string step)
    {
        var note = await runner.RunAsync((fault, step), all);
        _output.WriteLine($"{fault}@{step}: {note}");
    }

    protected static Task<string> RunCellAsync((FaultKind Fault, string Step) cell) => RunCellAsync(cell.Fault, cell.Step);

    /// <summary>A completed host upgrade (snapshot of the host), its backup (copied out of the sandbox) and the pre-upgrade state; taken once.</summary>
    private protected static readonly Lazy<Task<(SandboxSnapshot Upgraded, string Backup, KubeSphereState Before)>> Start = new(async () =>
    {
        await using var sb = await UpgradeSandbox.StartAsync();
        var host = await sb.ConnectHostAsync();
        var before = KubeSphereState.Of(sb.Host.StateOf("host"));
        var run = await sb.RunHostUpgradeAsync(host, new RecordingEngineLog(), CancellationToken.None);
        if (!run.Succeeded) throw new InvalidOperationException($"the host upgrade failed: {run.Error?.Message} ({run.StepsText})");
        var backup = Path.Combine(Path.GetTempPath(), "ksup-undo-fault-bk-" + Guid.NewGuid().ToString("N"));
        CopyDirectory(sb.BackupPath, backup);
        return (sb.Snapshot("host", ScenarioSteps.MemberCluster, "member2"), backup, before);
    });

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.EnumerateFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.EnumerateDirectories(from)) CopyDirectory(d, Path.Combine(to, Path.GetFileName(d)));
    }

    private static FaultRule? RuleOf(FaultKind fault, string step)
    {
        var (verb, resource, name) = Targets[step];
        var rule = new FaultRule { Verb = verb, Resource = resource, Name = name, Cluster = "host" };
        return fault switch
        {
            FaultKind.Api500Burst => rule with { Status = 500, Times = 3 },
            FaultKind.TooManyRequests429 => rule with { Status = 429, RetryAfterSeconds = 1, Times = 2 },
            FaultKind.DroppedConnection => rule with { DropConnection = true, Times = 2 },
            FaultKind.Persistent500 => rule with { Status = 500, Times = null },
            FaultKind.Conflict409 => rule with { ConcurrentWrite = true, Times = verb == "create" ? 1 : 2 },
            FaultKind.StoppedMidStep => rule with { DelayMs = 300, Times = 1 },
            _ => null,
        };
    }

    private static async Task<string> RunCellAsync(FaultKind fault, string step)
    {
        var (upgraded, backup, before) = await Start.Value;
        await using var sb = await UpgradeSandbox.StartAsync(upgraded);
        var host = await sb.ConnectHostAsync();
        var helm = HelmTool.Path;

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        // the fault is armed once the step before has finished, so it hits the step's own request (not the same request
        // of the whole plan Preflight makes); a stop after the step cancels the run once the step is recorded done
        static bool Done(string s, string stream, string message) => stream == "Information" && message.StartsWith("Step ", StringComparison.Ordinal)
            && (message.Contains($": {s} succeeded", StringComparison.Ordinal) || message.Contains($": {s} skipped", StringComparison.Ordinal));
        var stepName = step.Split(':')[0]; // "HelmRollback:apply": the step, and which of its requests
        var previous = Enum.GetNames<UndoStepId>().TakeWhile(n => n != stepName).LastOrDefault();
        var template = RuleOf(fault, step);
        var rule = template is not null && previous is null ? sb.Host.AddFault(template) : null;
        var log1 = new StopAfterStepLog((stream, message) =>
        {
            if (template is not null && rule is null && Done(previous!, stream, message)) rule = sb.Host.AddFault(template);
            return fault == FaultKind.StoppedAfterStep && Done(stepName, stream, message);
        }, cts);
        var fired = false;
        void OnMatch(FaultRuleMatch m)
        {
            if (fault != FaultKind.StoppedMidStep || m.Rule.Id != rule?.Id || fired) return;
            fired = true;
            _ = Task.Run(cts.Cancel); // not on the sandbox's request thread
        }
        sb.Host.Faults.Matched += OnMatch;
        using var stopKiller = new CancellationTokenSource();
        var killer = fault == FaultKind.HelmKilled ? Task.Run(() => KillHelmWhenPendingRollbackAsync(sb, stopKiller.Token)) : Task.FromResult<string?>(null);

        Exception? error1 = null;
        KsUndoResult? result1 = null;
        try { result1 = await UndoProof.Undo(sb, host, log1, helm, backup).RunAsync(cts.Token); }
        catch (Exception e) { error1 = e; }
        sb.Host.Faults.Matched -= OnMatch;
        stopKiller.Cancel();
        var killed = await killer;

        // run 1 went as the fault means it to
        var run1 = error1 is null ? "run 1 finished Undo" : $"run 1 stopped with {(error1 as KsUpgradeException)?.ErrorId}: {error1.Message}";
        Assert.True(error1 is null || (error1 is KsUpgradeException { ErrorId: { } id } && FaultMatrixBase.KnownErrorIds.Contains(id)),
            $"run 1 ended with an undeclared error: {error1}");
        switch (fault)
        {
            case FaultKind.StoppedAfterStep:
                Assert.True(log1.Fired, $"Undo never reported {step} done: {run1}");
                Assert.Equal(ErrorIds.Stopped, (error1 as KsUpgradeException)?.ErrorId);
                break;
            case FaultKind.StoppedMidStep:
                Assert.True(fired, $"the request of {step} never arrived: {run1}");
                Assert.Equal(ErrorIds.Stopped, (error1 as KsUpgradeException)?.ErrorId);
                break;
            case FaultKind.Persistent500:
                Assert.NotNull(error1);
                break;
            case FaultKind.HelmKilled:
                Assert.True(killed is not null, $"helm never wrote a pending-rollback record to be killed at: {run1}");
                Assert.NotNull(error1);
                run1 += $" ({killed})";
                break;
        }
        if (rule?.Times is not null && sb.Host.Faults.Rules.FirstOrDefault(x => x.Id == rule.Id) is { } left && (error1 is null || left.Times == rule.Times))
            Assert.Fail($"the fault was not used up in run 1 ({left.Times} of {rule.Times} left): it does not target what {step} calls; {run1}");
        sb.Host.ClearFaults();

        // run 2: Undo again, no fault, finishes it
        var note = run1;
        if (error1 is not null)
        {
            var log2 = new RecordingEngineLog();
            var run2 = await UndoProof.Undo(sb, host, log2, helm, backup).RunAsync(CancellationToken.None);
            Assert.True(run2.Succeeded, $"{run1}; run 2: " + string.Join("; ", run2.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}")));
            note += "; run 2 finished Undo (" + string.Join(", ", run2.Steps.Where(s => s.Status == KsUpgradeStepStatus.Skipped).Select(s => s.Name + " skipped")) + ")";
        }
        else Assert.True(result1!.Succeeded);
        var diff = await UndoProof.DifferenceFromAsync(sb, before);
        Assert.True(diff.Length == 0, $"{note}; the KubeSphere state differs from the pre-upgrade state: {diff}");
        Assert.Null(await KubeApi.For(host).GetAsync(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, UpgradeJournal.UndoConfigMapName, CancellationToken.None));
        return note + "; pre-upgrade state back";
    }

    /// <summary>SIGKILL to the `helm rollback` of this sandbox once it wrote its pending-rollback release record; what was done, or null.</summary>
    private static async Task<string?> KillHelmWhenPendingRollbackAsync(UpgradeSandbox sb, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var latest = sb.Host.Cluster("host").List("v1", "secrets", KsNames.KubeSphereSystem)
                .Where(s => s["metadata"]?["labels"]?["owner"]?.GetValue<string>() == "helm" && s["metadata"]?["labels"]?["name"]?.GetValue<string>() == KsNames.KsCoreRelease)
                .OrderBy(s => int.Parse(s["metadata"]!["labels"]!["version"]!.GetValue<string>())).LastOrDefault();
            if (latest?["metadata"]?["labels"]?["status"]?.GetValue<string>() == "pending-rollback" && FaultTrigger.HelmChild("rollback", sb.Host.KubeconfigPath) is { } pid)
            {
                using var p = Process.GetProcessById(pid);
                p.Kill();
                return $"helm (pid {pid}) killed after it wrote {latest["metadata"]!["name"]} (pending-rollback)";
            }
            try { await Task.Delay(20, stop); } catch (OperationCanceledException) { return null; }
        }
        return null;
    }
}

// One class per pair of Undo steps, so xunit runs them side by side (one collection each).
public sealed class UndoFaultPreflightAndRollbackTests : UndoFaultTestsBase
{
    public UndoFaultPreflightAndRollbackTests(ITestOutputHelper output) : base(output) { }
    private static IEnumerable<(FaultKind, string)> All() => CellsOf(nameof(UndoStepId.Preflight), nameof(UndoStepId.HelmRollback));
    public static IEnumerable<object[]> Cells => Rows(All());
    private static readonly UndoProof.CellRunner<(FaultKind, string)> Runner = new(RunCellAsync);

    [HelmTheory, MemberData(nameof(Cells))]
    public Task A_fault_during_Undo_leaves_a_state_a_rerun_of_Undo_finishes(FaultKind fault, string step) => RunAsync(Runner, All(), fault, step);
}

public sealed class UndoFaultCrdsAndObjectsTests : UndoFaultTestsBase
{
    public UndoFaultCrdsAndObjectsTests(ITestOutputHelper output) : base(output) { }
    private static IEnumerable<(FaultKind, string)> All() => CellsOf(nameof(UndoStepId.RestoreCrds), nameof(UndoStepId.RestoreObjects));
    public static IEnumerable<object[]> Cells => Rows(All());
    private static readonly UndoProof.CellRunner<(FaultKind, string)> Runner = new(RunCellAsync);

    [HelmTheory, MemberData(nameof(Cells))]
    public Task A_fault_during_Undo_leaves_a_state_a_rerun_of_Undo_finishes(FaultKind fault, string step) => RunAsync(Runner, All(), fault, step);
}

public sealed class UndoFaultWebhooksAndFinishTests : UndoFaultTestsBase
{
    public UndoFaultWebhooksAndFinishTests(ITestOutputHelper output) : base(output) { }
    private static IEnumerable<(FaultKind, string)> All() => CellsOf(nameof(UndoStepId.RestoreWebhooks), nameof(UndoStepId.Finish));
    public static IEnumerable<object[]> Cells => Rows(All());
    private static readonly UndoProof.CellRunner<(FaultKind, string)> Runner = new(RunCellAsync);

    [HelmTheory, MemberData(nameof(Cells))]
    public Task A_fault_during_Undo_leaves_a_state_a_rerun_of_Undo_finishes(FaultKind fault, string step) => RunAsync(Runner, All(), fault, step);
}

/// <summary>
/// A ks-core revision left pending by someone else's helm (not provably KsUpgrade's: neither journal shows it) is not
/// rolled back over: Undo refuses at Preflight with ReleasePending and changes nothing.
/// </summary>
public sealed class UndoPendingReleaseTests : UndoFaultTestsBase
{
    public UndoPendingReleaseTests(ITestOutputHelper output) : base(output) { }

    [KsUpgrade.Tests.Seeds.HelmFact]
    public async Task A_release_pending_from_another_helm_is_refused_and_nothing_is_changed()
    {
        var (upgraded, backup, _) = await Start.Value;
        await using var sb = await UpgradeSandbox.StartAsync(upgraded);
        var host = await sb.ConnectHostAsync();
        var api = KubeApi.For(host);
        // another client's helm upgrade in progress: the next revision, pending-upgrade, as helm writes it first
        var latest = (await KsUpgrade.Engine.Helm.HelmReleaseReader.LatestAsync(api, KsNames.KubeSphereSystem, KsNames.KsCoreRelease))!;
        var secret = (await api.GetAsync(ResourceKind.Secrets, KsNames.KubeSphereSystem, latest.SecretName, CancellationToken.None))!;
        var release = KsUpgrade.Engine.Helm.HelmReleaseDecoder.DecodeSecretData(secret.Str("data", "release"))!;
        var next = latest.Revision + 1;
        release["version"] = next;
        release["info"]!["status"] = "pending-upgrade";
        var pending = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Secret", ["type"] = "helm.sh/release.v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = KsUpgrade.Engine.Helm.HelmReleaseStatus.SecretName(KsNames.KsCoreRelease, next), ["namespace"] = KsNames.KubeSphereSystem,
                ["labels"] = new JsonObject { ["owner"] = "helm", ["name"] = KsNames.KsCoreRelease, ["status"] = "pending-upgrade", ["version"] = next.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            },
            ["data"] = new JsonObject { ["release"] = KsUpgrade.Engine.Helm.HelmReleaseDecoder.EncodeSecretData(release) },
        };
        await api.CreateAsync(ResourceKind.Secrets, KsNames.KubeSphereSystem, pending, CancellationToken.None);
        var before = KubeSphereState.Of(sb.Host.StateOf("host"));

        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => UndoProof.Undo(sb, host, new RecordingEngineLog(), HelmTool.Path, backup).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.ReleasePending, e.ErrorId);
        Assert.Contains($"revision {next} is pending-upgrade", e.Message);
        Assert.Contains("helm history ks-core", e.Remedy);
        // nothing changed: no rollback (the pending revision is still the latest), no Undo journal, the KubeSphere state as it was
        var after = await KsUpgrade.Engine.Helm.HelmReleaseReader.LatestAsync(api, KsNames.KubeSphereSystem, KsNames.KsCoreRelease);
        Assert.Equal((next, "pending-upgrade"), (after!.Revision, after.Status));
        Assert.Null(await api.GetAsync(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, UpgradeJournal.UndoConfigMapName, CancellationToken.None));
        Assert.Equal("", StateNormaliser.Difference(before.Objects, KubeSphereState.Of(sb.Host.StateOf("host")).Objects));
    }
}
