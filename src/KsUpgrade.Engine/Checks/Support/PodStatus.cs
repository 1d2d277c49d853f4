using k8s.Models;

namespace KsUpgrade.Engine.Checks;

/// <summary>The status word kubectl prints in `get pods` (close enough: Terminating, waiting/terminated reasons, phase).</summary>
public static class PodStatus
{
    public static string Display(V1Pod pod)
    {
        if (pod.Metadata?.DeletionTimestamp is not null)
            return "Terminating";
        var status = pod.Status;
        if (status is null)
            return "Unknown";
        if (!string.IsNullOrEmpty(status.Reason))
            return status.Reason;
        // Init containers that are not done yet.
        foreach (var ic in status.InitContainerStatuses ?? Enumerable.Empty<V1ContainerStatus>())
        {
            if (ic.State?.Terminated is { ExitCode: 0 })
                continue;
            if (ic.State?.Waiting?.Reason is { Length: > 0 } wr && wr != "PodInitializing")
                return "Init:" + wr;
            if (ic.State?.Terminated is { } t)
                return "Init:" + (string.IsNullOrEmpty(t.Reason) ? "Error" : t.Reason);
            return "Init:" + ic.Name;
        }
        var phase = status.Phase ?? "Unknown";
        string? reason = null;
        foreach (var cs in status.ContainerStatuses ?? Enumerable.Empty<V1ContainerStatus>())
        {
            if (cs.State?.Waiting?.Reason is { Length: > 0 } w)
                reason = w;
            else if (cs.State?.Terminated?.Reason is { Length: > 0 } t)
                reason = t;
        }
        if (phase == "Succeeded")
            return "Completed";
        if (phase == "Running" && reason is not null && reason != "Completed")
            return reason;
        return reason is not null && phase != "Running" ? reason : phase;
    }
}
