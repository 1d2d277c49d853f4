using System.Text.Json.Nodes;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Checks;

/// <summary>One image the run needs, and whether the kubelet pulled it (the pull error when not).</summary>
public sealed record ImagePullOutcome(string Container, string Image, bool Pulled, string? Reason, string? Message);

/// <summary>What Test-KsCluster -ProbeImages found: each image, and whether its Job was deleted afterwards.</summary>
public sealed record ImagePullProbeResult(IReadOnlyList<ImagePullOutcome> Images, bool JobDeleted)
{
    /// <summary>What was not pulled because it was not known (no rendered chart); null when every image of the run was probed.</summary>
    public string? NotProbed { get; init; }
}

/// <summary>
/// Test-KsCluster -ProbeImages (opt-in, it writes): a short-lived Job in kubesphere-system whose one pod has a container
/// per image the run will need (upgrade-painpoints.md §2 item 11; from the rendered chart, <see cref="ImagesFor"/>), each exiting at once; the kubelet pulls them from
/// the cluster's point of view, with the chart's imagePullSecrets. A container that started (or ended) was pulled; one
/// waiting with ErrImagePull/ImagePullBackOff was not, and the kubelet's error is kept. The Job (and its pod) is always
/// deleted, also when the probe fails or is stopped.
/// </summary>
public static class ImagePullProbe
{
    public const string JobName = "ksupgrade-image-probe";
    public const string Namespace = KsNames.KubeSphereSystem;

    /// <summary>The waiting reasons of a container whose image the kubelet could not pull.</summary>
    public static readonly IReadOnlySet<string> PullFailureReasons = new HashSet<string>(StringComparer.Ordinal)
    {
        "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable", "SignatureValidationFailed",
    };

    private static readonly ResourceKind Events = new("", "v1", "events", "Event", true);

    /// <summary>
    /// The images to pull. With the chart rendered as the upgrade will render it (Test-KsCluster -Chart -ValuesPath), every
    /// image its renders run, hooks and the prepare job included (<see cref="ChartRenderFindings.Images"/>): the chart's
    /// own values pin the tags of its kubectl, redis and haproxy images, and -ImageRegistry reaches all of them. Without a
    /// render, only the images the run's parameters name (ks-upgrade, the ks-core components at -Tag, the museum at
    /// -ExtensionVersion), and <see cref="NotProbedWithoutChart"/> says what was left out.
    /// </summary>
    public static IReadOnlyList<(string Container, string Image)> ImagesFor(KsCoreImageSettings s, ChartRenderFindings? render)
    {
        IEnumerable<string> images;
        if (render is { Failed: false, Images.Count: > 0 }) images = render.Images;
        else
        {
            var r = s.ImageRegistry.TrimEnd('/');
            images = new[]
            {
                $"{r}/kubesphere/ks-upgrade:{s.EffectiveUpgradeImageTag}",
                $"{r}/kubesphere/ks-apiserver:{s.Tag}",
                $"{r}/kubesphere/ks-controller-manager:{s.Tag}",
                $"{r}/kubesphere/ks-console:{s.Tag}",
                $"{r}/kubesphere/ks-extensions-museum:{s.ExtensionVersion}",
            };
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        return images.Distinct(StringComparer.Ordinal).Select(i => (ContainerName(i, names), i)).ToList();
    }

    /// <summary>What a probe without a rendered chart leaves out (the ImagesPullable message says it).</summary>
    public const string NotProbedWithoutChart =
        "The images the chart pins in its own values (its kubectl, redis and haproxy images) were not pulled: the chart was not rendered.";

    /// <summary>A container name from the image's repository (a DNS-1123 label, unique in the pod).</summary>
    private static string ContainerName(string image, HashSet<string> taken)
    {
        var repo = image;
        var at = repo.IndexOf('@');
        if (at >= 0) repo = repo[..at];
        var slash = repo.LastIndexOf('/');
        var colon = repo.LastIndexOf(':');
        if (colon > slash) repo = repo[..colon];
        var last = repo[(slash + 1)..].ToLowerInvariant();
        var label = new string(last.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        if (label.Length == 0) label = "image";
        if (label.Length > 58) label = label[..58].TrimEnd('-');
        var name = label;
        for (var n = 2; !taken.Add(name); n++) name = $"{label}-{n}";
        return name;
    }

    /// <summary>The probe Job: one pod, a container per image running `sh -c 'exit 0'` (an image without a shell still counts as pulled).</summary>
    public static JsonObject BuildJob(IReadOnlyList<(string Container, string Image)> images, IReadOnlyList<string> pullSecrets, TimeSpan timeout)
    {
        var containers = new JsonArray();
        foreach (var (name, image) in images)
            containers.Add(new JsonObject
            {
                ["name"] = name, ["image"] = image, ["imagePullPolicy"] = "IfNotPresent",
                ["command"] = new JsonArray("sh", "-c", "exit 0"),
            });
        var spec = new JsonObject
        {
            ["restartPolicy"] = "Never",
            ["automountServiceAccountToken"] = false,
            ["containers"] = containers,
        };
        if (pullSecrets.Count > 0)
            spec["imagePullSecrets"] = new JsonArray(pullSecrets.Select(n => (JsonNode?)new JsonObject { ["name"] = n }).ToArray());
        var labels = new JsonObject { ["app.kubernetes.io/managed-by"] = "ksupgrade", ["app.kubernetes.io/name"] = JobName };
        return new JsonObject
        {
            ["apiVersion"] = "batch/v1", ["kind"] = "Job",
            ["metadata"] = new JsonObject { ["name"] = JobName, ["namespace"] = Namespace, ["labels"] = labels },
            ["spec"] = new JsonObject
            {
                ["backoffLimit"] = 0,
                ["activeDeadlineSeconds"] = (long)Math.Ceiling(timeout.TotalSeconds) + 60,
                ["ttlSecondsAfterFinished"] = 600, // a safety net: the probe deletes it itself
                ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() }, ["spec"] = spec },
            },
        };
    }

    /// <summary>Runs the probe through the one job runner and deletes the Job whatever happens.</summary>
    public static async Task<ImagePullProbeResult> RunAsync(IKubeApi api, IEngineLog log, IReadOnlyList<(string Container, string Image)> images,
        IReadOnlyList<string> pullSecrets, TimeSpan timeout, TimeSpan pollInterval, CancellationToken ct)
    {
        var runner = new JobRunner(api, log) { PollInterval = pollInterval };
        await runner.DeleteAsync(Namespace, JobName, TimeSpan.FromMinutes(1), ct).ConfigureAwait(false); // left by a run that was killed
        var pullErrors = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonObject? pod = null;
        var deleted = false;
        try
        {
            log.Verbose($"Creating Job {Namespace}/{JobName} to pull {images.Count} images: {string.Join(", ", images.Select(i => i.Image))}.");
            await api.CreateAsync(ResourceKind.Jobs, Namespace, BuildJob(images, pullSecrets, timeout), ct).ConfigureAwait(false);
            pod = await runner.WaitForPodAsync(Namespace, JobName, p => Settled(p, images.Count, pullErrors), timeout, ct).ConfigureAwait(false);
            if (pod is not null && Statuses(pod).Any(c => c.Reason is { } r && PullFailureReasons.Contains(r) && !pullErrors.ContainsKey(c.Name)))
                await ReadPullErrorsFromEventsAsync(api, pod, pullErrors, ct).ConfigureAwait(false);
        }
        finally
        {
            // also on failure and Ctrl+C: the caller's token may be cancelled, the deletion gets its own time
            using var cleanup = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            try
            {
                await runner.DeleteAsync(Namespace, JobName, TimeSpan.FromSeconds(50), cleanup.Token).ConfigureAwait(false);
                deleted = true;
            }
            catch (Exception e) when (e is KsUpgradeException or OperationCanceledException or HttpRequestException)
            {
                log.Warning($"Could not delete Job {Namespace}/{JobName}: {e.Message}. Delete it with kubectl -n {Namespace} delete job {JobName}.");
            }
        }
        var statuses = pod is null ? new List<(string Name, string? State, string? Reason, string? Message)>() : Statuses(pod);
        var outcomes = images.Select(i =>
        {
            var st = statuses.FirstOrDefault(s => s.Name == i.Container);
            if (st.State is "running" or "terminated")
                return new ImagePullOutcome(i.Container, i.Image, true, null, null);
            if (st.Reason is { } reason && PullFailureReasons.Contains(reason))
                return new ImagePullOutcome(i.Container, i.Image, false, reason, pullErrors.GetValueOrDefault(i.Container) ?? st.Message);
            return new ImagePullOutcome(i.Container, i.Image, false, st.Reason ?? "NotPulled",
                $"not pulled within {timeout.TotalSeconds:0} s{(st.Reason is null ? "" : $" (container waiting: {st.Reason})")}");
        }).ToList();
        return new ImagePullProbeResult(outcomes, deleted);
    }

    /// <summary>Every container has left the pull: started, ended, or failed to pull (keeping the ErrImagePull message, the kubelet's error).</summary>
    private static bool Settled(JsonObject pod, int containers, Dictionary<string, string> pullErrors)
    {
        var statuses = Statuses(pod);
        foreach (var s in statuses)
            if (s.Reason == "ErrImagePull" && s.Message is { Length: > 0 } m) pullErrors[s.Name] = m;
        if (pod.Str("status", "phase") is "Succeeded" or "Failed") return true;
        return statuses.Count == containers && statuses.All(s => s.State is "running" or "terminated" || (s.Reason is { } r && PullFailureReasons.Contains(r)));
    }

    private static List<(string Name, string? State, string? Reason, string? Message)> Statuses(JsonObject pod) =>
        ((pod.At("status", "containerStatuses") as JsonArray)?.OfType<JsonObject>() ?? Enumerable.Empty<JsonObject>())
        .Select(c =>
        {
            var state = c["state"] as JsonObject;
            var key = state?.Select(kv => kv.Key).FirstOrDefault();
            return (c.Str("name") ?? "", key, key is null ? null : c.Str("state", key, "reason"), key is null ? null : c.Str("state", key, "message"));
        }).ToList();

    /// <summary>The kubelet's "Failed to pull image" events for the pod (the state may only say "Back-off pulling image").</summary>
    private static async Task ReadPullErrorsFromEventsAsync(IKubeApi api, JsonObject pod, Dictionary<string, string> pullErrors, CancellationToken ct)
    {
        IReadOnlyList<JsonObject> events;
        try { events = await api.ListAllAsync(Events, Namespace, null, ct).ConfigureAwait(false); }
        catch (KsUpgradeException) { return; } // not permitted: the container state's message stands
        foreach (var ev in events.Where(e => e.Str("involvedObject", "name") == pod.Name() && e.Str("reason") == "Failed")
                     .OrderBy(e => e.Str("lastTimestamp") ?? e.Str("eventTime"), StringComparer.Ordinal))
        {
            var message = ev.Str("message") ?? "";
            var field = ev.Str("involvedObject", "fieldPath") ?? "";
            var container = field.StartsWith("spec.containers{", StringComparison.Ordinal) ? field["spec.containers{".Length..].TrimEnd('}') : null;
            if (container is not null && message.StartsWith("Failed to pull image", StringComparison.Ordinal))
                pullErrors[container] = message;
        }
    }
}
