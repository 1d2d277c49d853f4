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
            _ => null,
        };
    }

    /// <summary>The host's mutating steps (the columns of the host table).</summary>
    public static readonly string[] MutatingSteps = ScenarioSteps.Host.Select(t => t.Step).ToArray();

    public static IReadOnlyList<string> StepsOf(Scenario scenario) => ScenarioSteps.Of(scenario).Select(t => t.Step).ToList();

    /// <summary>Every cell of the host matrix: 4 API faults and a stop for each mutating step, a failed job for PrepareJob.</summary>
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
            return All().Contains(cell) ? null : cell.Fault == FaultKind.JobFailed ? $"{cell.Step} runs no job" : "not in the host matrix";
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
            // kinds added to the host matrix are not modelled for this scenario yet
            _ => $"{cell.Fault} is not in the {cell.Scenario} matrix yet",
        };
    }
}
