using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

using KsUpgrade.Engine.Journal;

namespace KsUpgrade.Engine.Upgrade.Steps;

/// <summary>Step 8: apply the chart's CRDs (crds/ folders, subcharts included) with server-side apply, force (<see cref="ChartCrds"/>).</summary>
internal sealed class ApplyCrdsStep : IUpgradeStep
{
    public UpgradeStepId Id => UpgradeStepId.ApplyCrds;
    public bool Mutating => true;

    public async Task<StepPlan> PlanAsync(UpgradeContext c, CancellationToken ct)
    {
        var chart = await c.ChartAsync(ct).ConfigureAwait(false);
        var crds = ChartCrds.Read(chart).ToList();
        if (crds.Count == 0) return StepPlan.Nothing("CustomResourceDefinitions", $"chart {chart.Name} {chart.Version} carries no CRDs");
        return new StepPlan($"{crds.Count} CustomResourceDefinitions", crds.Select(d => $"Apply (server-side, force) CustomResourceDefinition {d.Name()}").ToList())
        {
            State = crds,
        };
    }

    public async Task<string> RunAsync(UpgradeContext c, StepPlan plan, CancellationToken ct)
    {
        var crds = (List<JsonObject>)plan.State!;
        foreach (var crd in crds)
        {
            await ChartCrds.ApplyAsync(c.Api, crd, ct).ConfigureAwait(false);
            c.Log.Verbose($"Applied CustomResourceDefinition {crd.Name()}.");
        }
        return $"{crds.Count} CRDs applied";
    }
}
