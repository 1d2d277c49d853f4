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
            _ => null,
        };
    }

    public static readonly string[] MutatingSteps =
        { "Backup", "StopInstaller", "EtcdEndpoints", "RemoveOldRedis", "PrepareJob", "ApplyCrds", "HelmUpgrade" };

    /// <summary>Every cell of the matrix: 4 API faults and a stop for each mutating step, a failed job for PrepareJob.</summary>
    public static IEnumerable<FaultCell> All()
    {
        foreach (var step in MutatingSteps)
        {
            foreach (var f in new[] { FaultKind.Api500Burst, FaultKind.TooManyRequests429, FaultKind.DroppedConnection, FaultKind.Persistent500 })
                yield return new FaultCell(f, step);
            if (step == "PrepareJob") yield return new FaultCell(FaultKind.JobFailed, step);
            yield return new FaultCell(FaultKind.StoppedAfterStep, step);
        }
    }
}
