using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Diagnostics;

namespace KsUpgrade.Engine.Kube;

public enum JobEnd
{
    Complete,
    Failed,
    TimedOut,
}

/// <summary>
/// How a job ended and what its pods logged (all pods, in creation order); <paramref name="FailedMessage"/>: the message of
/// its Failed condition (BackoffLimitExceeded, DeadlineExceeded...), when it failed.
/// </summary>
public sealed record JobOutcome(JobEnd End, IReadOnlyList<string> LogLines, string? PodState, string? FailedMessage = null)
{
    public IReadOnlyList<string> LastLines(int n) => LogLines.Skip(Math.Max(0, LogLines.Count - n)).ToList();
}

/// <summary>Waits for a Job to complete or fail, streaming its pods' log lines as Verbose records.</summary>
public sealed class JobRunner
{
    private readonly IKubeApi _api;
    private readonly IEngineLog _log;

    public JobRunner(IKubeApi api, IEngineLog log)
    {
        _api = api;
        _log = log;
    }

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    public static string PodSelector(string job) => $"job-name={job}";

    /// <summary>
    /// Deletes a job and its pods and waits until the job is gone (a Job's pod template is immutable, so it must be
    /// re-created, not re-applied). False when there was no job.
    /// </summary>
    public async Task<bool> DeleteAsync(string ns, string job, TimeSpan timeout, CancellationToken ct)
    {
        var existed = await _api.DeleteAsync(ResourceKind.Jobs, ns, job, "Background", ct).ConfigureAwait(false);
        foreach (var pod in await _api.ListAllAsync(ResourceKind.Pods, ns, PodSelector(job), ct).ConfigureAwait(false))
            await _api.DeleteAsync(ResourceKind.Pods, ns, pod.Name(), "Background", ct).ConfigureAwait(false);
        if (!existed) return false;
        _log.Verbose($"Deleted Job {ns}/{job} and its pods.");
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (await _api.GetAsync(ResourceKind.Jobs, ns, job, ct).ConfigureAwait(false) is not null)
        {
            if (DateTimeOffset.UtcNow > deadline)
                throw new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.OperationTimeout,
                    $"Job {ns}/{job} was deleted but is still there after {timeout.TotalSeconds:0} s (a finalizer?).", job);
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// Polls the job's pods until <paramref name="settled"/> holds for one of them, or the timeout; returns the last pod
    /// seen (null: none was created). For a job judged by its pods' state (an image pull) rather than its end.
    /// </summary>
    public async Task<JsonObject?> WaitForPodAsync(string ns, string job, Func<JsonObject, bool> settled, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        JsonObject? last = null;
        while (true)
        {
            var pods = await _api.ListAllAsync(ResourceKind.Pods, ns, PodSelector(job), ct).ConfigureAwait(false);
            foreach (var pod in pods)
            {
                last = pod;
                if (settled(pod)) return pod;
            }
            if (DateTimeOffset.UtcNow >= deadline) return last;
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
    }

    public async Task<JobOutcome> WaitAsync(string ns, string job, TimeSpan timeout, CancellationToken ct)
    {
        var followed = new ConcurrentDictionary<string, Task>();
        var emitted = new ConcurrentDictionary<string, int>();
        using var followCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var deadline = DateTimeOffset.UtcNow + timeout;
        JobEnd end;
        string? podState = null, failedMessage = null;
        while (true)
        {
            var obj = await _api.GetAsync(ResourceKind.Jobs, ns, job, ct).ConfigureAwait(false)
                      ?? throw new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.ObjectNotFound, $"Job {ns}/{job} disappeared while waiting for it.", job);
            if (KubeJson.HasCondition(obj, "Complete")) { end = JobEnd.Complete; break; }
            if (KubeJson.HasCondition(obj, "Failed"))
            {
                failedMessage = (obj.At("status", "conditions") as JsonArray)?.OfType<JsonObject>()
                    .FirstOrDefault(c => c.Str("type") == "Failed")?.Str("message");
                end = JobEnd.Failed;
                break;
            }
            var pods = await _api.ListAllAsync(ResourceKind.Pods, ns, PodSelector(job), ct).ConfigureAwait(false);
            podState = DescribePods(pods);
            foreach (var pod in pods)
            {
                var phase = pod.Str("status", "phase");
                if (phase is null or "Pending") continue;
                var name = pod.Name();
                _ = followed.GetOrAdd(name, n => Task.Run(() => FollowAsync(ns, n, emitted, followCts.Token)));
            }
            if (DateTimeOffset.UtcNow >= deadline) { end = JobEnd.TimedOut; break; }
            await Task.Delay(PollInterval, ct).ConfigureAwait(false);
        }
        // Let the followers drain what the containers wrote, then stop them.
        var drain = Task.WhenAll(followed.Values.ToArray());
        await Task.WhenAny(drain, Task.Delay(TimeSpan.FromSeconds(3), ct)).ConfigureAwait(false);
        followCts.Cancel();
        var lines = new List<string>();
        foreach (var (pod, podLines) in await ReadLogsByPodAsync(ns, job, ct).ConfigureAwait(false))
        {
            // lines not streamed yet (a pod that ran between two polls, or a follow that ended early): show them now
            foreach (var l in podLines.Skip(emitted.GetValueOrDefault(pod))) _log.Verbose($"[{pod}] {l}");
            lines.AddRange(podLines);
        }
        return new JobOutcome(end, lines, podState, failedMessage);
    }

    /// <summary>The full logs of the job's pods, oldest pod first.</summary>
    public async Task<IReadOnlyList<string>> ReadLogsAsync(string ns, string job, CancellationToken ct) =>
        (await ReadLogsByPodAsync(ns, job, ct).ConfigureAwait(false)).SelectMany(p => p.Lines).ToList();

    private async Task<List<(string Pod, List<string> Lines)>> ReadLogsByPodAsync(string ns, string job, CancellationToken ct)
    {
        var pods = await _api.ListAllAsync(ResourceKind.Pods, ns, PodSelector(job), ct).ConfigureAwait(false);
        var result = new List<(string, List<string>)>();
        foreach (var pod in pods.OrderBy(p => p.Str("metadata", "creationTimestamp"), StringComparer.Ordinal))
        {
            if (pod.Str("status", "phase") is null or "Pending") continue;
            try
            {
                var text = await _api.ReadPodLogAsync(ns, pod.Name(), null, ct).ConfigureAwait(false);
                result.Add((pod.Name(), text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList()));
            }
            catch (KsUpgradeException e) when (ApiErrors.IsNotFound(e) || ApiErrors.IsBadRequest(e))
            {
                // the pod went between the list and the read, or its container never started: it logged nothing.
                // Any other error is not swallowed: a log that cannot be read cannot tell whether the phase was skipped.
                _log.Verbose($"Could not read the log of pod {ns}/{pod.Name()}: {e.Message}");
            }
        }
        return result;
    }

    private async Task FollowAsync(string ns, string pod, ConcurrentDictionary<string, int> emitted, CancellationToken ct)
    {
        try
        {
            await using var stream = await _api.FollowPodLogAsync(ns, pod, ct).ConfigureAwait(false);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0) continue;
                _log.Verbose($"[{pod}] {line}");
                emitted.AddOrUpdate(pod, 1, (_, n) => n + 1);
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e) when (e is KsUpgradeException or IOException or HttpRequestException)
        {
            _log.Verbose($"Stopped following the log of pod {ns}/{pod}: {e.Message}");
        }
    }

    private static string? DescribePods(IReadOnlyList<JsonObject> pods)
    {
        if (pods.Count == 0) return "no pod created yet";
        return string.Join("; ", pods.Select(p =>
        {
            var phase = p.Str("status", "phase") ?? "Unknown";
            var waiting = (p.At("status", "containerStatuses") as JsonArray)?.OfType<JsonObject>()
                .Select(c => c.Str("state", "waiting", "reason")).FirstOrDefault(r => r is not null);
            return $"pod {p.Name()} {phase}{(waiting is null ? "" : " (" + waiting + ")")}";
        }));
    }
}
