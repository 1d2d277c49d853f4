namespace KsUpgrade.Engine.Upgrade.Steps;

/// <summary>Step 10: the PostUpgrade checks of Test-KsCluster.</summary>
internal sealed class PostCheckStep : IUpgradeStep
{
    public string Name => "PostCheck";
    public bool Mutating => false;

    public Task<StepPlan> PlanAsync(UpgradeContext c, CancellationToken ct) =>
        Task.FromResult(new StepPlan(c.Api.Context, new[] { "Run the post-upgrade checks (read-only)" }));

    public async Task<string> RunAsync(UpgradeContext c, StepPlan plan, CancellationToken ct)
    {
        var outcome = await c.Checks.PostUpgradeAsync(ct).ConfigureAwait(false);
        if (outcome.Failed)
            throw new KsUpgradeException(UpgradeErrorIds.PostCheckFailed, KsErrorCategory.InvalidResult,
                $"The upgrade ran, but the post-upgrade checks failed: {string.Join("; ", outcome.Messages)}", c.Api.Context)
                { Remedy = "Run Test-KsCluster -Phase PostUpgrade for details; re-running the upgrade repeats only this check." };
        return outcome.Messages.Count == 0 ? "post-upgrade checks passed" : "post-upgrade checks passed: " + string.Join("; ", outcome.Messages);
    }
}
