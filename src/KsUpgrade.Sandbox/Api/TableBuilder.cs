using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Api;

/// <summary>Server-side printing: builds a meta.k8s.io/v1 Table (what kubectl get asks for) for a list of objects.</summary>
public static class TableBuilder
{
    private sealed record Column(string Name, string Type, string Description, int Priority, Func<JsonObject, JsonNode?> Cell, string Format = "");

    public static JsonObject Build(ResourceType t, IReadOnlyList<JsonObject> items, string resourceVersion, string? cont, bool includeObject)
    {
        var cols = ColumnsFor(t);
        var defs = new JsonArray(cols.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name, ["type"] = c.Type, ["format"] = c.Format, ["description"] = c.Description, ["priority"] = c.Priority,
        }).ToArray());
        var rows = new JsonArray();
        foreach (var o in items)
        {
            JsonObject rowObject;
            if (includeObject) rowObject = (JsonObject)o.DeepClone();
            else
            {
                rowObject = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = o["metadata"]?.DeepClone(),
                };
            }
            rows.Add(new JsonObject
            {
                ["cells"] = new JsonArray(cols.Select(c => c.Cell(o)?.DeepClone()).ToArray()),
                ["object"] = rowObject,
            });
        }
        var meta = new JsonObject { ["resourceVersion"] = resourceVersion };
        if (cont is not null) meta["continue"] = cont;
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = meta,
            ["columnDefinitions"] = defs,
            ["rows"] = rows,
        };
    }

    private static readonly Column NameCol = new("Name", "string",
        "Name must be unique within a namespace.", 0, o => ObjectMeta.Name(o), "name");
    private static readonly Column AgeCol = new("Age", "string",
        "CreationTimestamp is a timestamp representing the server time when this object was created.", 0, o => Age(ObjectMeta.Str(o, "metadata", "creationTimestamp")));

    private static List<Column> ColumnsFor(ResourceType t)
    {
        var cols = new List<Column> { NameCol };
        switch (t.Group, t.Kind)
        {
            case ("", "Pod"):
                cols.Add(new("Ready", "string", "The aggregate readiness state of this pod for accepting traffic.", 0, PodReady));
                cols.Add(new("Status", "string", "The aggregate status of the containers in this pod.", 0, o => (o["metadata"]?["deletionTimestamp"] is not null ? "Terminating" : null) ?? ObjectMeta.Str(o, "status", "phase") switch
                {
                    "Succeeded" => "Completed", "Failed" => "Error", null => "Pending", var p => p,
                }));
                cols.Add(new("Restarts", "string", "The number of times the containers in this pod have been restarted.", 0, _ => "0"));
                cols.Add(AgeCol);
                cols.Add(new("IP", "string", "IP address allocated to the pod.", 1, o => ObjectMeta.Str(o, "status", "podIP") ?? "<none>"));
                cols.Add(new("Node", "string", "Name of the node this pod runs on.", 1, o => ObjectMeta.Str(o, "spec", "nodeName") ?? "<none>"));
                return cols;
            case ("", "Namespace"):
                cols.Add(new("Status", "string", "The status of the namespace", 0, o => ObjectMeta.Str(o, "status", "phase") ?? "Active"));
                break;
            case ("", "Node"):
                cols.Add(new("Status", "string", "The status of the node", 0, NodeStatus));
                cols.Add(new("Roles", "string", "The roles of the node", 0, NodeRoles));
                cols.Add(AgeCol);
                cols.Add(new("Version", "string", "Kubelet Version reported by the node.", 0, o => ObjectMeta.Str(o, "status", "nodeInfo", "kubeletVersion") ?? ""));
                return cols;
            case ("", "Service"):
                cols.Add(new("Type", "string", "The type of the service.", 0, o => ObjectMeta.Str(o, "spec", "type") ?? "ClusterIP"));
                cols.Add(new("Cluster-IP", "string", "The cluster IP of the service.", 0, o => ObjectMeta.Str(o, "spec", "clusterIP") ?? "<none>"));
                cols.Add(new("External-IP", "string", "The external IP of the service.", 0, o => ObjectMeta.Str(o, "status", "loadBalancer", "ingress", "0", "ip") ?? "<none>"));
                cols.Add(new("Port(s)", "string", "The ports of the service.", 0, ServicePorts));
                break;
            case ("", "PersistentVolumeClaim"):
                cols.Add(new("Status", "string", "The phase of the claim.", 0, o => (o["metadata"]?["deletionTimestamp"] is not null ? "Terminating" : null) ?? ObjectMeta.Str(o, "status", "phase") switch
                {
                    "Succeeded" => "Completed", "Failed" => "Error", null => "Pending", var p => p,
                }));
                cols.Add(new("Volume", "string", "The bound volume.", 0, o => ObjectMeta.Str(o, "spec", "volumeName") ?? ""));
                cols.Add(new("StorageClass", "string", "The storage class.", 0, o => ObjectMeta.Str(o, "spec", "storageClassName") ?? ""));
                break;
            case ("", "ConfigMap"):
                cols.Add(new("Data", "integer", "Number of data items.", 0, o => (o["data"] as JsonObject)?.Count ?? 0));
                break;
            case ("", "Secret"):
                cols.Add(new("Type", "string", "The type of the secret.", 0, o => ObjectMeta.Str(o, "type") ?? "Opaque"));
                cols.Add(new("Data", "integer", "Number of data items.", 0, o => (o["data"] as JsonObject)?.Count ?? 0));
                break;
            case ("apps", "Deployment"):
                cols.Add(new("Ready", "string", "Number of the pod with ready state", 0,
                    o => $"{ObjectMeta.Long(o, "status", "readyReplicas") ?? 0}/{ObjectMeta.Long(o, "spec", "replicas") ?? 1}"));
                cols.Add(new("Up-to-date", "integer", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", 0, o => ObjectMeta.Long(o, "status", "updatedReplicas") ?? 0));
                cols.Add(new("Available", "integer", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", 0, o => ObjectMeta.Long(o, "status", "availableReplicas") ?? 0));
                break;
            case ("apps", "StatefulSet"):
                cols.Add(new("Ready", "string", "Number of the pod with ready state", 0,
                    o => $"{ObjectMeta.Long(o, "status", "readyReplicas") ?? 0}/{ObjectMeta.Long(o, "spec", "replicas") ?? 1}"));
                break;
            case ("apps", "ReplicaSet"):
                cols.Add(new("Desired", "integer", "Number of desired pods.", 0, o => ObjectMeta.Long(o, "spec", "replicas") ?? 1));
                cols.Add(new("Current", "integer", "Number of actually running pods.", 0, o => ObjectMeta.Long(o, "status", "replicas") ?? 0));
                cols.Add(new("Ready", "integer", "Number of ready pods.", 0, o => ObjectMeta.Long(o, "status", "readyReplicas") ?? 0));
                break;
            case ("apps", "DaemonSet"):
                cols.Add(new("Desired", "integer", "The desired number of daemon pods.", 0, o => ObjectMeta.Long(o, "status", "desiredNumberScheduled") ?? 0));
                cols.Add(new("Current", "integer", "The current number of daemon pods.", 0, o => ObjectMeta.Long(o, "status", "currentNumberScheduled") ?? 0));
                cols.Add(new("Ready", "integer", "The number of ready daemon pods.", 0, o => ObjectMeta.Long(o, "status", "numberReady") ?? 0));
                break;
            case ("batch", "Job"):
                cols.Add(new("Status", "string", "Status of the job.", 0, JobStatus));
                cols.Add(new("Completions", "string", "The desired number of successfully finished pods.", 0,
                    o => $"{ObjectMeta.Long(o, "status", "succeeded") ?? 0}/{ObjectMeta.Long(o, "spec", "completions") ?? 1}"));
                break;
            case ("storage.k8s.io", "StorageClass"):
                cols.Add(new("Provisioner", "string", "The provisioner.", 0, o => ObjectMeta.Str(o, "provisioner") ?? ""));
                break;
            case ("apiextensions.k8s.io", "CustomResourceDefinition"):
                cols.Add(new("Created At", "date", "When the CRD was created.", 0, o => ObjectMeta.Str(o, "metadata", "creationTimestamp")));
                return cols;
        }
        foreach (var pc in t.PrinterColumns)
        {
            var path = pc.JsonPath.TrimStart('.').Split('.');
            var isAge = pc.Type == "date";
            cols.Add(new(pc.Name, isAge ? "string" : pc.Type, pc.Name, pc.Priority,
                o => isAge ? Age(ObjectMeta.Str(o, path)) : (JsonNode?)(ObjectMeta.Str(o, path) ?? "")));
        }
        if (t.PrinterColumns.All(pc => pc.Name != "Age")) cols.Add(AgeCol);
        return cols;
    }

    public static string Age(string? timestamp)
    {
        if (timestamp is null || !DateTime.TryParse(timestamp, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var ts))
            return "<unknown>";
        var d = DateTime.UtcNow - ts;
        if (d.TotalSeconds < 0) d = TimeSpan.Zero;
        if (d.TotalMinutes < 2) return $"{(int)d.TotalSeconds}s";
        if (d.TotalHours < 3) return $"{(int)d.TotalMinutes}m";
        if (d.TotalDays < 2) return $"{(int)d.TotalHours}h";
        return $"{(int)d.TotalDays}d";
    }

    private static JsonNode? PodReady(JsonObject o)
    {
        var total = (o["spec"]?["containers"] as JsonArray)?.Count ?? 0;
        var ready = (o["status"]?["containerStatuses"] as JsonArray)?.Count(c => c?["ready"]?.GetValue<bool>() == true) ?? 0;
        return $"{ready}/{total}";
    }

    private static JsonNode? NodeStatus(JsonObject o)
    {
        var ready = (o["status"]?["conditions"] as JsonArray)?.FirstOrDefault(c => ObjectMeta.Str(c, "type") == "Ready");
        var s = ObjectMeta.Str(ready, "status") == "True" ? "Ready" : ready is null ? "Unknown" : "NotReady";
        if (o["spec"]?["unschedulable"]?.GetValue<bool>() == true) s += ",SchedulingDisabled";
        return s;
    }

    private static JsonNode? NodeRoles(JsonObject o)
    {
        var roles = ObjectMeta.Labels(o).Select(kv => kv.Key)
            .Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            .Select(k => k["node-role.kubernetes.io/".Length..]).Where(r => r.Length > 0).ToList();
        return roles.Count == 0 ? "<none>" : string.Join(",", roles);
    }

    private static JsonNode? ServicePorts(JsonObject o)
    {
        var ports = (o["spec"]?["ports"] as JsonArray)?.Select(p =>
            $"{ObjectMeta.Long(p, "port")}{(ObjectMeta.Long(p, "nodePort") is long np ? ":" + np : "")}/{ObjectMeta.Str(p, "protocol") ?? "TCP"}").ToList();
        return ports is { Count: > 0 } ? string.Join(",", ports) : "<none>";
    }

    private static JsonNode? JobStatus(JsonObject o)
    {
        var conds = o["status"]?["conditions"] as JsonArray ?? new JsonArray();
        if (conds.Any(c => ObjectMeta.Str(c, "type") == "Complete" && ObjectMeta.Str(c, "status") == "True")) return "Complete";
        if (conds.Any(c => ObjectMeta.Str(c, "type") == "Failed" && ObjectMeta.Str(c, "status") == "True")) return "Failed";
        return "Running";
    }
}
