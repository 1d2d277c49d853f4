using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Controllers;

/// <summary>
/// The kubelet failing to pull an image the fault plan names (FaultPlan.FailImagePull): the pod stays Pending; each
/// container whose image fails waits with reason ErrImagePull and the runtime's message, then ImagePullBackOff
/// ("Back-off pulling image ..."); the others start. Events as the kubelet writes them: Normal Pulling, Warning Failed
/// (the pull error, then "Error: ErrImagePull"), then Warning BackOff and "Error: ImagePullBackOff".
/// </summary>
internal sealed partial class ControllerManager
{
    private const double ImagePullBackOffSeconds = 0.5;

    /// <summary>Container name → the pull error, for the containers of the pod whose image the fault plan makes unpullable.</summary>
    private Dictionary<string, (string Image, string Error)> ImagePullFailures(JsonObject pod)
    {
        var failures = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var c in pod["spec"]?["containers"] as JsonArray ?? new JsonArray())
        {
            var image = ObjectMeta.Str(c, "image") ?? "";
            if (_host.Faults.ImagePullError(_c.ClusterName, image) is { } error)
                failures[ObjectMeta.Str(c, "name") ?? ""] = (image, error);
        }
        return failures;
    }

    private void FailImagePulls(JsonObject pod, Dictionary<string, (string Image, string Error)> failures, string now)
    {
        var ns = ObjectMeta.Namespace(pod);
        var name = ObjectMeta.Name(pod);
        var uid = ObjectMeta.Uid(pod);
        SetStatus(Pods, pod, PullStatus(pod, failures, "ErrImagePull", f => f.Error, now));
        foreach (var (container, (image, error)) in failures)
        {
            PodEvent(pod, container, "Normal", "Pulling", $"Pulling image \"{image}\"");
            PodEvent(pod, container, "Warning", "Failed", $"Failed to pull image \"{image}\": {error}");
            PodEvent(pod, container, "Warning", "Failed", "Error: ErrImagePull");
        }
        After(ImagePullBackOffSeconds, () =>
        {
            var current = _c.Read(Pods, ns, name);
            if (current is null || ObjectMeta.Uid(current) != uid || current["metadata"]?["deletionTimestamp"] is not null) return;
            if (ObjectMeta.Str(current, "status", "phase") != "Pending") return;
            SetStatus(Pods, current, PullStatus(current, failures, "ImagePullBackOff", f => $"Back-off pulling image \"{f.Image}\"", ObjectMeta.Now()));
            foreach (var (container, (image, _)) in failures)
            {
                PodEvent(current, container, "Normal", "BackOff", $"Back-off pulling image \"{image}\"");
                PodEvent(current, container, "Warning", "Failed", "Error: ImagePullBackOff");
            }
        });
    }

    private JsonObject PullStatus(JsonObject pod, Dictionary<string, (string Image, string Error)> failures, string reason,
        Func<(string Image, string Error), string> message, string now)
    {
        var statuses = new JsonArray();
        foreach (var c in pod["spec"]?["containers"] as JsonArray ?? new JsonArray())
        {
            var name = ObjectMeta.Str(c, "name") ?? "";
            var image = ObjectMeta.Str(c, "image");
            statuses.Add(failures.TryGetValue(name, out var f)
                ? new JsonObject
                {
                    ["name"] = name, ["image"] = image, ["imageID"] = "", ["ready"] = false, ["started"] = false, ["restartCount"] = 0,
                    ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = reason, ["message"] = message(f) } },
                }
                : new JsonObject
                {
                    ["name"] = name, ["image"] = image, ["imageID"] = "sandbox://" + image, ["ready"] = true, ["started"] = true, ["restartCount"] = 0,
                    ["containerID"] = "containerd://" + ObjectMeta.Hash(JsonValue.Create(ObjectMeta.Uid(pod) + name)),
                    ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
                });
        }
        var waiting = string.Join(", ", failures.Keys.Order(StringComparer.Ordinal));
        return new JsonObject
        {
            ["phase"] = "Pending",
            ["conditions"] = new JsonArray(
                PodCondition("Initialized", true, now),
                NotReady("Ready", $"containers with unready status: [{waiting}]", now),
                NotReady("ContainersReady", $"containers with unready status: [{waiting}]", now),
                PodCondition("PodScheduled", true, now)),
            ["hostIP"] = HostIp(ObjectMeta.Str(pod, "spec", "nodeName")),
            ["startTime"] = ObjectMeta.Str(pod, "status", "startTime") ?? now,
            ["containerStatuses"] = statuses,
            ["qosClass"] = "BestEffort",
        };
    }

    private static JsonObject NotReady(string type, string message, string now)
    {
        var c = PodCondition(type, false, now);
        c["reason"] = "ContainersNotReady";
        c["message"] = message;
        return c;
    }

    /// <summary>An Event about a container of the pod, from the kubelet of its node.</summary>
    private void PodEvent(JsonObject pod, string container, string type, string reason, string message)
    {
        var ns = ObjectMeta.Namespace(pod);
        var now = ObjectMeta.Now();
        var ev = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = $"{ObjectMeta.Name(pod)}.{Guid.NewGuid():N}"[..Math.Min(253, ObjectMeta.Name(pod).Length + 17)], ["namespace"] = ns },
            ["involvedObject"] = new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Pod", ["namespace"] = ns, ["name"] = ObjectMeta.Name(pod), ["uid"] = ObjectMeta.Uid(pod),
                ["fieldPath"] = $"spec.containers{{{container}}}",
            },
            ["type"] = type, ["reason"] = reason, ["message"] = message,
            ["source"] = new JsonObject { ["component"] = "kubelet", ["host"] = ObjectMeta.Str(pod, "spec", "nodeName") },
            ["firstTimestamp"] = now, ["lastTimestamp"] = now, ["count"] = 1,
            ["reportingComponent"] = "kubelet", ["reportingInstance"] = ObjectMeta.Str(pod, "spec", "nodeName") ?? "",
        };
        try { _c.Create(T("", "events"), ns, ev, false); }
        catch (ApiException) { } // an event that cannot be written is lost, as on a real cluster
    }
}
