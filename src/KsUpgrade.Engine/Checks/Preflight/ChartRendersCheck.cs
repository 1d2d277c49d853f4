namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// With -Chart: the chart renders exactly as the upgrade will render it (same helm, values and --sets; the prepare
/// template and the full release), and every rendered apiVersion/kind is served now or will be once the chart's CRDs
/// are applied. Nothing is changed until everything that will be asked of helm and the API server has been rendered
/// and checked: the upgrade's Preflight step enforces the same verdict.
/// </summary>
public sealed class ChartRendersCheck : ClusterCheck
{
    public override string Id => "ChartRenders";
    public override string Title => "The chart renders as the upgrade will render it";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var f = ctx.Request.ChartRender;
        if (f is null)
            return Task.FromResult(Skipped(ctx.Request.ChartRenderSkipped ?? "No chart given (-Chart): nothing to render."));
        if (f.Failed)
            return Task.FromResult(Failed(f.Describe(), f.Remedy ?? "Fix the chart or the values, or use the helm the chart supports, then run Test-KsCluster -Chart again.", f));
        if (f.Warnings.Count > 0)
            return Task.FromResult(Warning(f.Describe(), f.Remedy ?? "See the message.", f));
        return Task.FromResult(Passed(f.Describe(), f));
    }
}
