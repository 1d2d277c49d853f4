namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// With Test-KsCluster -ProbeImages (opt-in: it runs a short-lived Job): every image the run will need was pulled by the
/// kubelet from the cluster's point of view; each that was not is named with the kubelet's pull error
/// (upgrade-painpoints.md §2 item 11; the Docker Hub images are gone since mid-2025, §1.1; a museum image that cannot be
/// pulled makes the post-upgrade hook wait 30 minutes, §1.2).
/// </summary>
public sealed class ImagesPullableCheck : ClusterCheck
{
    public override string Id => "ImagesPullable";
    public override string Title => "The images the upgrade needs can be pulled";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        if (ctx.Request.ImageProbe is not { } probe)
            return Task.FromResult(Skipped(ctx.Request.ImageProbeSkipped ?? "Opt-in: Test-KsCluster -ProbeImages runs a short-lived Job that pulls each image (not read-only)."));
        var data = probe.Images.Cast<object>().ToArray();
        var failed = probe.Images.Where(i => !i.Pulled).ToList();
        var left = probe.JobDeleted ? "" : $" The probe Job {ImagePullProbe.Namespace}/{ImagePullProbe.JobName} could not be deleted: delete it with kubectl.";
        var which = probe.NotProbed is null ? "the rendered chart runs" : "the run's parameters name";
        var notProbed = probe.NotProbed is null ? "" : " " + probe.NotProbed;
        if (failed.Count == 0 && probe.NotProbed is null)
            return Task.FromResult(Passed($"The kubelet pulled all {probe.Images.Count} images {which}: {NameList(probe.Images.Select(i => i.Image))}.{left}", data));
        if (failed.Count == 0)
            return Task.FromResult(Warning($"The kubelet pulled all {probe.Images.Count} images {which}: {NameList(probe.Images.Select(i => i.Image))}.{notProbed}{left}",
                "Run Test-KsCluster -ProbeImages -Chart <the chart> -ValuesPath <the values file> so every image the chart runs is pulled.", data));
        return Task.FromResult(Failed($"{failed.Count} of {probe.Images.Count} images {which} cannot be pulled: {string.Join("; ", failed.Select(i => $"{i.Image}: {i.Reason}: {i.Message}"))}.{notProbed}{left}",
            "Mirror the images into a registry the cluster can reach and pass it with -ImageRegistry (the upgrade's and Test-KsCluster's), add the registry's pull secret to global.imagePullSecrets in the values, then run Test-KsCluster -ProbeImages again.",
            data));
    }
}
