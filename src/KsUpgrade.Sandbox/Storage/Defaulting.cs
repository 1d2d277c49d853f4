using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;

namespace KsUpgrade.Sandbox.Storage;

/// <summary>The defaults the real API server fills in, for the fields clients (helm's ready checks, kubectl) rely on.</summary>
internal static class Defaulting
{
    public static void OnCreate(SimulatedCluster cluster, ResourceType t, JsonObject obj, bool fromApi)
    {
        var meta = ObjectMeta.Meta(obj);
        switch (t.Group, t.Kind)
        {
            case ("", "Namespace"):
                var labels = meta["labels"] as JsonObject ?? new JsonObject();
                labels["kubernetes.io/metadata.name"] = ObjectMeta.Name(obj);
                meta["labels"] = labels;
                Obj(obj, "spec")["finalizers"] ??= new JsonArray("kubernetes");
                if (fromApi || obj["status"] is null) obj["status"] = new JsonObject { ["phase"] = "Active" };
                break;
            case ("", "Pod"):
                Obj(obj, "spec")["restartPolicy"] ??= "Always";
                if (fromApi || obj["status"] is null)
                    obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
                break;
            case ("", "Service"):
                DefaultService(cluster, obj, null);
                break;
            case ("", "PersistentVolumeClaim"):
                Obj(obj, "spec")["volumeMode"] ??= "Filesystem";
                if (fromApi || obj["status"] is null) obj["status"] = new JsonObject { ["phase"] = "Pending" };
                break;
            case ("", "PersistentVolume"):
                if (fromApi || obj["status"] is null) obj["status"] = new JsonObject { ["phase"] = "Available" };
                break;
        }
        DefaultCommon(t, obj, null);
    }

    public static void OnUpdate(SimulatedCluster cluster, ResourceType t, JsonObject next, JsonObject current)
    {
        if (t.Group == "" && t.Kind == "Service") DefaultService(cluster, next, current);
        if (t.Group == "" && t.Kind == "Namespace") Obj(next, "spec")["finalizers"] ??= current["spec"]?["finalizers"]?.DeepClone() ?? new JsonArray("kubernetes");
        DefaultCommon(t, next, current);
    }

    private static void DefaultCommon(ResourceType t, JsonObject obj, JsonObject? current)
    {
        switch (t.Group, t.Kind)
        {
            case ("", "Secret"):
                obj["type"] ??= "Opaque";
                if (obj["stringData"] is JsonObject sd)
                {
                    var data = obj["data"] as JsonObject ?? new JsonObject();
                    foreach (var kv in sd)
                        data[kv.Key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(kv.Value?.GetValue<string>() ?? ""));
                    obj["data"] = data;
                    obj.Remove("stringData");
                }
                break;
            case ("apps", "Deployment"):
            {
                var spec = Obj(obj, "spec");
                spec["replicas"] ??= 1;
                spec["revisionHistoryLimit"] ??= 10;
                spec["progressDeadlineSeconds"] ??= 600;
                var strategy = Obj(spec, "strategy");
                strategy["type"] ??= "RollingUpdate";
                if (ObjectMeta.Str(strategy, "type") == "RollingUpdate")
                {
                    var ru = Obj(strategy, "rollingUpdate");
                    ru["maxUnavailable"] ??= "25%";
                    ru["maxSurge"] ??= "25%";
                }
                break;
            }
            case ("apps", "ReplicaSet"):
                Obj(obj, "spec")["replicas"] ??= 1;
                break;
            case ("apps", "StatefulSet"):
            {
                var spec = Obj(obj, "spec");
                spec["replicas"] ??= 1;
                spec["podManagementPolicy"] ??= "OrderedReady";
                spec["revisionHistoryLimit"] ??= 10;
                var us = Obj(spec, "updateStrategy");
                us["type"] ??= "RollingUpdate";
                if (ObjectMeta.Str(us, "type") == "RollingUpdate") Obj(us, "rollingUpdate")["partition"] ??= 0;
                break;
            }
            case ("apps", "DaemonSet"):
            {
                var spec = Obj(obj, "spec");
                spec["revisionHistoryLimit"] ??= 10;
                var us = Obj(spec, "updateStrategy");
                us["type"] ??= "RollingUpdate";
                if (ObjectMeta.Str(us, "type") == "RollingUpdate")
                {
                    var ru = Obj(us, "rollingUpdate");
                    ru["maxUnavailable"] ??= 1;
                    ru["maxSurge"] ??= 0;
                }
                break;
            }
            case ("batch", "Job"):
            {
                var spec = Obj(obj, "spec");
                spec["completions"] ??= 1;
                spec["parallelism"] ??= 1;
                spec["backoffLimit"] ??= 6;
                spec["completionMode"] ??= "NonIndexed";
                spec["suspend"] ??= false;
                if (current is not null)
                {
                    spec["selector"] ??= current["spec"]?["selector"]?.DeepClone();
                    var curLabels = current["spec"]?["template"]?["metadata"]?["labels"] as JsonObject;
                    var tmeta = Obj(Obj(spec, "template"), "metadata");
                    var labels = tmeta["labels"] as JsonObject ?? new JsonObject();
                    foreach (var kv in curLabels ?? new JsonObject())
                        if (!labels.ContainsKey(kv.Key)) labels[kv.Key] = kv.Value?.DeepClone();
                    tmeta["labels"] = labels;
                }
                else if (spec["manualSelector"]?.GetValue<bool>() != true)
                {
                    var uid = ObjectMeta.Uid(obj);
                    var name = ObjectMeta.Name(obj);
                    spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uid } };
                    var tmeta = Obj(Obj(spec, "template"), "metadata");
                    var labels = tmeta["labels"] as JsonObject ?? new JsonObject();
                    labels["batch.kubernetes.io/controller-uid"] = uid;
                    labels["batch.kubernetes.io/job-name"] = name;
                    labels["controller-uid"] = uid;
                    labels["job-name"] = name;
                    tmeta["labels"] = labels;
                }
                break;
            }
            case ("batch", "CronJob"):
            {
                var spec = Obj(obj, "spec");
                spec["suspend"] ??= false;
                spec["concurrencyPolicy"] ??= "Allow";
                spec["successfulJobsHistoryLimit"] ??= 3;
                spec["failedJobsHistoryLimit"] ??= 1;
                break;
            }
        }
    }

    /// <summary>
    /// A number in [0, range) derived from the service's cluster, namespace and name: allocations (node ports, load
    /// balancer IPs) are the same on every start of a seed.
    /// </summary>
    private static int Stable(SimulatedCluster cluster, JsonObject obj, string what, int range) =>
        (int)(Convert.ToUInt32(KsUpgrade.Sandbox.Seeds.Building.SeedIds.Hex($"{cluster.ClusterName}/{ObjectMeta.Namespace(obj)}/{ObjectMeta.Name(obj)}/{what}", 8), 16) % (uint)range);

    private static void DefaultService(SimulatedCluster cluster, JsonObject obj, JsonObject? current)
    {
        var spec = Obj(obj, "spec");
        spec["type"] ??= "ClusterIP";
        var type = ObjectMeta.Str(spec, "type");
        if (type != "ExternalName")
        {
            if (string.IsNullOrEmpty(ObjectMeta.Str(spec, "clusterIP")))
                spec["clusterIP"] = current?["spec"]?["clusterIP"]?.DeepClone() ?? cluster.NextClusterIp();
            spec["clusterIPs"] ??= new JsonArray(ObjectMeta.Str(spec, "clusterIP"));
        }
        spec["sessionAffinity"] ??= "None";
        int i = 0;
        foreach (var p in spec["ports"] as JsonArray ?? new JsonArray())
        {
            if (p is not JsonObject port) continue;
            port["protocol"] ??= "TCP";
            port["targetPort"] ??= port["port"]?.DeepClone();
            if (type is "NodePort" or "LoadBalancer" && port["nodePort"] is null)
                port["nodePort"] = current?["spec"]?["ports"]?[i]?["nodePort"]?.DeepClone() ?? 30000 + Stable(cluster, obj, "nodePort" + i, 2767);
            i++;
        }
        if (type == "LoadBalancer")
            obj["status"] = current?["status"]?.DeepClone() ?? new JsonObject
            {
                ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = "192.0.2." + (10 + Stable(cluster, obj, "lb", 200)) }) },
            };
        else if (current?["status"] is null || obj["status"] is null)
            obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
    }

    public static JsonObject Obj(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject o) return o;
        o = new JsonObject();
        parent[key] = o;
        return o;
    }
}
