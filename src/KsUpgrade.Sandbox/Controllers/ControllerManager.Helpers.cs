using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Controllers;

internal sealed partial class ControllerManager
{
    private int _ipCounter = 1;

    private ResourceType Pods => T("", "pods");

    /// <summary>Replaces the status when it differs (keeping condition transition times of unchanged conditions).</summary>
    private void SetStatus(ResourceType t, JsonObject obj, JsonObject status)
    {
        if (obj["status"] is JsonObject old && status["conditions"] is JsonArray conds && old["conditions"] is JsonArray oldConds)
        {
            foreach (var c in conds.OfType<JsonObject>())
            {
                var prev = oldConds.OfType<JsonObject>().FirstOrDefault(o => ObjectMeta.Str(o, "type") == ObjectMeta.Str(c, "type"));
                if (prev is not null && ObjectMeta.Str(prev, "status") == ObjectMeta.Str(c, "status") && ObjectMeta.Str(prev, "reason") == ObjectMeta.Str(c, "reason"))
                {
                    foreach (var ts in new[] { "lastTransitionTime", "lastUpdateTime", "lastProbeTime" })
                        if (c.ContainsKey(ts)) c[ts] = prev[ts]?.DeepClone();
                }
            }
        }
        if (ObjectMeta.JsonEquals(obj["status"], status)) return;
        var copy = (JsonObject)obj.DeepClone();
        copy["status"] = status;
        _c.Update(t, ObjectMeta.Namespace(obj), ObjectMeta.Name(obj), copy, statusOnly: true, dryRun: false);
    }

    private static JsonObject Condition(string type, bool status, string reason, string message)
    {
        var now = ObjectMeta.Now();
        return new JsonObject
        {
            ["type"] = type, ["status"] = status ? "True" : "False", ["lastUpdateTime"] = now, ["lastTransitionTime"] = now,
            ["reason"] = reason, ["message"] = message,
        };
    }

    private List<JsonObject> OwnedPods(JsonObject owner)
    {
        var uid = ObjectMeta.Uid(owner);
        var result = new List<JsonObject>();
        foreach (var (gr, ns, name) in _c.Store.Dependents(uid))
            if (gr == "pods" && _c.Read(Pods, ns, name) is { } p && p["metadata"]?["deletionTimestamp"] is null) result.Add(p);
        return result;
    }

    private static bool PodReady(JsonObject pod) =>
        ObjectMeta.Str(pod, "status", "phase") == "Running"
        && (pod["status"]?["conditions"] as JsonArray)?.Any(c => ObjectMeta.Str(c, "type") == "Ready" && ObjectMeta.Str(c, "status") == "True") == true;

    private static bool HasControllerOwner(JsonObject o) =>
        (o["metadata"]?["ownerReferences"] as JsonArray)?.Any(r => r?["controller"]?.GetValue<bool>() == true) == true;

    /// <summary>Creates a pod from a template, owned by <paramref name="owner"/>.</summary>
    private JsonObject CreatePod(JsonObject owner, string ownerKind, string ownerApiVersion, JsonObject template,
        string? name, JsonObject? extraLabels = null, Action<JsonObject>? customize = null)
    {
        var ns = ObjectMeta.Namespace(owner);
        var labels = template["metadata"]?["labels"]?.DeepClone() as JsonObject ?? new JsonObject();
        foreach (var kv in extraLabels ?? new JsonObject()) labels[kv.Key] = kv.Value?.DeepClone();
        var meta = new JsonObject
        {
            ["namespace"] = ns,
            ["labels"] = labels,
            ["ownerReferences"] = new JsonArray(ObjectMeta.OwnerRef(owner, ownerApiVersion, ownerKind)),
        };
        if (name is not null) meta["name"] = name; else meta["generateName"] = ObjectMeta.Name(owner) + "-";
        if (template["metadata"]?["annotations"] is JsonObject ann) meta["annotations"] = ann.DeepClone();
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = meta,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
        customize?.Invoke(pod);
        return _c.Create(Pods, ns, pod, dryRun: false);
    }

    private void DeletePod(JsonObject pod)
    {
        try { _c.DeleteObject(Pods, ObjectMeta.Namespace(pod), ObjectMeta.Name(pod), new DeleteRequest()); }
        catch (ApiException e) when (e.Code == 404) { }
    }

    private int _nodeCursor;

    /// <summary>Assigns a node to a pending pod and makes it Running/Ready after the seed's PodReadySeconds.</summary>
    private void SchedulePod(string ns, string name)
    {
        var pod = _c.Read(Pods, ns, name);
        if (pod is null || pod["metadata"]?["deletionTimestamp"] is not null) return;
        if (ObjectMeta.Str(pod, "status", "phase") is not (null or "Pending")) return;
        if (string.IsNullOrEmpty(ObjectMeta.Str(pod, "spec", "nodeName")))
        {
            var nodes = _c.Store.List("nodes", null).Select(x => x.Obj)
                .Where(n => n["spec"]?["unschedulable"]?.GetValue<bool>() != true).ToList();
            var ready = nodes.Where(n => (n["status"]?["conditions"] as JsonArray)?.Any(c => ObjectMeta.Str(c, "type") == "Ready" && ObjectMeta.Str(c, "status") == "True") == true).ToList();
            var pool = ready.Count > 0 ? ready : nodes;
            if (pool.Count > 0)
            {
                var node = pool[_nodeCursor++ % pool.Count];
                var copy = (JsonObject)pod.DeepClone();
                Defaulting.Obj(copy, "spec")["nodeName"] = ObjectMeta.Name(node);
                pod = _c.Update(Pods, ns, name, copy, statusOnly: false, dryRun: false);
                RecordScheduled(pod, ObjectMeta.Name(node));
            }
        }
        var uid = ObjectMeta.Uid(pod);
        After(_c.Seed.PodReadySeconds, () => MakeRunning(ns, name, uid));
    }

    private void MakeRunning(string ns, string name, string uid)
    {
        var pod = _c.Read(Pods, ns, name);
        if (pod is null || ObjectMeta.Uid(pod) != uid || pod["metadata"]?["deletionTimestamp"] is not null) return;
        if (ObjectMeta.Str(pod, "status", "phase") is not (null or "Pending")) return;
        var now = ObjectMeta.Now();
        if (ImagePullFailures(pod) is { Count: > 0 } failures)
        {
            FailImagePulls(pod, failures, now);
            return;
        }
        var containers = new JsonArray();
        foreach (var c in pod["spec"]?["containers"] as JsonArray ?? new JsonArray())
            containers.Add(new JsonObject
            {
                ["name"] = ObjectMeta.Str(c, "name"),
                ["image"] = ObjectMeta.Str(c, "image"),
                ["imageID"] = "sandbox://" + ObjectMeta.Str(c, "image"),
                ["containerID"] = "containerd://" + ObjectMeta.Hash(JsonValue.Create(uid + ObjectMeta.Str(c, "name"))),
                ["ready"] = true,
                ["started"] = true,
                ["restartCount"] = 0,
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
            });
        int n = Interlocked.Increment(ref _ipCounter);
        var hostIp = HostIp(ObjectMeta.Str(pod, "spec", "nodeName"));
        var status = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(
                PodCondition("Initialized", true, now), PodCondition("Ready", true, now),
                PodCondition("ContainersReady", true, now), PodCondition("PodScheduled", true, now)),
            ["hostIP"] = hostIp,
            ["podIP"] = $"10.244.{(n >> 8) & 255}.{n & 255}",
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = $"10.244.{(n >> 8) & 255}.{n & 255}" }),
            ["startTime"] = now,
            ["containerStatuses"] = containers,
            ["qosClass"] = "BestEffort",
        };
        SetStatus(Pods, pod, status);
        if (_c.Read(Pods, ns, name) is { } started) RecordContainerStarts(started);
        if (JobOwnerOf(pod) is { } jobName) ScheduleJobFinish(ns, jobName, name, uid);
    }

    private string HostIp(string? nodeName)
    {
        if (nodeName is null) return "192.168.0.1";
        var node = _c.Store.Get("nodes", "", nodeName);
        var addr = (node?["status"]?["addresses"] as JsonArray)?.FirstOrDefault(a => ObjectMeta.Str(a, "type") == "InternalIP");
        return ObjectMeta.Str(addr, "address") ?? "192.168.0.1";
    }

    private static JsonObject PodCondition(string type, bool status, string now) => new()
    {
        ["type"] = type, ["status"] = status ? "True" : "False", ["lastProbeTime"] = null, ["lastTransitionTime"] = now,
    };

    private static string? JobOwnerOf(JsonObject pod) =>
        (pod["metadata"]?["ownerReferences"] as JsonArray)?.FirstOrDefault(r => ObjectMeta.Str(r, "kind") == "Job" && r?["controller"]?.GetValue<bool>() == true) is { } r
            ? ObjectMeta.Str(r, "name") : null;

    private static long IntOrPercent(JsonNode? value, long total, bool roundUp)
    {
        if (value is null) return 0;
        var s = ObjectMeta.Str(value) ?? "";
        if (s.EndsWith('%') && double.TryParse(s.TrimEnd('%'), out var pct))
            return roundUp ? (long)Math.Ceiling(total * pct / 100.0) : (long)Math.Floor(total * pct / 100.0);
        return long.TryParse(s, out var n) ? n : 0;
    }
}
