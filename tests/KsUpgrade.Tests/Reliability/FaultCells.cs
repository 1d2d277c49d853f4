using KsUpgrade.Sandbox.Faults;

namespace KsUpgrade.Tests.Reliability;

/// <summary>The faults of the matrix.</summary>
public enum FaultKind
{
    Api500Burst,
    TooManyRequests429,
    DroppedConnection,
    Persistent500,
    JobFailed,
    StoppedAfterStep,
    /// <summary>409 from a concurrent writer (the sandbox really rewrites the object first); AlreadyExists for a create.</summary>
    Conflict409,
    /// <summary>A watch the step makes is answered, then its stream is cut after the first event (no clean end).</summary>
    WatchCut,
    /// <summary>The helm process is killed (SIGKILL) once it wrote the pending-upgrade release record.</summary>
    HelmKilled,
    /// <summary>The run is stopped (its token cancelled) while the step's own request is in flight.</summary>
    StoppedMidStep,
}

/// <summary>One cell: a fault aimed at the API call a mutating step of a scenario makes (or a stop after that step).</summary>
public sealed record FaultCell(FaultKind Fault, string Step, Scenario Scenario = Scenario.Host)
{
    public override string ToString() => Scenario == Scenario.Host ? $"{Fault}@{Step}" : $"{Scenario}:{Fault}@{Step}";

    /// <summary>The request of the host step the fault hits (verb, resource, name).</summary>
    internal static (string Verb, string Resource, string? Name) Target(string step)
    {
        var t = ScenarioSteps.Target(Scenario.Host, step);
        return (t.Verb, t.Resource, t.Name);
    }

    /// <summary>The sandbox fault rule of this cell (none for a stop or a failed job).</summary>
    internal FaultRule? Rule()
    {
        var target = ScenarioSteps.Target(Scenario, Step);
        var rule = new FaultRule { Verb = target.Verb, Resource = target.Resource, Name = target.Name, Cluster = target.Cluster };
        return Fault switch
        {
            FaultKind.Api500Burst => rule with { Status = 500, Times = 3 },
            FaultKind.TooManyRequests429 => rule with { Status = 429, RetryAfterSeconds = 1, Times = 2 },
            FaultKind.DroppedConnection => rule with { DropConnection = true, Times = 2 },
            FaultKind.Persistent500 => rule with { Status = 500, Times = null },
            // Backup writes nothing but the journal: its 409 hits the journal update that records the backup done (a
            // guarded PUT: the engine re-reads and re-applies). Patches and deletes carry no resourceVersion, so a 409 is
            // the apiserver giving up after its own retries against a busy writer (the engine sends them again); helm's
            // release record is a create, which loses the race as AlreadyExists (helm's own lock: helm stops).
            FaultKind.Conflict409 when Step == "Backup" =>
                rule with { Verb = "update", Resource = "configmaps", Name = KsUpgrade.Engine.Journal.UpgradeJournal.ConfigMapName, ConcurrentWrite = true, Times = 1 },
            FaultKind.Conflict409 => rule with { ConcurrentWrite = true, Times = target.Verb == "create" ? 1 : 2 },
            // helm --wait polls; what helm watches is each hook Job it creates (until it completes), and the
            // engine itself never watches (it polls Jobs with GET): the only watches of the upgrade are these
            FaultKind.WatchCut => new FaultRule { Verb = "watch", Resource = "jobs", Cluster = target.Cluster, CutWatchAfterEvents = 1, Times = 1 },
            // a tap: no effect but a short delay; the test cancels the run when the request arrives (FaultTrigger).
            // In HelmUpgrade the stop comes in the middle of helm's work: at its pre-upgrade hook Job (the first Job
            // created with POST), after helm wrote the pending-upgrade release record, which the stop leaves behind.
            FaultKind.StoppedMidStep when Step == "HelmUpgrade" =>
                rule with { Verb = "create", Resource = "jobs", Name = null, DelayMs = 300, Times = 1 },
            FaultKind.StoppedMidStep => rule with { DelayMs = 300, Times = 1 },
            _ => null,
        };
    }

    /// <summary>The host's mutating steps (the columns of the host table).</summary>
    public static readonly string[] MutatingSteps = ScenarioSteps.Host.Select(t => t.Step).ToArray();

    public static IReadOnlyList<string> StepsOf(Scenario scenario) => ScenarioSteps.Of(scenario).Select(t => t.Step).ToList();

    /// <summary>
    /// Every cell of the matrix: 4 API faults, a 409 conflict, a stop after and a stop in the middle for each mutating
    /// step, a failed job for PrepareJob; a cut watch and a killed helm for HelmUpgrade only. The other steps never
    /// watch (the engine polls Jobs with GET; only helm, run by HelmUpgrade alone, watches its hook Jobs) and run no
    /// helm upgrade (PrepareJob's helm template writes nothing), so those cells are n/a.
    /// </summary>
    public static IEnumerable<FaultCell> All()
    {
        foreach (var step in MutatingSteps)
        {
            foreach (var f in new[] { FaultKind.Api500Burst, FaultKind.TooManyRequests429, FaultKind.DroppedConnection, FaultKind.Persistent500 })
                yield return new FaultCell(f, step);
            if (step == "PrepareJob") yield return new FaultCell(FaultKind.JobFailed, step);
            yield return new FaultCell(FaultKind.StoppedAfterStep, step);
            yield return new FaultCell(FaultKind.Conflict409, step);
            yield return new FaultCell(FaultKind.StoppedMidStep, step);
            if (step == "HelmUpgrade")
            {
                yield return new FaultCell(FaultKind.WatchCut, step);
                yield return new FaultCell(FaultKind.HelmKilled, step);
            }
        }
    }

    /// <summary>Every cell of a scenario's matrix: each fault at each step, except the cells <see cref="NotApplicable"/> explains.</summary>
    public static IEnumerable<FaultCell> All(Scenario scenario) => scenario == Scenario.Host
        ? All()
        : ScenarioSteps.Of(scenario).SelectMany(t => Enum.GetValues<FaultKind>().Select(f => new FaultCell(f, t.Step, scenario)))
            .Where(c => NotApplicable(c) is null);

    /// <summary>Why a cell is left out of its scenario's matrix (shown as n/a in the table), or null when it is run.</summary>
    public static string? NotApplicable(FaultCell cell)
    {
        var target = ScenarioSteps.Target(cell.Scenario, cell.Step);
        if (cell.Scenario == Scenario.Host)
            return All().Contains(cell) ? null : cell.Fault switch
            {
                FaultKind.JobFailed => $"{cell.Step} runs no job",
                FaultKind.WatchCut => $"{cell.Step} makes no watch (the engine polls Jobs with GET; only helm watches its hook Jobs, in HelmUpgrade)",
                FaultKind.HelmKilled => $"{cell.Step} runs no helm upgrade (PrepareJob's helm template writes nothing)",
                _ => "not in the host matrix",
            };
        return cell.Fault switch
        {
            FaultKind.Api500Burst or FaultKind.TooManyRequests429 or FaultKind.DroppedConnection or FaultKind.Persistent500 => null,
            FaultKind.JobFailed => target.Job is null ? $"{cell.Step} runs no job" : null,
            FaultKind.StoppedAfterStep => (cell.Scenario, cell.Step) switch
            {
                // the taint removal is the last thing Invoke-KsMemberUpgrade does: a stop after it is a finished run
                (Scenario.Member, "RemoveTaint") => "nothing runs after RemoveTaint: a stop there is a finished run",
                // nothing records the end of the delete (the engine goes straight on to the ConfigMap): the stop after
                // ApplyConfig is the nearest point, with the old job already gone
                (Scenario.Gateway, "DeleteOldJob") => "no record marks the end of the delete; StoppedAfterStep@ApplyConfig stops just after it",
                _ => null,
            },
            // the upgrade engine is the same for a member: a conflict and a stop in the middle apply to every step, a
            // cut watch and a killed helm only to HelmUpgrade (as in the host matrix)
            FaultKind.Conflict409 or FaultKind.StoppedMidStep when cell.Scenario == Scenario.Member => null,
            FaultKind.WatchCut or FaultKind.HelmKilled when cell.Scenario == Scenario.Member =>
                cell.Step != "HelmUpgrade"
                    ? cell.Fault == FaultKind.WatchCut ? $"{cell.Step} makes no watch (only helm watches its hook Jobs, in HelmUpgrade)" : $"{cell.Step} runs no helm upgrade"
                    : cell.Fault == FaultKind.HelmKilled && !OperatingSystem.IsLinux() ? "finding helm's process to kill reads /proc (Linux only)" : null,
            // Update-KsGateway: a stop in the middle applies to every call; a conflict to its writes (a 409 on the log
            // read of JobRun means nothing); it never watches (it polls the Job and reads the log) and runs no helm of
            // its own (the dynamic-upgrade Job runs helm inside the cluster)
            FaultKind.StoppedMidStep => null,
            FaultKind.Conflict409 => target.Verb is "get" or "list" ? $"{cell.Step} only reads: a conflict is a write's answer" : null,
            FaultKind.WatchCut => "Update-KsGateway makes no watch (it polls the Job and reads its pod's log)",
            FaultKind.HelmKilled => "Update-KsGateway runs no helm process (the dynamic-upgrade Job runs helm inside the cluster)",
            _ => $"{cell.Fault} is not in the {cell.Scenario} matrix yet",
        };
    }
}
