namespace KsUpgrade.Engine.Upgrade;

/// <summary>What a step would do: the ShouldProcess target and one line per object it would change (empty = nothing to do).</summary>
internal sealed record StepPlan(string Target, IReadOnlyList<string> Actions, string? NothingToDoReason = null)
{
    public bool NothingToDo => Actions.Count == 0;
    /// <summary>Step-specific data computed while planning (rendered objects, objects to delete).</summary>
    public object? State { get; init; }
    public string Describe() => NothingToDo ? NothingToDoReason ?? "nothing to do" : string.Join(Environment.NewLine, Actions);

    public static StepPlan Nothing(string target, string reason) => new(target, Array.Empty<string>(), reason);
}

/// <summary>One upgrade step: plans first (read-only, also under -WhatIf), then runs the plan.</summary>
internal interface IUpgradeStep
{
    Journal.UpgradeStepId Id { get; }
    /// <summary>The step's name as the journal and KsUpgradeStep.Name show it.</summary>
    string Name => Id.ToString();
    /// <summary>Mutating steps ask ShouldProcess and are journaled before and after.</summary>
    bool Mutating { get; }
    Task<StepPlan> PlanAsync(UpgradeContext c, CancellationToken ct);
    /// <summary>Runs the plan; returns the step's Detail.</summary>
    Task<string> RunAsync(UpgradeContext c, StepPlan plan, CancellationToken ct);
}
