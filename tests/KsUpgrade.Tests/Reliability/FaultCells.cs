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

/// <summary>One cell: a fault aimed at the API call a mutating step makes (or a stop after that step).</summary>
public sealed record FaultCell(FaultKind Fault, string Step)
{
    public override string ToString() => $"{Fault}@{Step}";

    /// <summary>The request of the step the fault hits (verb, resource, name).</summary>
    internal static (string Verb, string Resource, string? Name) Target(string step) => step switch
    {
        // the backup lists every kind; configmaps are listed only by the backup (the journal is read with get)
        "Backup" => ("list", "configmaps", null),
        "StopInstaller" => ("patch", "deployments", "ks-installer"),
        "EtcdEndpoints" => ("patch", "clusterconfigurations", "ks-installer"),
        "RemoveOldRedis" => ("delete", "deployments", "redis"),
        // the engine applies the rendered Job server-side (PATCH); helm's hook jobs are created with POST
        "PrepareJob" => ("patch", "jobs", "prepare-upgrade"),
        "ApplyCrds" => ("patch", "customresourcedefinitions", null),
        // helm's own release record: the first write `helm upgrade` makes
        "HelmUpgrade" => ("create", "secrets", null),
        _ => throw new ArgumentException("no target for step " + step),
    };

    /// <summary>The sandbox fault rule of this cell (none for a stop or a failed job).</summary>
    internal FaultRule? Rule()
    {
        var (verb, resource, name) = Target(Step);
        var rule = new FaultRule { Verb = verb, Resource = resource, Name = name, Cluster = "host" };
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
            FaultKind.Conflict409 => rule with { ConcurrentWrite = true, Times = verb == "create" ? 1 : 2 },
            // helm --wait polls; what helm watches is each hook Job it creates (until it completes), and the
            // engine itself never watches (it polls Jobs with GET): the only watches of the upgrade are these
            FaultKind.WatchCut => new FaultRule { Verb = "watch", Resource = "jobs", Cluster = "host", CutWatchAfterEvents = 1, Times = 1 },
            // a tap: no effect but a short delay; the test cancels the run when the request arrives (FaultTrigger).
            // In HelmUpgrade the stop comes in the middle of helm's work: at its pre-upgrade hook Job (the first Job
            // created with POST), after helm wrote the pending-upgrade release record, which the stop leaves behind.
            FaultKind.StoppedMidStep when Step == "HelmUpgrade" =>
                rule with { Verb = "create", Resource = "jobs", Name = null, DelayMs = 300, Times = 1 },
            FaultKind.StoppedMidStep => rule with { DelayMs = 300, Times = 1 },
            _ => null,
        };
    }

    public static readonly string[] MutatingSteps =
        { "Backup", "StopInstaller", "EtcdEndpoints", "RemoveOldRedis", "PrepareJob", "ApplyCrds", "HelmUpgrade" };

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
}
