using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Upgrade.Steps;

/// <summary>Step 8: apply the chart's CRDs (crds/ folders, subcharts included) with server-side apply, force.</summary>
internal sealed class ApplyCrdsStep : IUpgradeStep
{
    public string Name => "ApplyCrds";
    public bool Mutating => true;

    public async Task<StepPlan> PlanAsync(UpgradeContext c, CancellationToken ct)
    {
        var chart = await c.ChartAsync(ct).ConfigureAwait(false);
        var crds = new List<JsonObject>();
        foreach (var file in chart.Crds)
        {
            IReadOnlyList<JsonObject> docs;
            try { docs = YamlJson.ReadDocuments(file.Yaml); }
            catch (YamlDotNet.Core.YamlException e)
            {
                throw new KsUpgradeException(UpgradeErrorIds.ChartInvalid, KsErrorCategory.InvalidData,
                    $"CRD file {file.Source} of the chart is not valid YAML (line {e.Start.Line}, column {e.Start.Column}).", file.Source, e);
            }
            crds.AddRange(docs.Where(d => d.Str("kind") == "CustomResourceDefinition"));
        }
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
            await c.Api.ApplyAsync(ResourceKind.CustomResourceDefinitions, null, crd, force: true, ct).ConfigureAwait(false);
            c.Log.Verbose($"Applied CustomResourceDefinition {crd.Name()}.");
        }
        return $"{crds.Count} CRDs applied";
    }
}
