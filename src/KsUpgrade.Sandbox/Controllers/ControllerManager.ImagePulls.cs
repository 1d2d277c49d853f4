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
        // the kubelet's events, read from the statuses just written (the one event recorder: ControllerManager.Events)
        if (_c.Read(Pods, ns, name) is { } pulled) RecordContainerStarts(pulled);
        After(ImagePullBackOffSeconds, () =>
        {
            var current = _c.Read(Pods, ns, name);
            if (current is null || ObjectMeta.Uid(current) != uid || current["metadata"]?["deletionTimestamp"] is not null) return;
            if (ObjectMeta.Str(current, "status", "phase") != "Pending") return;
            SetStatus(Pods, current, PullStatus(current, failures, "ImagePullBackOff", f => $"Back-off pulling image \"{f.Image}\"", ObjectMeta.Now()));
            var node = ObjectMeta.Str(current, "spec", "nodeName");
            foreach (var (container, (image, _)) in failures)
            {
                Record(current, "Normal", "BackOff", $"Back-off pulling image \"{image}\"", "kubelet", node, $"spec.containers{{{container}}}");
                Record(current, "Warning", "Failed", "Error: ImagePullBackOff", "kubelet", node, $"spec.containers{{{container}}}");
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
}
