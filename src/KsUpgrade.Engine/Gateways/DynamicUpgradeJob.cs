using System.Text.Json.Nodes;
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
/// template, waited for while its log is streamed as Verbose; deleting and waiting are the one job runner's
/// (<see cref="JobRunner"/>), the gateway's own parts are its ConfigMap and the rendered objects. A job whose log says
/// the phase was skipped is a failure, however it ended.
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

    /// <summary>
    /// Refuses when a dynamic-upgrade job is still running; otherwise deletes the job and its pods and waits until the job
    /// is gone (<see cref="JobRunner.DeleteAsync"/>).
    /// </summary>
    public static async Task DeleteExistingAsync(IKubeApi api, IEngineLog log, TimeSpan poll, CancellationToken ct)
    {
        var job = await TryReadJobAsync(api, ct).ConfigureAwait(false);
        if (job is not null && !IsFinished(job) && (job.At("status", "active")?.GetValue<long>() ?? 0) > 0)
            throw new KsUpgradeException(ErrorIds.GatewayJobBusy, KsErrorCategory.ResourceBusy,
                $"Job {KsNames.KubeSphereSystem}/{JobName} is still running; gateways are upgraded one at a time.", JobName)
            { Remedy = $"Wait for it to finish; if no other session runs it, delete it: kubectl -n {KsNames.KubeSphereSystem} delete job {JobName}." };
        if (job is not null) log.Verbose($"Deleting the previous job {KsNames.KubeSphereSystem}/{JobName} and its pods.");
        await new JobRunner(api, log) { PollInterval = poll }.DeleteAsync(KsNames.KubeSphereSystem, JobName, DeleteTimeout, ct).ConfigureAwait(false);
    }

    /// <summary>How long a deleted job may take to go (its pods' finalizers, the garbage collector).</summary>
    private static readonly TimeSpan DeleteTimeout = TimeSpan.FromSeconds(60);

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
                await api.CreateAsync(ResourceKind.ConfigMaps, ns, (JsonObject)body.DeepClone(), ct).ConfigureAwait(false);
                return;
            }
            catch (KubeConflictException)
            {
                try
                {
                    // replaced whole: no resourceVersion precondition (the ConfigMap is ours; the last write wins)
                    await api.ReplaceAsync(ResourceKind.ConfigMaps, ns, (JsonObject)body.DeepClone(), ct).ConfigureAwait(false);
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

    /// <summary>
    /// Waits for Complete or Failed (or the timeout) with <see cref="JobRunner.WaitAsync"/>, which streams its pods' log
    /// lines as Verbose ("[&lt;pod&gt;] line"). A job that is deleted while it is waited for (by someone else: nothing
    /// re-creates it) ends the wait at once as Failed, so the caller reports what the cluster shows now.
    /// </summary>
    public static async Task<DynamicJobRun> WaitAsync(IKubeApi api, TimeSpan timeout, TimeSpan poll, IEngineLog log, CancellationToken ct)
    {
        const string job = $"{KsNames.KubeSphereSystem}/{JobName}";
        JobOutcome outcome;
        try
        {
            outcome = await new JobRunner(api, log) { PollInterval = poll }.WaitAsync(KsNames.KubeSphereSystem, JobName, timeout, ct).ConfigureAwait(false);
        }
        catch (KsUpgradeException e) when (e.Category == KsErrorCategory.ObjectNotFound && Equals(e.Target, JobName))
        {
            return new DynamicJobRun(DynamicJobOutcome.Failed, Array.Empty<string>(),
                $"Job {job} disappeared while it was waited for (deleted by another client?); its pods' log went with it (the lines read are in the Verbose stream).");
        }
        var skipped = Upgrade.SkippedPhase.Find(outcome.LogLines);
        return outcome.End switch
        {
            // a skip line is the failure that matters, however the job ended
            _ when skipped is not null => new DynamicJobRun(DynamicJobOutcome.PhaseSkipped, outcome.LogLines,
                outcome.End == JobEnd.Complete
                    ? $"Job {job} completed, but ks-upgrade skipped the phase: {skipped}"
                    : $"Job {job} {(outcome.End == JobEnd.Failed ? "failed" : $"did not complete within {timeout.TotalSeconds:0} s")} after ks-upgrade skipped the phase: {skipped}"),
            JobEnd.Failed => new DynamicJobRun(DynamicJobOutcome.Failed, outcome.LogLines,
                $"Job {job} failed: {outcome.FailedMessage ?? "see its log"}."),
            JobEnd.TimedOut => new DynamicJobRun(DynamicJobOutcome.TimedOut, outcome.LogLines,
                $"Job {job} did not complete within {timeout.TotalSeconds:0} s ({outcome.PodState})."),
            _ => new DynamicJobRun(DynamicJobOutcome.Completed, outcome.LogLines, $"Job {job} completed."),
        };
    }

    private static async Task<JsonObject?> TryReadJobAsync(IKubeApi api, CancellationToken ct) =>
        await api.GetAsync(ResourceKind.Jobs, KsNames.KubeSphereSystem, JobName, ct).ConfigureAwait(false);

    private static bool IsFinished(JsonObject job) => KubeJson.HasCondition(job, "Complete") || KubeJson.HasCondition(job, "Failed");

    private static KsUpgradeException Invalid(string what) =>
        new(ErrorIds.GatewayJobInvalid, KsErrorCategory.InvalidData, $"Cannot apply the dynamic-upgrade job: {what}.", JobName);
}
