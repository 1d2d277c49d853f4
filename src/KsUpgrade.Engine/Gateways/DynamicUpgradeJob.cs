using k8s;
using k8s.Models;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Gateways;

/// <summary>How one run of Job dynamic-upgrade ended: exactly one of these.</summary>
public enum DynamicJobOutcome
{
    /// <summary>The job completed and ks-upgrade ran the phase.</summary>
    Completed,
    /// <summary>The job failed.</summary>
    Failed,
    /// <summary>The job did not finish in time.</summary>
    TimedOut,
    /// <summary>ks-upgrade logged that it skipped the phase (whether the job then completed, failed or ran out of time): a failure.</summary>
    PhaseSkipped,
}

/// <summary>How one run of Job dynamic-upgrade ended.</summary>
public sealed record DynamicJobRun(DynamicJobOutcome Outcome, IReadOnlyList<string> LogLines, string Summary)
{
    public bool Succeeded => Outcome == DynamicJobOutcome.Completed;
}

/// <summary>
/// Job kubesphere-system/dynamic-upgrade: deleted (with its pods) before it is re-created, applied from the rendered
/// template, waited for while its log is streamed as Verbose. A Complete job whose log says the phase was skipped is a failure.
/// Every API call goes through the access layer (<see cref="IKubeApi"/>: transient failures retried, errors mapped once).
/// </summary>
public static class DynamicUpgradeJob
{
    public const string JobName = "dynamic-upgrade";

    public const string ConfigMapName = "ks-upgrade-dynamic-config";

    /// <summary>
    /// The gateway a dynamic-upgrade job that has not finished yet is upgrading (jobs.gateway.dynamicOptions.gatewayName
    /// of its ConfigMap), or null when no such job exists. An earlier run that was stopped (or lost the API server) while
    /// its job ran leaves one behind.
    /// </summary>
    public static async Task<string?> UnfinishedJobGatewayAsync(IKubeApi api, IEngineLog log, CancellationToken ct)
    {
        var job = await TryReadJobAsync(api, ct).ConfigureAwait(false);
        if (job is null || IsFinished(job)) return null;
        var cm = await api.GetAsync(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, ConfigMapName, ct).ConfigureAwait(false);
        return GatewayNameOf(cm?.Str("data", "config-patch.yaml"));
    }

    /// <summary>jobs.gateway.dynamicOptions.gatewayName of a ks-upgrade config patch, or null.</summary>
    internal static string? GatewayNameOf(string? configPatch)
    {
        if (string.IsNullOrWhiteSpace(configPatch)) return null;
        try
        {
            return YamlJson.ReadDocuments(configPatch).FirstOrDefault()?.Str("jobs", "gateway", "dynamicOptions", "gatewayName");
        }
        catch (YamlDotNet.Core.YamlException) { return null; }
    }

    /// <summary>Refuses when a dynamic-upgrade job is still running; otherwise deletes the job and its pods and waits until they are gone.</summary>
    public static async Task DeleteExistingAsync(IKubeApi api, IEngineLog log, TimeSpan poll, CancellationToken ct)
    {
        var job = await TryReadJobAsync(api, ct).ConfigureAwait(false);
        if (job is not null)
        {
            if (!IsFinished(job) && (job.Status?.Active ?? 0) > 0)
                throw new KsUpgradeException(ErrorIds.GatewayJobBusy, KsErrorCategory.ResourceBusy,
                    $"Job {KsNames.KubeSphereSystem}/{JobName} is still running; gateways are upgraded one at a time.", JobName)
                { Remedy = $"Wait for it to finish; if no other session runs it, delete it: kubectl -n {KsNames.KubeSphereSystem} delete job {JobName}." };
            log.Verbose($"Deleting the previous job {KsNames.KubeSphereSystem}/{JobName} and its pods.");
            await api.DeleteAsync(ResourceKind.Jobs, KsNames.KubeSphereSystem, JobName, "Background", ct).ConfigureAwait(false);
        }
        foreach (var pod in await PodsAsync(api, job?.Metadata?.Uid, ct).ConfigureAwait(false))
            await api.DeleteAsync(ResourceKind.Pods, KsNames.KubeSphereSystem, pod.Metadata.Name, "Background", 0, ct).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await TryReadJobAsync(api, ct).ConfigureAwait(false) is not null)
        {
            if (DateTime.UtcNow > deadline)
                throw new KsUpgradeException(ErrorIds.GatewayJobBusy, KsErrorCategory.ResourceBusy,
                    $"Job {KsNames.KubeSphereSystem}/{JobName} was deleted but is still present after 60 s (finalizers?).", JobName);
            await Task.Delay(poll, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Creates the ConfigMap, or replaces it when it exists (409 AlreadyExists: left by an earlier run, or written by
    /// someone else meanwhile); when it vanished between the two calls (404 on the replace), creates it again. The
    /// job's ConfigMap is ours to write whole, so the last write wins.
    /// </summary>
    private static async Task CreateOrReplaceAsync(IKubeApi api, V1ConfigMap cm, IEngineLog log, CancellationToken ct)
    {
        var ns = cm.Metadata.NamespaceProperty;
        var where = $"{ns}/{cm.Metadata.Name}";
        var body = KubeJson.ToJsonObject(cm);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await api.CreateAsync(ResourceKind.ConfigMaps, ns, (System.Text.Json.Nodes.JsonObject)body.DeepClone(), ct).ConfigureAwait(false);
                return;
            }
            catch (KubeConflictException)
            {
                try
                {
                    // replaced whole: no resourceVersion precondition (the ConfigMap is ours; the last write wins)
                    await api.ReplaceAsync(ResourceKind.ConfigMaps, ns, (System.Text.Json.Nodes.JsonObject)body.DeepClone(), ct).ConfigureAwait(false);
                    return;
                }
                catch (KsUpgradeException gone) when (ApiErrors.IsNotFound(gone) && attempt < 3)
                {
                    log.Verbose($"ConfigMap {where} existed when it was created and was gone when it was replaced; creating it again.");
                }
            }
        }
    }

    /// <summary>Creates the rendered objects: ConfigMaps (replaced when present), the Job, and PVCs only when absent.</summary>
    public static async Task ApplyAsync(IKubeApi api, string renderedYaml, IEngineLog log, CancellationToken ct)
    {
        List<object> objects;
        try
        {
            objects = KubernetesYaml.LoadAllFromString(renderedYaml).Where(o => o is not null).ToList();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Invalid($"the rendered template is not Kubernetes YAML of known kinds ({e.GetType().Name}: {e.Message})");
        }
        if (!objects.OfType<V1Job>().Any(j => j.Metadata?.Name == JobName))
            throw Invalid($"the rendered template holds no Job '{JobName}' (is upgrade.enabled/upgrade.dynamic honoured by this chart?)");
        foreach (var o in objects)
        {
            switch (o)
            {
                case V1ConfigMap cm:
                    cm.Metadata.NamespaceProperty ??= KsNames.KubeSphereSystem;
                    await CreateOrReplaceAsync(api, cm, log, ct).ConfigureAwait(false);
                    log.Verbose($"Applied ConfigMap {cm.Metadata.NamespaceProperty}/{cm.Metadata.Name}.");
                    break;
                case V1PersistentVolumeClaim pvc:
                    pvc.Metadata.NamespaceProperty ??= KsNames.KubeSphereSystem;
                    try
                    {
                        await api.CreateAsync(ResourceKind.PersistentVolumeClaims, pvc.Metadata.NamespaceProperty, KubeJson.ToJsonObject(pvc), ct).ConfigureAwait(false);
                        log.Verbose($"Created PVC {pvc.Metadata.NamespaceProperty}/{pvc.Metadata.Name}.");
                    }
                    catch (KubeConflictException) { }
                    break;
                case V1Job job:
                    job.Metadata.NamespaceProperty ??= KsNames.KubeSphereSystem;
                    var retried = false;
                    var jobApi = api is KubeApi real ? real.WithRetryNotes(note => { retried = true; log.Verbose(note); }) : api;
                    try
                    {
                        await jobApi.CreateAsync(ResourceKind.Jobs, job.Metadata.NamespaceProperty, KubeJson.ToJsonObject(job), ct).ConfigureAwait(false);
                    }
                    catch (KubeConflictException) when (retried)
                    {
                        // the old job was gone before the first attempt: an attempt whose answer was lost created it
                        log.Verbose($"Job {job.Metadata.NamespaceProperty}/{job.Metadata.Name} exists: an earlier attempt of the create reached the server.");
                    }
                    catch (KubeConflictException e)
                    {
                        // the old job was deleted just before; a job of that name on the first attempt is someone else's
                        throw new KsUpgradeException(ErrorIds.GatewayJobBusy, KsErrorCategory.ResourceBusy,
                            $"Job {KsNames.KubeSphereSystem}/{JobName} was created by another client while this one was about to create it; gateways are upgraded one at a time.", JobName, e)
                        { Remedy = $"Check that no other session upgrades a gateway, then run Update-KsGateway again (it waits for or replaces a finished job)." };
                    }
                    log.Verbose($"Created Job {job.Metadata.NamespaceProperty}/{job.Metadata.Name}.");
                    break;
                default:
                    throw Invalid($"unexpected object of type {o.GetType().Name} in the rendered template");
            }
        }
    }

    /// <summary>Waits for Complete or Failed (or the timeout), streaming new log lines as Verbose.</summary>
    public static async Task<DynamicJobRun> WaitAsync(IKubeApi api, TimeSpan timeout, TimeSpan poll, IEngineLog log, CancellationToken ct)
    {
        var lines = new List<string>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + timeout;
        V1Job? job;
        while (true)
        {
            job = await TryReadJobAsync(api, ct).ConfigureAwait(false);
            await CollectLogAsync(api, job?.Metadata?.Uid, seen, lines, log, ct).ConfigureAwait(false);
            if (job is not null && IsFinished(job)) break;
            if (DateTime.UtcNow > deadline)
            {
                return new DynamicJobRun(Upgrade.SkippedPhase.Find(lines) is not null ? DynamicJobOutcome.PhaseSkipped : DynamicJobOutcome.TimedOut, lines,
                    $"Job {KsNames.KubeSphereSystem}/{JobName} did not complete within {timeout.TotalSeconds:0} s.");
            }
            await Task.Delay(poll, ct).ConfigureAwait(false);
        }
        await CollectLogAsync(api, job.Metadata?.Uid, seen, lines, log, ct).ConfigureAwait(false); // lines written as the pod ended
        var failed = HasCondition(job, "Failed");
        var skipped = Upgrade.SkippedPhase.Find(lines) is not null;
        var summary = failed
            ? $"Job {KsNames.KubeSphereSystem}/{JobName} failed: {job.Status?.Conditions?.FirstOrDefault(c => c.Type == "Failed")?.Message ?? "see its log"}."
            : skipped
                ? $"Job {KsNames.KubeSphereSystem}/{JobName} completed, but ks-upgrade skipped the phase: {Upgrade.SkippedPhase.Find(lines)}"
                : $"Job {KsNames.KubeSphereSystem}/{JobName} completed.";
        var outcome = skipped ? DynamicJobOutcome.PhaseSkipped : failed ? DynamicJobOutcome.Failed : DynamicJobOutcome.Completed;
        return new DynamicJobRun(outcome, lines, summary);
    }

    private static async Task CollectLogAsync(IKubeApi api, string? jobUid, Dictionary<string, int> seen, List<string> lines, IEngineLog log, CancellationToken ct)
    {
        if (jobUid is null) return;
        foreach (var pod in await PodsAsync(api, jobUid, ct).ConfigureAwait(false))
        {
            string text;
            try
            {
                text = await api.ReadPodLogAsync(KsNames.KubeSphereSystem, pod.Metadata.Name, null, ct).ConfigureAwait(false);
            }
            catch (KsUpgradeException e) when (ApiErrors.IsNotFound(e) || ApiErrors.IsBadRequest(e))
            {
                continue; // container not started yet, or the pod is gone
            }
            var podLines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
            seen.TryGetValue(pod.Metadata.Name, out var done);
            foreach (var line in podLines.Skip(done))
            {
                lines.Add(line);
                log.Verbose($"[{JobName}] {line}");
            }
            seen[pod.Metadata.Name] = Math.Max(done, podLines.Count);
        }
    }

    /// <summary>The job's pods: labelled job-name=dynamic-upgrade, or owned by the job's uid.</summary>
    private static async Task<IReadOnlyList<V1Pod>> PodsAsync(IKubeApi api, string? jobUid, CancellationToken ct)
    {
        var labelled = await api.ListAllAsync(ResourceKind.Pods, KsNames.KubeSphereSystem, $"job-name={JobName}", ct).ConfigureAwait(false);
        var pods = labelled.Select(p => p.As<V1Pod>()).ToList();
        if (jobUid is not null)
        {
            var all = (await api.ListAllAsync(ResourceKind.Pods, KsNames.KubeSphereSystem, null, ct).ConfigureAwait(false)).Select(p => p.As<V1Pod>());
            foreach (var p in all)
                if (p.Metadata?.OwnerReferences?.Any(r => r.Uid == jobUid) == true && pods.All(x => x.Metadata.Name != p.Metadata.Name)) pods.Add(p);
        }
        return pods.OrderBy(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue).ToList();
    }

    private static async Task<V1Job?> TryReadJobAsync(IKubeApi api, CancellationToken ct) =>
        (await api.GetAsync(ResourceKind.Jobs, KsNames.KubeSphereSystem, JobName, ct).ConfigureAwait(false))?.As<V1Job>();

    private static bool IsFinished(V1Job job) => HasCondition(job, "Complete") || HasCondition(job, "Failed");

    private static bool HasCondition(V1Job job, string type) =>
        job.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;

    private static KsUpgradeException Invalid(string what) =>
        new(ErrorIds.GatewayJobInvalid, KsErrorCategory.InvalidData, $"Cannot apply the dynamic-upgrade job: {what}.", JobName);
}
