using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Upgrade;

/// <summary>The chart's CRDs: read once (crds/ folders, subcharts included) and applied one way, by every step that applies them.</summary>
internal static class ChartCrds
{
    public const string LastApplied = LastAppliedConfiguration.Annotation;

    /// <summary>Every CustomResourceDefinition document of the chart; a file that is not YAML is ChartInvalid.</summary>
    public static IReadOnlyList<JsonObject> Read(UpgradeChartInfo chart)
    {
        var crds = new List<JsonObject>();
        foreach (var file in chart.Crds)
        {
            IReadOnlyList<JsonObject> docs;
            try { docs = YamlJson.ReadDocuments(file.Yaml); }
            catch (YamlDotNet.Core.YamlException e)
            {
                throw new KsUpgradeException(ErrorIds.ChartInvalid, KsErrorCategory.InvalidData,
                    $"CRD file {file.Source} of the chart is not valid YAML (line {e.Start.Line}, column {e.Start.Column}).", file.Source, e);
            }
            crds.AddRange(docs.Where(d => d.Str("kind") == "CustomResourceDefinition"));
        }
        return crds;
    }

    /// <summary>
    /// Server-side apply (force) of one chart CRD. A CRD that was last written by <c>kubectl apply</c> (ks-installer
    /// did so on 3.4) carries the <c>last-applied-configuration</c> annotation; it is rewritten to the chart's CRD, as
    /// kubectl apply would, so an admin's later <c>kubectl apply</c> computes its three-way diff from what is really
    /// there and not from the 3.4 CRD.
    /// </summary>
    public static async Task ApplyAsync(IKubeApi api, JsonObject crd, CancellationToken ct)
    {
        var body = (JsonObject)crd.DeepClone();
        var existing = await api.GetAsync(ResourceKind.CustomResourceDefinitions, null, crd.Name(), ct).ConfigureAwait(false);
        if (existing?["metadata"]?["annotations"]?[LastApplied] is not null)
        {
            var metadata = body["metadata"] as JsonObject ?? new JsonObject();
            body["metadata"] = metadata;
            var annotations = metadata["annotations"] as JsonObject ?? new JsonObject();
            metadata["annotations"] = annotations;
            annotations[LastApplied] = LastAppliedConfiguration.Of(crd);
        }
        await api.ApplyAsync(ResourceKind.CustomResourceDefinitions, null, body, force: true, ct).ConfigureAwait(false);
    }
}
