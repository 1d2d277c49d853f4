namespace KsUpgrade.Engine.Checks;

/// <summary>
/// What rendering the target chart exactly as the upgrade will (same helm, values and --sets; the prepare template and
/// the full release) showed, before anything is changed: produced by the upgrade's render proof
/// (Upgrade/ChartRenderProof), reported by the ChartRenders check and enforced by the upgrade's Preflight step.
/// </summary>
public sealed record ChartRenderFindings
{
    /// <summary>The helm client that rendered (e.g. v4.1.4).</summary>
    public required string HelmVersion { get; init; }
    public required string ChartVersion { get; init; }
    public string? AppVersion { get; init; }
    /// <summary>Objects the prepare template renders (ConfigMap, Job, PVC).</summary>
    public int PrepareObjects { get; init; }
    /// <summary>Objects the full release renders, hooks included.</summary>
    public int ReleaseObjects { get; init; }
    /// <summary>The release's objects without hooks (for the adoption check).</summary>
    public IReadOnlyList<ChartResourceRef> Resources { get; init; } = Array.Empty<ChartResourceRef>();
    /// <summary>
    /// The container images the renders run (the prepare template and the release, hooks included), each once, in order:
    /// what the kubelet will be asked to pull (Test-KsCluster -ProbeImages pulls exactly these).
    /// </summary>
    public IReadOnlyList<string> Images { get; init; } = Array.Empty<string>();
    /// <summary>Rendered kinds the cluster does not serve now but the chart's CRDs will ("GlobalRole iam.kubesphere.io/v1beta1").</summary>
    public IReadOnlyList<string> ServedAfterCrds { get; init; } = Array.Empty<string>();
    /// <summary>CRDs the upgrade applies before the prepare render (helm 4 builds every kind of the chart when it renders).</summary>
    public IReadOnlyList<string> CrdsBeforePrepare { get; init; } = Array.Empty<string>();
    /// <summary>How the renders ran (server-side with live lookups, or client-side until the CRDs are applied).</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();
    /// <summary>Why the upgrade cannot finish; empty = it can.</summary>
    public IReadOnlyList<string> Problems { get; init; } = Array.Empty<string>();
    /// <summary>Not a problem, but the admin should know (e.g. a chart older than the recommended one).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
    public string? Remedy { get; init; }

    public bool Failed => Problems.Count > 0;

    /// <summary>One paragraph: the verdict, for the check's message, the step's detail and errors.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Failed) parts.Add(string.Join(" ", Problems));
        parts.Add($"helm {HelmVersion} rendered chart ks-core {ChartVersion}: {PrepareObjects} prepare objects, {ReleaseObjects} release objects.");
        if (ServedAfterCrds.Count > 0) parts.Add($"{ServedAfterCrds.Count} rendered kinds are served only after the chart's CRDs are applied: {string.Join(", ", ServedAfterCrds)}.");
        if (CrdsBeforePrepare.Count > 0) parts.Add($"These CRDs are applied before the prepare render: {string.Join(", ", CrdsBeforePrepare)}.");
        parts.AddRange(Notes);
        parts.AddRange(Warnings);
        return string.Join(" ", parts);
    }
}
