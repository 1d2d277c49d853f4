using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

using KsUpgrade.Engine.Journal;

namespace KsUpgrade.Engine.Upgrade.Steps;

/// <summary>
/// Step 7: delete the old prepare-upgrade job and its pods; render templates/prepare-upgrade-job.yaml with helm
/// (server-side dry run); apply the objects server-side; wait for the job, streaming its log; a Failed job or a
/// skipped phase stops the upgrade.
/// </summary>
internal sealed class PrepareJobStep : IUpgradeStep
{
    public const string JobName = "prepare-upgrade";
    public const string Template = "templates/prepare-upgrade-job.yaml";
    public UpgradeStepId Id => UpgradeStepId.PrepareJob;
    public bool Mutating => true;

    /// <summary>
    /// The plan's state: the rendered objects (null when rendering must wait until <paramref name="NewCrds"/> are served),
    /// whether an old job is deleted first, and the chart CRDs the cluster does not serve yet.
    /// </summary>
    internal sealed record Rendered(IReadOnlyList<(ResourceKind Kind, JsonObject Object)>? Objects, bool DeleteOldJob, IReadOnlyList<JsonObject> NewCrds)
    {
        public HelmTemplateCall? Request { get; init; }
    }

    /// <summary>The render, as upgrade.sh does it; helm 4 also gets --is-upgrade (its template otherwise checks ownership as an install would).</summary>
    public static HelmTemplateCall Request(UpgradeContext c, int helmMajor = 3) => Request(c.Parameters, c.ValuesFiles, helmMajor);

    /// <summary>The one builder of the prepare render (the step runs it; the render proof runs it first).</summary>
    public static HelmTemplateCall Request(UpgradeParameters p, IReadOnlyList<string> valuesFiles, int helmMajor) => new(KsNames.KsCoreRelease, KsNames.KubeSphereSystem, p.Chart,
        Template, valuesFiles,
        new[] { new HelmSetValue("upgrade.prepare", "true") }.Concat(UpgradeContext.ImageSets(p)).ToList(), DryRunServer: true, IsUpgrade: helmMajor >= 4);

    public async Task<StepPlan> PlanAsync(UpgradeContext c, CancellationToken ct)
    {
        var helmMajor = await c.Helm.MajorVersionAsync(ct).ConfigureAwait(false);
        // helm 4 builds every kind of the chart when it renders: the render proof (Preflight) named the CRDs whose kinds
        // or versions must be served first (new CRDs, and CRDs that gain a version); helm 3 needs none of them here.
        var proof = await c.ProofAsync(ct).ConfigureAwait(false);
        var newCrds = proof.CrdsBeforePrepare;
        var request = Request(c, helmMajor);
        var objects = newCrds.Count == 0 ? await RenderAsync(c, request, ct).ConfigureAwait(false) : null;
        var old = await c.Api.GetAsync(ResourceKind.Jobs, KsNames.KubeSphereSystem, JobName, ct).ConfigureAwait(false);
        var actions = new List<string>();
        if (old is not null) actions.Add($"Delete Job {KsNames.KubeSphereSystem}/{JobName} and its pods");
        actions.AddRange(newCrds.Select(d => $"Apply (server-side) CustomResourceDefinition {d.Name()} before rendering: helm {helmMajor} builds every kind the chart renders, and this CRD serves one the cluster does not serve yet"));
        actions.Add("Render: " + await c.Helm.DescribeTemplateAsync(request, ct).ConfigureAwait(false));
        if (objects is null) actions.Add("Apply (server-side) the rendered objects (a ConfigMap and Job prepare-upgrade)");
        else actions.AddRange(objects.Select(o => $"Apply (server-side) {o.Kind.Kind} {KubeJson.Ref(o.Object.Namespace(), o.Object.Name())}"));
        actions.Add($"Wait up to {c.Parameters.JobTimeout.TotalSeconds:0} s for Job {KsNames.KubeSphereSystem}/{JobName} to complete");
        return new StepPlan($"Job {KsNames.KubeSphereSystem}/{JobName}", actions) { State = new Rendered(objects, old is not null, newCrds) with { Request = request } };
    }

    private static async Task<IReadOnlyList<(ResourceKind Kind, JsonObject Object)>> RenderAsync(UpgradeContext c, HelmTemplateCall request, CancellationToken ct)
    {
        var yaml = await c.Helm.TemplateAsync(request, ct).ConfigureAwait(false);
        var objects = await RenderedManifest.ResolveAsync(c.Api, yaml, KsNames.KubeSphereSystem, ct).ConfigureAwait(false);
        if (objects.Count == 0)
            throw new KsUpgradeException(ErrorIds.ValuesInvalid, KsErrorCategory.InvalidData,
                $"helm rendered nothing from {Template}: the values file does not enable the upgrade.", c.Parameters.ValuesPath)
                { Remedy = "Set upgrade.enabled: true in the values file (ks-core-values.yaml)." };
        return objects;
    }

    public async Task<string> RunAsync(UpgradeContext c, StepPlan plan, CancellationToken ct)
    {
        var rendered = (Rendered)plan.State!;
        const string ns = KsNames.KubeSphereSystem;
        var runner = new JobRunner(c.Api, c.Log) { PollInterval = c.PollInterval };
        await runner.DeleteAsync(ns, JobName, c.Parameters.JobTimeout, ct).ConfigureAwait(false);
        foreach (var crd in rendered.NewCrds)
        {
            await ChartCrds.ApplyAsync(c.Api, crd, ct).ConfigureAwait(false);
            c.Log.Verbose($"Applied CustomResourceDefinition {crd.Name()} before rendering (helm 4 builds every kind of the chart).");
        }
        var objects = rendered.Objects ?? await RenderAsync(c, rendered.Request!, ct).ConfigureAwait(false);
        await RenderedManifest.ApplyAllAsync(c.Api, objects, force: true, c.Log.Verbose, ct).ConfigureAwait(false);
        var outcome = await runner.WaitAsync(ns, JobName, c.Parameters.JobTimeout, ct).ConfigureAwait(false);
        var tail = string.Join(Environment.NewLine, outcome.LastLines(20));
        switch (outcome.End)
        {
            case JobEnd.Failed:
                throw new KsUpgradeException(ErrorIds.PrepareJobFailed, KsErrorCategory.InvalidResult,
                    $"Job {ns}/{JobName} failed. Last log lines:{Environment.NewLine}{tail}", JobName)
                    { Remedy = "Read the job's log (kubectl logs job/prepare-upgrade -n kubesphere-system), fix the cause, and re-run: the upgrade resumes at this step." };
            case JobEnd.TimedOut:
                throw new KsUpgradeException(ErrorIds.PrepareJobFailed, KsErrorCategory.OperationTimeout,
                    $"Job {ns}/{JobName} did not complete within {c.Parameters.JobTimeout.TotalSeconds:0} s ({outcome.PodState}). Last log lines:{Environment.NewLine}{tail}", JobName)
                    { Remedy = "Check the pod (image pull, PVC ks-upgrade bound, default StorageClass), then re-run; or raise -JobTimeout." };
        }
        var skipped = SkippedPhase.Find(outcome.LogLines);
        if (skipped is not null)
            throw new KsUpgradeException(ErrorIds.UpgradePhaseSkipped, KsErrorCategory.InvalidResult,
                $"Job {ns}/{JobName} completed but ks-upgrade skipped the prepare phase: {skipped.Trim()}", JobName)
                { Remedy = "ks-upgrade only runs while the last deployed ks-core release is v3.x; check helm history of ks-core and validator.ksVersion in the values." };
        return $"Job {JobName} completed ({outcome.LogLines.Count} log lines)";
    }
}
