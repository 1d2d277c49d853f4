using System.Globalization;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Controllers;

/// <summary>
/// The events the simulated components record, as the real ones write them (core/v1 Events):
/// <list type="bullet">
/// <item>kubelet, job-controller, deployment-controller, replicaset-controller, statefulset-controller,
/// daemonset-controller use client-go's legacy recorder: name <c>&lt;object&gt;.&lt;hex unix nanoseconds&gt;</c>,
/// <c>source</c> {component, host (kubelet: its node)}, firstTimestamp = lastTimestamp, count 1, no eventTime; an
/// identical event again (same object, source, type, reason, message) increments count and moves lastTimestamp, as
/// the recorder's correlator does. From 1.28 that recorder also fills reportingComponent/reportingInstance from
/// the source; before, both are empty.</item>
/// <item>kube-scheduler records through events.k8s.io/v1: eventTime (microseconds), action <c>Binding</c>,
/// reportingComponent <c>default-scheduler</c>, reportingInstance <c>default-scheduler-&lt;host&gt;</c>, an empty
/// source, no first/last timestamps and no count.</item>
/// </list>
/// Events of cluster-scoped objects go to namespace <c>default</c>. A write the API server refuses (the namespace is
/// terminating or gone) is dropped, as a recorder drops it.
/// </summary>
internal sealed partial class ControllerManager
{
    private readonly Dictionary<string, string> _eventNames = new();
    private long _lastEventNanos;

    private ResourceType Events => T("", "events");

    private static JsonObject Ref(JsonObject obj, string? fieldPath = null)
    {
        var r = new JsonObject
        {
            ["kind"] = ObjectMeta.Str(obj, "kind"),
            ["namespace"] = ObjectMeta.Namespace(obj) is { Length: > 0 } ns ? ns : null,
            ["name"] = ObjectMeta.Name(obj),
            ["uid"] = ObjectMeta.Uid(obj),
            ["apiVersion"] = ObjectMeta.Str(obj, "apiVersion"),
            ["resourceVersion"] = ObjectMeta.Str(obj, "metadata", "resourceVersion"),
        };
        if (fieldPath is not null) r["fieldPath"] = fieldPath;
        foreach (var k in r.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) r.Remove(k);
        return r;
    }

    /// <summary>Unique, increasing nanoseconds (the event name's suffix; two events of one object never share it).</summary>
    private long EventNanos()
    {
        long nanos = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
        if (nanos <= _lastEventNanos) nanos = _lastEventNanos + 1;
        return _lastEventNanos = nanos;
    }

    /// <summary>An event through client-go's legacy recorder (core/v1), aggregated into an identical earlier one.</summary>
    private void Record(JsonObject obj, string type, string reason, string message, string component, string? host = null, string? fieldPath = null)
    {
        try
        {
            var involved = Ref(obj, fieldPath);
            var ns = ObjectMeta.Namespace(obj) is { Length: > 0 } n ? n : "default";
            var now = ObjectMeta.Now();
            var key = string.Join('\u0001', component, host, ObjectMeta.Uid(obj), fieldPath, type, reason, message);
            if (_eventNames.TryGetValue(key, out var existingName) && _c.Read(Events, ns, existingName) is { } existing)
            {
                var copy = (JsonObject)existing.DeepClone();
                copy["count"] = (ObjectMeta.Long(existing, "count") ?? 1) + 1;
                copy["lastTimestamp"] = now;
                _c.Update(Events, ns, existingName, copy, false, false);
                return;
            }
            var source = new JsonObject { ["component"] = component };
            if (host is not null) source["host"] = host;
            bool reporting = _c.Seed.KubernetesMinor >= 28;
            var name = $"{ObjectMeta.Name(obj)}.{EventNanos():x}";
            var ev = new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Event",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
                ["involvedObject"] = involved,
                ["reason"] = reason, ["message"] = message, ["source"] = source,
                ["firstTimestamp"] = now, ["lastTimestamp"] = now, ["count"] = 1, ["type"] = type,
                ["eventTime"] = null,
                ["reportingComponent"] = reporting ? component : "",
                ["reportingInstance"] = reporting ? host ?? "" : "",
            };
            _c.Create(Events, ns, ev, false);
            _eventNames[key] = name;
        }
        catch (ApiException)
        {
            // the namespace is terminating or gone: the recorder's write fails and the event is dropped
        }
    }

    /// <summary>kube-scheduler's Scheduled event (events.k8s.io/v1, read here through core/v1).</summary>
    private void RecordScheduled(JsonObject pod, string node)
    {
        try
        {
            var ns = ObjectMeta.Namespace(pod);
            long nanos = EventNanos();
            var time = DateTime.UnixEpoch.AddTicks(nanos / 100).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);
            _c.Create(Events, ns, new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Event",
                ["metadata"] = new JsonObject { ["name"] = $"{ObjectMeta.Name(pod)}.{nanos:x}", ["namespace"] = ns },
                ["involvedObject"] = Ref(pod),
                ["reason"] = "Scheduled", ["message"] = $"Successfully assigned {ns}/{ObjectMeta.Name(pod)} to {node}",
                ["source"] = new JsonObject(),
                ["firstTimestamp"] = null, ["lastTimestamp"] = null,
                ["type"] = "Normal", ["eventTime"] = time, ["action"] = "Binding",
                ["reportingComponent"] = "default-scheduler", ["reportingInstance"] = "default-scheduler-" + SchedulerHost(),
            }, false);
        }
        catch (ApiException)
        {
        }
    }

    /// <summary>The node the scheduler runs on: the first control-plane node, else the first node.</summary>
    private string SchedulerHost()
    {
        var nodes = _c.Store.List("nodes", null).Select(x => x.Obj).ToList();
        var cp = nodes.FirstOrDefault(n => n["metadata"]?["labels"] is JsonObject l
            && (l.ContainsKey("node-role.kubernetes.io/control-plane") || l.ContainsKey("node-role.kubernetes.io/master")));
        return cp is not null ? ObjectMeta.Name(cp) : nodes.Count > 0 ? ObjectMeta.Name(nodes[0]) : "localhost";
    }

    /// <summary>
    /// What the kubelet records for each container of a pod it just started, read from the container statuses the
    /// sandbox wrote: a running (or already terminated) container was pulled, created and started; a container
    /// waiting on an image-pull error was pulled and failed; other waiting states record nothing.
    /// </summary>
    private void RecordContainerStarts(JsonObject pod)
    {
        var node = ObjectMeta.Str(pod, "spec", "nodeName");
        var specs = (pod["spec"]?["containers"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().ToList();
        foreach (var cs in (pod["status"]?["containerStatuses"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
        {
            var name = ObjectMeta.Str(cs, "name") ?? "";
            var image = ObjectMeta.Str(cs, "image") ?? ObjectMeta.Str(specs.FirstOrDefault(s => ObjectMeta.Str(s, "name") == name), "image") ?? "";
            var field = $"spec.containers{{{name}}}";
            var state = cs["state"] as JsonObject;
            if (state?["running"] is not null || state?["terminated"] is not null)
            {
                Record(pod, "Normal", "Pulling", $"Pulling image \"{image}\"", "kubelet", node, field);
                var took = GoDuration(_c.Seed.PodReadySeconds);
                Record(pod, "Normal", "Pulled", _c.Seed.KubernetesMinor >= 28
                    ? $"Successfully pulled image \"{image}\" in {took} ({took} including waiting)"
                    : $"Successfully pulled image \"{image}\" in {took}", "kubelet", node, field);
                Record(pod, "Normal", "Created", $"Created container {name}", "kubelet", node, field);
                Record(pod, "Normal", "Started", $"Started container {name}", "kubelet", node, field);
            }
            else if (ObjectMeta.Str(state?["waiting"], "reason") is "ErrImagePull" or "ImagePullBackOff" or "InvalidImageName" or "ErrImageNeverPull" && state?["waiting"] is { } waiting)
            {
                var reason = ObjectMeta.Str(waiting, "reason")!;
                Record(pod, "Normal", "Pulling", $"Pulling image \"{image}\"", "kubelet", node, field);
                if (reason == "ImagePullBackOff")
                {
                    Record(pod, "Normal", "BackOff", $"Back-off pulling image \"{image}\"", "kubelet", node, field);
                    Record(pod, "Warning", "Failed", "Error: ImagePullBackOff", "kubelet", node, field);
                }
                else
                {
                    Record(pod, "Warning", "Failed", ObjectMeta.Str(waiting, "message") is { Length: > 0 } m
                        ? $"Failed to pull image \"{image}\": {m}" : $"Failed to pull image \"{image}\"", "kubelet", node, field);
                    Record(pod, "Warning", "Failed", $"Error: {reason}", "kubelet", node, field);
                }
            }
        }
    }

    /// <summary>The kubelet stops a deleted pod's running containers.</summary>
    private void RecordContainerKills(JsonObject pod)
    {
        var node = ObjectMeta.Str(pod, "spec", "nodeName");
        if (string.IsNullOrEmpty(node)) return;
        foreach (var cs in (pod["status"]?["containerStatuses"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
            if (cs["state"]?["running"] is not null)
                Record(pod, "Normal", "Killing", $"Stopping container {ObjectMeta.Str(cs, "name")}", "kubelet", node,
                    $"spec.containers{{{ObjectMeta.Str(cs, "name")}}}");
    }

    /// <summary>Go's time.Duration.String() of a number of seconds, as the kubelet prints a pull time.</summary>
    internal static string GoDuration(double seconds)
    {
        if (seconds <= 0) return "0s";
        if (seconds < 1) return (seconds * 1000).ToString("0.######", CultureInfo.InvariantCulture) + "ms";
        var ts = TimeSpan.FromSeconds(seconds);
        var s = (ts.TotalSeconds % 60).ToString("0.#########", CultureInfo.InvariantCulture) + "s";
        if (ts.TotalMinutes < 1) return s;
        var m = ((int)ts.TotalMinutes % 60) + "m" + s;
        return ts.TotalHours < 1 ? m : (int)ts.TotalHours + "h" + m;
    }
}
