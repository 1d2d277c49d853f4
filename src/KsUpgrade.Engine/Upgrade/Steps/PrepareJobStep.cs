using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

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
    public string Name => "PrepareJob";
    public bool Mutating => true;

    internal sealed record Rendered(IReadOnlyList<(ResourceKind Kind, JsonObject Obj)> Objects, bool DeleteOldJob);

    public static HelmTemplateCall Request(UpgradeContext c) => new(UpgradeContext.Release, UpgradeContext.Namespace, c.Parameters.Chart,
        Template, c.ValuesFiles,
        new[] { new HelmSetValue("upgrade.prepare", "true") }.Concat(c.ImageSets()).ToList(), DryRunServer: true);

    public async Task<StepPlan> PlanAsync(UpgradeContext c, CancellationToken ct)
    {
        var chart = await c.ChartAsync(ct).ConfigureAwait(false);
        if (chart.Version == "1.1.4")
            c.Log.Warning("Chart ks-core 1.1.4: its prepare job mounts no volume, so the backups ks-upgrade takes during prepare are lost. Use chart 1.1.5.");
        var request = Request(c);
        var yaml = await c.Helm.TemplateAsync(request, ct).ConfigureAwait(false);
        var docs = YamlJson.ReadDocuments(yaml);
        if (docs.Count == 0)
            throw new KsUpgradeException(ErrorIds.ValuesInvalid, KsErrorCategory.InvalidData,
                $"helm rendered nothing from {Template}: the values file does not enable the upgrade.", c.Parameters.ValuesPath)
                { Remedy = "Set upgrade.enabled: true in the values file (ks-core-values.yaml)." };
        var objects = new List<(ResourceKind, JsonObject)>();
        foreach (var doc in docs)
        {
            var kind = await c.Api.KindOfAsync(doc.Str("apiVersion") ?? "", doc.Str("kind") ?? "", ct).ConfigureAwait(false)
                ?? throw new KsUpgradeException(ErrorIds.HelmFailed, KsErrorCategory.InvalidResult,
                    $"The rendered prepare template holds a {doc.Str("kind")} ({doc.Str("apiVersion")}) that this cluster does not serve.", doc.Name());
            if (kind.Namespaced) doc.Obj("metadata")["namespace"] = UpgradeContext.Namespace;
            objects.Add((kind, doc));
        }
        var old = await c.Api.GetAsync(ResourceKind.Jobs, UpgradeContext.Namespace, JobName, ct).ConfigureAwait(false);
        var actions = new List<string>();
        if (old is not null) actions.Add($"Delete Job {UpgradeContext.Namespace}/{JobName} and its pods");
        actions.Add("Render: helm " + string.Join(" ", request.Arguments()));
        actions.AddRange(objects.Select(o => $"Apply (server-side) {o.Item1.Kind} {KubeJson.Ref(o.Item2.Namespace(), o.Item2.Name())}"));
        actions.Add($"Wait up to {c.Parameters.JobTimeout.TotalSeconds:0} s for Job {UpgradeContext.Namespace}/{JobName} to complete");
        return new StepPlan($"Job {UpgradeContext.Namespace}/{JobName}", actions) { State = new Rendered(objects, old is not null) };
    }

    public async Task<string> RunAsync(UpgradeContext c, StepPlan plan, CancellationToken ct)
    {
        var rendered = (Rendered)plan.State!;
        const string ns = UpgradeContext.Namespace;
        await DeleteJobAsync(c, ns, JobName, ct).ConfigureAwait(false);
        foreach (var (kind, obj) in rendered.Objects)
        {
            await c.Api.ApplyAsync(kind, kind.Namespaced ? ns : null, obj, force: true, ct).ConfigureAwait(false);
            c.Log.Verbose($"Applied {kind.Kind} {KubeJson.Ref(obj.Namespace(), obj.Name())}.");
        }
        var runner = new JobRunner(c.Api, c.Log) { PollInterval = c.PollInterval };
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

    /// <summary>Deletes a job and its pods, and waits until the job is gone (its pod template is immutable).</summary>
    internal static async Task DeleteJobAsync(UpgradeContext c, string ns, string job, CancellationToken ct)
    {
        var existed = await c.Api.DeleteAsync(ResourceKind.Jobs, ns, job, "Background", ct).ConfigureAwait(false);
        foreach (var pod in await c.Api.ListAllAsync(ResourceKind.Pods, ns, JobRunner.PodSelector(job), ct).ConfigureAwait(false))
            await c.Api.DeleteAsync(ResourceKind.Pods, ns, pod.Name(), "Background", ct).ConfigureAwait(false);
        if (!existed) return;
        c.Log.Verbose($"Deleted Job {ns}/{job} and its pods.");
        var deadline = DateTimeOffset.UtcNow + c.Parameters.JobTimeout;
        while (await c.Api.GetAsync(ResourceKind.Jobs, ns, job, ct).ConfigureAwait(false) is not null)
        {
            if (DateTimeOffset.UtcNow > deadline)
                throw new KsUpgradeException(ErrorIds.PrepareJobFailed, KsErrorCategory.OperationTimeout,
                    $"Job {ns}/{job} was deleted but is still there after {c.Parameters.JobTimeout.TotalSeconds:0} s (a finalizer?).", job);
            await Task.Delay(c.PollInterval, ct).ConfigureAwait(false);
        }
    }
}
