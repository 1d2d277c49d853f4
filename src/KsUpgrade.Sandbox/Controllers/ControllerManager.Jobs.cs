using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Simulation;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Controllers;

internal sealed partial class ControllerManager
{
    private readonly HashSet<string> _jobFinishScheduled = new();

    private static bool JobFinished(JsonObject job) =>
        (job["status"]?["conditions"] as JsonArray)?.Any(c =>
            ObjectMeta.Str(c, "type") is "Complete" or "Failed" && ObjectMeta.Str(c, "status") == "True") == true;

    private void ReconcileJob(string ns, string name)
    {
        var jt = T("batch", "jobs");
        var job = _c.Read(jt, ns, name);
        if (job is null || job["metadata"]?["deletionTimestamp"] is not null || JobFinished(job)) return;
        if (job["spec"]?["suspend"]?.GetValue<bool>() == true) return;
        var pods = OwnedPods(job);
        if (pods.Count == 0)
        {
            var template = job["spec"]?["template"] as JsonObject ?? new JsonObject();
            var pod = CreatePod(job, "Job", "batch/v1", template, null);
            pods.Add(pod);
            Record(job, "Normal", "SuccessfulCreate", $"Created pod: {ObjectMeta.Name(pod)}", "job-controller");
        }
        foreach (var p in pods)
            if (ObjectMeta.Str(p, "status", "phase") == "Running")
                ScheduleJobFinish(ns, name, ObjectMeta.Name(p), ObjectMeta.Uid(p));
        var status = job["status"]?.DeepClone() as JsonObject ?? new JsonObject();
        status["active"] = pods.Count(p => ObjectMeta.Str(p, "status", "phase") is null or "Pending" or "Running");
        status["ready"] = pods.Count(PodReady);
        status["startTime"] ??= ObjectMeta.Now();
        status["terminating"] = 0;
        status["uncountedTerminatedPods"] ??= new JsonObject();
        SetStatus(jt, job, status);
    }

    private void ScheduleJobFinish(string ns, string jobName, string podName, string podUid)
    {
        if (!_jobFinishScheduled.Add(podUid)) return;
        // A kubectl/helm Job runs for real (unless the fault plan fails it, as it fails any named Job).
        if (_c.Read(Pods, ns, podName) is { } pod && ToolImageOf(pod) is { } image && !_host.Faults.JobShouldFail(_c.ClusterName, ns, jobName))
        {
            StartToolJob(ns, jobName, pod, image);
            return;
        }
        After(_c.Seed.JobRunSeconds, () => FinishJob(ns, jobName, podName, podUid));
    }

    /// <summary>The job's pod ends: the fault plan fails it, else the first workload behaviour with an outcome decides, else success.</summary>
    private void FinishJob(string ns, string jobName, string podName, string podUid)
    {
        _jobFinishScheduled.Remove(podUid);
        var jt = T("batch", "jobs");
        var job = _c.Read(jt, ns, jobName);
        var pod = _c.Read(Pods, ns, podName);
        if (job is null || JobFinished(job) || pod is null || ObjectMeta.Uid(pod) != podUid) return;

        JobOutcome? outcome = null;
        if (_host.Faults.JobShouldFail(_c.ClusterName, ns, jobName))
            outcome = new JobOutcome(false, new[] { $"simulated failure of job {jobName} (sandbox fault plan)" });
        else
        {
            // Behaviours run outside the store lock (they write through the cluster view, which takes it itself).
            bool held = Monitor.IsEntered(_c.Store.Gate);
            if (held) Monitor.Exit(_c.Store.Gate);
            try
            {
                foreach (var behaviour in _host.Behaviours)
                {
                    outcome = behaviour.OnJobRun((JsonObject)job.DeepClone(), _c);
                    if (outcome is not null) break;
                }
            }
            finally
            {
                if (held) Monitor.Enter(_c.Store.Gate);
            }
        }
        outcome ??= new JobOutcome(true, Array.Empty<string>());
        CompleteJob(ns, jobName, podName, podUid, outcome, outcome.Succeeded ? 0 : 1, null);
    }

    /// <summary>
    /// The pod ended with this exit code and the Job with it: pod Succeeded or Failed (container terminated with the
    /// code), Job Complete or Failed (BackoffLimitExceeded unless <paramref name="failure"/> names the reason).
    /// </summary>
    private void CompleteJob(string ns, string jobName, string podName, string podUid, JobOutcome outcome, int exitCode,
        (string Reason, string Message)? failure)
    {
        _jobFinishScheduled.Remove(podUid);
        var jt = T("batch", "jobs");
        if (outcome.LogLines.Count > 0) _c.SetPodLog(ns, podName, outcome.LogLines);
        var now = ObjectMeta.Now();
        var pod = _c.Read(Pods, ns, podName);
        if (pod is not null && ObjectMeta.Uid(pod) != podUid) pod = null;
        if (pod is not null)
        {
            var podStatus = pod["status"]?.DeepClone() as JsonObject ?? new JsonObject();
            podStatus["phase"] = outcome.Succeeded ? "Succeeded" : "Failed";
            podStatus["conditions"] = new JsonArray(
                PodCondition("Initialized", true, now), PodCondition("Ready", false, now),
                PodCondition("ContainersReady", false, now), PodCondition("PodScheduled", true, now));
            var statuses = new JsonArray();
            foreach (var c in pod["spec"]?["containers"] as JsonArray ?? new JsonArray())
                statuses.Add(new JsonObject
                {
                    ["name"] = ObjectMeta.Str(c, "name"), ["image"] = ObjectMeta.Str(c, "image"), ["ready"] = false, ["started"] = false,
                    ["restartCount"] = 0,
                    ["state"] = new JsonObject
                    {
                        ["terminated"] = new JsonObject
                        {
                            ["exitCode"] = exitCode, ["reason"] = outcome.Succeeded ? "Completed" : "Error",
                            ["startedAt"] = ObjectMeta.Str(pod, "status", "startTime") ?? now, ["finishedAt"] = now,
                        },
                    },
                });
            podStatus["containerStatuses"] = statuses;
            SetStatus(Pods, pod, podStatus);
        }

        var job = _c.Read(jt, ns, jobName);
        if (job is null || JobFinished(job)) return;
        var status = job["status"]?.DeepClone() as JsonObject ?? new JsonObject();
        status["active"] = 0;
        status["ready"] = 0;
        status["startTime"] ??= now;
        if (outcome.Succeeded)
        {
            status["succeeded"] = (ObjectMeta.Long(status, "succeeded") ?? 0) + 1;
            status["completionTime"] = now;
            // From 1.31 the job controller sets SuccessCriteriaMet first and gives Complete a reason; before, a bare Complete.
            status["conditions"] = _c.Seed.KubernetesMinor >= 31
                ? new JsonArray(
                    JobCondition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", now),
                    JobCondition("Complete", "CompletionsReached", "Reached expected number of succeeded pods", now))
                : new JsonArray(JobCondition("Complete", "", "", now));
        }
        else
        {
            status["failed"] = (ObjectMeta.Long(status, "failed") ?? 0) + 1;
            // From 1.31 FailureTarget comes before Failed for every failure; before, Failed alone.
            var (reason, message) = failure ?? ("BackoffLimitExceeded", "Job has reached the specified backoff limit");
            var failed = JobCondition("Failed", reason, message, now);
            status["conditions"] = _c.Seed.KubernetesMinor >= 31
                ? new JsonArray(JobCondition("FailureTarget", reason, message, now), failed)
                : new JsonArray(failed);
        }
        SetStatus(jt, job, status);
        if (outcome.Succeeded) Record(job, "Normal", "Completed", "Job completed", "job-controller");
        else
        {
            var (reason, message) = failure ?? ("BackoffLimitExceeded", "Job has reached the specified backoff limit");
            Record(job, "Warning", reason, message, "job-controller");
        }

        if (ObjectMeta.Long(job, "spec", "ttlSecondsAfterFinished") is long ttl)
        {
            var uid = ObjectMeta.Uid(job);
            After(ttl, () =>
            {
                var j = _c.Read(jt, ns, jobName);
                if (j is not null && ObjectMeta.Uid(j) == uid)
                    _c.DeleteObject(jt, ns, jobName, new DeleteRequest { PropagationPolicy = "Background" });
            });
        }
    }

    private static JsonObject JobCondition(string type, string reason, string message, string now)
    {
        var c = new JsonObject { ["type"] = type, ["status"] = "True", ["lastProbeTime"] = now, ["lastTransitionTime"] = now };
        // Empty reason and message are omitted, as the API server's JSON does.
        if (reason.Length > 0) c["reason"] = reason;
        if (message.Length > 0) c["message"] = message;
        return c;
    }
}
