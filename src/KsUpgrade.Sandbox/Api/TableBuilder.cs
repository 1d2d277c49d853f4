using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Api;

/// <summary>Server-side printing: builds a meta.k8s.io/v1 Table (what kubectl get asks for) for a list of objects.</summary>
public static class TableBuilder
{
    private sealed record Column(string Name, string Type, string Description, int Priority, Func<JsonObject, JsonNode?> Cell, string Format = "");

    public static JsonObject Build(ResourceType t, IReadOnlyList<JsonObject> items, string resourceVersion, string? cont, bool includeObject, int kubernetesMinor)
    {
        var cols = ColumnsFor(t, kubernetesMinor);
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

    private const string AgeDescription = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.";
    private static readonly Column NameCol = new("Name", "string",
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated.", 0, o => ObjectMeta.Name(o), "name");
    private static readonly Column AgeCol = new("Age", "string", AgeDescription, 0, o => Age(ObjectMeta.Str(o, "metadata", "creationTimestamp")));
    private static readonly Column CreatedAtCol = new("Created At", "date", AgeDescription, 0, o => ObjectMeta.Str(o, "metadata", "creationTimestamp"));

    private static Column Str(string name, string description, Func<JsonObject, string?> cell, int priority = 0) =>
        new(name, "string", description, priority, o => cell(o));
    private static Column Int(string name, string description, Func<JsonObject, long> cell, int priority = 0) =>
        new(name, "integer", description, priority, o => cell(o));

    private static Column[] Wide(params string[] selectorPath) => selectorPath.Length == 0
        ? new[] { Containers(1), Images(1) }
        : new[] { Containers(1), Images(1), Str("Selector", "A label query over pods.", o => SelectorText(Node(o, selectorPath)), 1) };
    private static Column Containers(int priority) => Str("Containers", "Names of each container in the template.", o => string.Join(",", TemplateContainers(o).Select(c => ObjectMeta.Str(c, "name"))), priority);
    private static Column Images(int priority) => Str("Images", "Images referenced by each container in the template.", o => string.Join(",", TemplateContainers(o).Select(c => ObjectMeta.Str(c, "image"))), priority);

    /// <summary>
    /// The columns Kubernetes' server-side printers (pkg/printers/internalversion) give each built-in kind at the
    /// cluster's minor version; kinds without a printer get the generic Name/Created At; custom resources their
    /// CRD's printer columns and Age.
    /// </summary>
    private static List<Column> ColumnsFor(ResourceType t, int minor)
    {
        var cols = new List<Column> { NameCol };
        switch (t.Group, t.Kind)
        {
            case ("", "Pod"):
                cols.Add(Str("Ready", "The aggregate readiness state of this pod for accepting traffic.", PodReady));
                cols.Add(Str("Status", "The aggregate status of the containers in this pod.", PodStatus));
                cols.Add(Str("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", o =>
                    ((o["status"]?["containerStatuses"] as JsonArray)?.Sum(c => ObjectMeta.Long(c, "restartCount") ?? 0) ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                cols.Add(AgeCol);
                cols.Add(Str("IP", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", o => ObjectMeta.Str(o, "status", "podIP") ?? "<none>", 1));
                cols.Add(Str("Node", "NodeName is a request to schedule this pod onto a specific node.", o => ObjectMeta.Str(o, "spec", "nodeName") ?? "<none>", 1));
                cols.Add(Str("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node.", o => ObjectMeta.Str(o, "status", "nominatedNodeName") ?? "<none>", 1));
                cols.Add(Str("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.", o => (o["spec"]?["readinessGates"] as JsonArray) is { Count: > 0 } g ? $"0/{g.Count}" : "<none>", 1));
                return cols;
            case ("", "Namespace"):
                cols.Add(Str("Status", "The status of the namespace", o => ObjectMeta.Str(o, "status", "phase") ?? "Active"));
                break;
            case ("", "Node"):
                cols.Add(Str("Status", "The status of the node", NodeStatus));
                cols.Add(Str("Roles", "The roles of the node", NodeRoles));
                cols.Add(AgeCol);
                cols.Add(Str("Version", "Kubelet Version reported by the node.", o => ObjectMeta.Str(o, "status", "nodeInfo", "kubeletVersion") ?? ""));
                cols.Add(Str("Internal-IP", "List of addresses reachable to the node.", o => NodeAddress(o, "InternalIP"), 1));
                cols.Add(Str("External-IP", "List of addresses reachable to the node.", o => NodeAddress(o, "ExternalIP"), 1));
                cols.Add(Str("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", o => ObjectMeta.Str(o, "status", "nodeInfo", "osImage") ?? "<unknown>", 1));
                cols.Add(Str("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", o => ObjectMeta.Str(o, "status", "nodeInfo", "kernelVersion") ?? "<unknown>", 1));
                cols.Add(Str("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", o => ObjectMeta.Str(o, "status", "nodeInfo", "containerRuntimeVersion") ?? "<unknown>", 1));
                return cols;
            case ("", "Service"):
                cols.Add(Str("Type", "type determines how the Service is exposed.", o => ObjectMeta.Str(o, "spec", "type") ?? "ClusterIP"));
                cols.Add(Str("Cluster-IP", "clusterIP is the IP address of the service.", o => ObjectMeta.Str(o, "spec", "clusterIP") is { Length: > 0 } ip ? ip : "<none>"));
                cols.Add(Str("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.", ServiceExternalIp));
                cols.Add(Str("Port(s)", "The list of ports that are exposed by this service.", ServicePorts));
                cols.Add(AgeCol);
                cols.Add(Str("Selector", "Route service traffic to pods with label keys and values matching this selector.", o => MapText(o["spec"]?["selector"] as JsonObject, "<none>"), 1));
                return cols;
            case ("", "Endpoints"):
                cols.Add(Str("Endpoints", "The set of all endpoints is the union of all subsets.", EndpointsText));
                break;
            case ("discovery.k8s.io", "EndpointSlice"):
                cols.Add(Str("AddressType", "Type of address carried by this EndpointSlice", o => ObjectMeta.Str(o, "addressType") ?? ""));
                cols.Add(Str("Ports", "Ports advertised by this EndpointSlice", o => (o["ports"] as JsonArray) is { Count: > 0 } ps
                    ? string.Join(",", ps.Select(p => ObjectMeta.Long(p, "port")?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "<unset>")) : "<unset>"));
                cols.Add(Str("Endpoints", "Endpoints represented by this EndpointSlice", EndpointSliceText));
                break;
            case ("", "PersistentVolumeClaim"):
                cols.Add(Str("Status", "phase represents the current phase of PersistentVolumeClaim.", o => o["metadata"]?["deletionTimestamp"] is not null ? "Terminating" : ObjectMeta.Str(o, "status", "phase") ?? "Pending"));
                cols.Add(Str("Volume", "volumeName is the binding reference to the PersistentVolume backing this claim.", o => ObjectMeta.Str(o, "spec", "volumeName") ?? ""));
                cols.Add(Str("Capacity", "capacity represents the actual resources of the underlying volume.", o => ObjectMeta.Str(o, "status", "capacity", "storage") ?? ""));
                cols.Add(Str("Access Modes", "accessModes contains the actual access modes the volume backing the PVC has.", o => AccessModes(o["status"]?["accessModes"])));
                cols.Add(Str("StorageClass", "StorageClass of the pvc", o => ObjectMeta.Str(o, "spec", "storageClassName") ?? ""));
                cols.Add(AgeCol);
                cols.Add(Str("VolumeMode", "spec.volumeMode defines what type of volume is required by the claim.", o => ObjectMeta.Str(o, "spec", "volumeMode") ?? "Filesystem", 1));
                return cols;
            case ("", "PersistentVolume"):
                cols.Add(Str("Capacity", "capacity is the description of the persistent volume's resources and capacity.", o => ObjectMeta.Str(o, "spec", "capacity", "storage") ?? ""));
                cols.Add(Str("Access Modes", "accessModes contains all ways the volume can be mounted.", o => AccessModes(o["spec"]?["accessModes"])));
                cols.Add(Str("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.", o => ObjectMeta.Str(o, "spec", "persistentVolumeReclaimPolicy") ?? "Retain"));
                cols.Add(Str("Status", "phase indicates if a volume is available, bound to a claim, or released by a claim.", o => o["metadata"]?["deletionTimestamp"] is not null ? "Terminating" : ObjectMeta.Str(o, "status", "phase") ?? "Pending"));
                cols.Add(Str("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.", o =>
                    ObjectMeta.Str(o, "spec", "claimRef", "name") is { } c ? ObjectMeta.Str(o, "spec", "claimRef", "namespace") + "/" + c : ""));
                cols.Add(Str("StorageClass", "StorageClass of the pv", o => ObjectMeta.Str(o, "spec", "storageClassName") ?? ""));
                cols.Add(Str("Reason", "reason is a brief CamelCase string that describes any failure.", o => ObjectMeta.Str(o, "status", "reason") ?? ""));
                cols.Add(AgeCol);
                cols.Add(Str("VolumeMode", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.", o => ObjectMeta.Str(o, "spec", "volumeMode") ?? "Filesystem", 1));
                return cols;
            case ("", "ConfigMap"):
                cols.Add(Int("Data", "Data contains the configuration data.", o => ((o["data"] as JsonObject)?.Count ?? 0) + ((o["binaryData"] as JsonObject)?.Count ?? 0)));
                break;
            case ("", "Secret"):
                cols.Add(Str("Type", "Used to facilitate programmatic handling of secret data.", o => ObjectMeta.Str(o, "type") ?? "Opaque"));
                cols.Add(Int("Data", "Data contains the secret data.", o => (o["data"] as JsonObject)?.Count ?? 0));
                break;
            case ("", "ServiceAccount"):
                cols.Add(Int("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.", o => (o["secrets"] as JsonArray)?.Count ?? 0));
                break;
            case ("", "Event"):
                cols.RemoveAt(0);
                cols.Add(Str("Last Seen", "The time at which the most recent occurrence of this event was recorded.", o => Age(ObjectMeta.Str(o, "series", "lastObservedTime") ?? ObjectMeta.Str(o, "lastTimestamp") ?? ObjectMeta.Str(o, "firstTimestamp") ?? ObjectMeta.Str(o, "eventTime"))));
                cols.Add(Str("Type", "Type of this event (Normal, Warning), new types could be added in the future", o => ObjectMeta.Str(o, "type") ?? ""));
                cols.Add(Str("Reason", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.", o => ObjectMeta.Str(o, "reason") ?? ""));
                cols.Add(Str("Object", "The object that this event is about.", o => $"{ObjectMeta.Str(o, "involvedObject", "kind")?.ToLowerInvariant()}/{ObjectMeta.Str(o, "involvedObject", "name")}"));
                cols.Add(Str("Subobject", "The object that this event is about.", o => ObjectMeta.Str(o, "involvedObject", "fieldPath") ?? "", 1));
                cols.Add(Str("Source", "The component reporting this event.", EventSource, 1));
                cols.Add(Str("Message", "A human-readable description of the status of this operation.", o => ObjectMeta.Str(o, "message") ?? ""));
                cols.Add(Str("First Seen", "The time at which the event was first recorded.", o => Age(ObjectMeta.Str(o, "firstTimestamp") ?? ObjectMeta.Str(o, "eventTime")), 1));
                cols.Add(Str("Count", "The number of times this event has occurred.", o => (ObjectMeta.Long(o, "series", "count") ?? (ObjectMeta.Long(o, "count") is long n and > 0 ? n : 1)).ToString(System.Globalization.CultureInfo.InvariantCulture), 1));
                cols.Add(NameCol with { Priority = 1 });
                return cols;
            case ("apps", "Deployment"):
                cols.Add(Str("Ready", "Number of the pod with ready state", o => $"{ObjectMeta.Long(o, "status", "readyReplicas") ?? 0}/{ObjectMeta.Long(o, "spec", "replicas") ?? 1}"));
                cols.Add(Int("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", o => ObjectMeta.Long(o, "status", "updatedReplicas") ?? 0));
                cols.Add(Int("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", o => ObjectMeta.Long(o, "status", "availableReplicas") ?? 0));
                cols.Add(AgeCol);
                cols.AddRange(Wide("spec", "selector"));
                return cols;
            case ("apps", "StatefulSet"):
                cols.Add(Str("Ready", "Number of the pod with ready state", o => $"{ObjectMeta.Long(o, "status", "readyReplicas") ?? 0}/{ObjectMeta.Long(o, "spec", "replicas") ?? 1}"));
                cols.Add(AgeCol);
                cols.AddRange(Wide());
                return cols;
            case ("apps", "ReplicaSet"):
                cols.Add(Int("Desired", "Replicas is the number of desired replicas.", o => ObjectMeta.Long(o, "spec", "replicas") ?? 1));
                cols.Add(Int("Current", "Replicas is the most recently observed number of replicas.", o => ObjectMeta.Long(o, "status", "replicas") ?? 0));
                cols.Add(Int("Ready", "readyReplicas is the number of pods targeted by this ReplicaSet with a Ready Condition.", o => ObjectMeta.Long(o, "status", "readyReplicas") ?? 0));
                cols.Add(AgeCol);
                cols.AddRange(Wide("spec", "selector"));
                return cols;
            case ("apps", "DaemonSet"):
                cols.Add(Int("Desired", "The total number of nodes that should be running the daemon pod.", o => ObjectMeta.Long(o, "status", "desiredNumberScheduled") ?? 0));
                cols.Add(Int("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.", o => ObjectMeta.Long(o, "status", "currentNumberScheduled") ?? 0));
                cols.Add(Int("Ready", "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.", o => ObjectMeta.Long(o, "status", "numberReady") ?? 0));
                cols.Add(Int("Up-to-date", "The total number of nodes that are running updated daemon pod", o => ObjectMeta.Long(o, "status", "updatedNumberScheduled") ?? 0));
                cols.Add(Int("Available", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)", o => ObjectMeta.Long(o, "status", "numberAvailable") ?? 0));
                cols.Add(Str("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node.", o => MapText(o["spec"]?["template"]?["spec"]?["nodeSelector"] as JsonObject, "<none>")));
                cols.Add(AgeCol);
                cols.AddRange(Wide("spec", "selector"));
                return cols;
            case ("apps", "ControllerRevision"):
                cols.Add(Str("Controller", "Controller of the object", o => (o["metadata"]?["ownerReferences"] as JsonArray)?.FirstOrDefault(r => r?["controller"]?.GetValue<bool>() == true) is { } r
                    ? $"{ObjectMeta.Str(r, "kind")?.ToLowerInvariant()}.{ObjectMeta.Str(r, "apiVersion")?.Split('/')[0]}/{ObjectMeta.Str(r, "name")}" : "<none>"));
                cols.Add(Int("Revision", "Revision indicates the revision of the state represented by Data.", o => ObjectMeta.Long(o, "revision") ?? 0));
                break;
            case ("batch", "Job"):
                // The Status column exists from Kubernetes 1.30 on; 1.26 prints Completions, Duration, Age.
                if (minor >= 30) cols.Add(Str("Status", "Status of the job.", JobStatus));
                cols.Add(Str("Completions", "The desired number of successfully finished pods the job should be run with.", JobCompletions));
                cols.Add(Str("Duration", "Time required to complete the job.", JobDuration));
                cols.Add(AgeCol);
                cols.AddRange(Wide("spec", "selector"));
                return cols;
            case ("batch", "CronJob"):
                cols.Add(Str("Schedule", "The schedule in Cron format.", o => ObjectMeta.Str(o, "spec", "schedule") ?? ""));
                cols.Add(new("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions.", 0, o => o["spec"]?["suspend"]?.GetValue<bool>() ?? false));
                cols.Add(Int("Active", "A list of pointers to currently running jobs.", o => (o["status"]?["active"] as JsonArray)?.Count ?? 0));
                cols.Add(Str("Last Schedule", "Information when was the last time the job was successfully scheduled.", o => ObjectMeta.Str(o, "status", "lastScheduleTime") is { } l ? Age(l) : "<none>"));
                cols.Add(AgeCol);
                cols.Add(Str("Containers", "Names of each container in the template.", o => string.Join(",", CronContainers(o).Select(c => ObjectMeta.Str(c, "name"))), 1));
                cols.Add(Str("Images", "Images referenced by each container in the template.", o => string.Join(",", CronContainers(o).Select(c => ObjectMeta.Str(c, "image"))), 1));
                cols.Add(Str("Selector", "A label query over pods that should match the pod count.", o => SelectorText(o["spec"]?["jobTemplate"]?["spec"]?["selector"]), 1));
                return cols;
            case ("autoscaling", "HorizontalPodAutoscaler"):
                cols.Add(Str("Reference", "reference to scaled resource", o => $"{ObjectMeta.Str(o, "spec", "scaleTargetRef", "kind")}/{ObjectMeta.Str(o, "spec", "scaleTargetRef", "name")}"));
                cols.Add(Str("Targets", "metrics contains the specifications for which to use to calculate the desired replica count", o => (o["spec"]?["metrics"] as JsonArray) is { Count: > 0 } ? "<unknown>" : "<none>"));
                cols.Add(Str("MinPods", "minReplicas is the lower limit for the number of replicas", o => (ObjectMeta.Long(o, "spec", "minReplicas") ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                cols.Add(Int("MaxPods", "maxReplicas is the upper limit for the number of replicas", o => ObjectMeta.Long(o, "spec", "maxReplicas") ?? 0));
                cols.Add(Int("Replicas", "currentReplicas is current number of replicas of pods managed by this autoscaler", o => ObjectMeta.Long(o, "status", "currentReplicas") ?? 0));
                break;
            case ("networking.k8s.io", "Ingress"):
                cols.Add(Str("Class", "The name of the IngressClass resource that should be used for this Ingress.", o => ObjectMeta.Str(o, "spec", "ingressClassName") ?? "<none>"));
                cols.Add(Str("Hosts", "Hosts that incoming requests are matched against before the ingress rule", o =>
                    (o["spec"]?["rules"] as JsonArray)?.Select(r => ObjectMeta.Str(r, "host")).Where(h => h is not null).ToList() is { Count: > 0 } hs ? string.Join(",", hs) : "*"));
                cols.Add(Str("Address", "Address is a list containing ingress points for the load-balancer", o =>
                    string.Join(",", (o["status"]?["loadBalancer"]?["ingress"] as JsonArray)?.Select(i => ObjectMeta.Str(i, "ip") ?? ObjectMeta.Str(i, "hostname")) ?? Array.Empty<string?>())));
                cols.Add(Str("Ports", "Ports of TLS configurations that open", o => (o["spec"]?["tls"] as JsonArray) is { Count: > 0 } ? "80, 443" : "80"));
                break;
            case ("networking.k8s.io", "IngressClass"):
                cols.Add(Str("Controller", "Controller that is responsible for handling this class.", o => ObjectMeta.Str(o, "spec", "controller") ?? ""));
                cols.Add(Str("Parameters", "A reference to a resource with additional parameters.", o => ObjectMeta.Str(o, "spec", "parameters", "name") is { } n
                    ? $"{ObjectMeta.Str(o, "spec", "parameters", "kind")}/{n}" : "<none>"));
                break;
            case ("networking.k8s.io", "NetworkPolicy"):
                cols.Add(Str("Pod-Selector", "Selects the pods to which this NetworkPolicy object applies.", o => SelectorText(o["spec"]?["podSelector"], "<none>")));
                break;
            case ("policy", "PodDisruptionBudget"):
                cols.Add(Str("Min Available", "The minimum number of pods that must be available simultaneously.", o => o["spec"]?["minAvailable"]?.ToString() ?? "N/A"));
                cols.Add(Str("Max Unavailable", "The maximum number of pods that may be unavailable.", o => o["spec"]?["maxUnavailable"]?.ToString() ?? "N/A"));
                cols.Add(Int("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time.", o => ObjectMeta.Long(o, "status", "disruptionsAllowed") ?? 0));
                break;
            case ("rbac.authorization.k8s.io", "Role" or "ClusterRole"):
                cols.Add(CreatedAtCol);
                return cols;
            case ("rbac.authorization.k8s.io", "RoleBinding" or "ClusterRoleBinding"):
                cols.Add(Str("Role", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.", o => $"{ObjectMeta.Str(o, "roleRef", "kind")}/{ObjectMeta.Str(o, "roleRef", "name")}"));
                cols.Add(AgeCol);
                cols.Add(Str("Users", "Users in the binding", o => Subjects(o, "User"), 1));
                cols.Add(Str("Groups", "Groups in the binding", o => Subjects(o, "Group"), 1));
                cols.Add(Str("ServiceAccounts", "ServiceAccounts in the binding", o => Subjects(o, "ServiceAccount"), 1));
                return cols;
            case ("storage.k8s.io", "StorageClass"):
                cols[0] = NameCol with { Cell = o => ObjectMeta.Name(o) + (IsDefaultClass(o) ? " (default)" : "") };
                cols.Add(Str("Provisioner", "Indicates the type of the provisioner.", o => ObjectMeta.Str(o, "provisioner") ?? ""));
                cols.Add(Str("ReclaimPolicy", "Indicates the type of the reclaim policy for persistent volume.", o => ObjectMeta.Str(o, "reclaimPolicy") ?? "Delete"));
                cols.Add(Str("VolumeBindingMode", "Indicates the binding mode of persistent volume.", o => ObjectMeta.Str(o, "volumeBindingMode") ?? "Immediate"));
                cols.Add(Str("AllowVolumeExpansion", "Indicates whether the storage class allow volume expand.", o => o["allowVolumeExpansion"]?.GetValue<bool>() == true ? "true" : "false"));
                break;
            case ("coordination.k8s.io", "Lease"):
                cols.Add(Str("Holder", "The holder of the lease.", o => ObjectMeta.Str(o, "spec", "holderIdentity") ?? "<none>"));
                break;
            case ("scheduling.k8s.io", "PriorityClass"):
                cols.Add(Int("Value", "The value of this priority class.", o => ObjectMeta.Long(o, "value") ?? 0));
                cols.Add(new("Global-Default", "boolean", "globalDefault specifies whether this PriorityClass should be considered as the default priority.", 0, o => o["globalDefault"]?.GetValue<bool>() ?? false));
                break;
            case ("admissionregistration.k8s.io", "MutatingWebhookConfiguration" or "ValidatingWebhookConfiguration"):
                cols.Add(Int("Webhooks", "Webhooks is a list of webhooks and the affected resources and operations.", o => (o["webhooks"] as JsonArray)?.Count ?? 0));
                break;
            case ("apiregistration.k8s.io", "APIService"):
                cols.Add(Str("Service", "The reference to the service that hosts this API endpoint.", o => ObjectMeta.Str(o, "spec", "service", "name") is { } n ? $"{ObjectMeta.Str(o, "spec", "service", "namespace")}/{n}" : "Local"));
                cols.Add(Str("Available", "Whether this service is available.", o => (o["status"]?["conditions"] as JsonArray)?.FirstOrDefault(c => ObjectMeta.Str(c, "type") == "Available") is { } c
                    ? (ObjectMeta.Str(c, "status") == "True" ? "True" : $"{ObjectMeta.Str(c, "status")} ({ObjectMeta.Str(c, "reason")})") : "Unknown"));
                break;
            case ("apiextensions.k8s.io", "CustomResourceDefinition"):
                cols.Add(CreatedAtCol);
                return cols;
            case ("", "ResourceQuota"):
                cols.Add(AgeCol);
                cols.Add(Str("Request", "Request represents a minimum amount of cpu/memory that a container may consume.", _ => ""));
                cols.Add(Str("Limit", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.", _ => ""));
                return cols;
            default:
                if (!t.FromCrd)
                {
                    // Kinds without a printer: the API server's default table (Name, Created At).
                    cols.Add(CreatedAtCol);
                    return cols;
                }
                break;
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

    /// <summary>The printer's event source: the source's component (else reportingComponent), ", " and its host (else reportingInstance) when there is one.</summary>
    private static string EventSource(JsonObject o)
    {
        static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
        var component = NonEmpty(ObjectMeta.Str(o, "source", "component")) ?? ObjectMeta.Str(o, "reportingComponent") ?? "";
        var instance = NonEmpty(ObjectMeta.Str(o, "source", "host")) ?? ObjectMeta.Str(o, "reportingInstance") ?? "";
        return instance.Length == 0 ? component : $"{component}, {instance}";
    }

    /// <summary>Age as Kubernetes prints it (k8s.io/apimachinery duration.HumanDuration of the time since).</summary>
    public static string Age(string? timestamp)
    {
        if (timestamp is null || !DateTime.TryParse(timestamp, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var ts))
            return "<unknown>";
        return HumanDuration(DateTime.UtcNow - ts);
    }

    /// <summary>k8s.io/apimachinery/pkg/util/duration.HumanDuration: "45s", "5m3s", "2h10m", "3d4h", ...</summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)Math.Floor(d.TotalSeconds);
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60 * 2) return $"{seconds}s";
        var minutes = (long)d.TotalMinutes;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? $"{minutes}m" : $"{minutes}m{s}s";
        }
        if (minutes < 60 * 3) return $"{minutes}m";
        var hours = (long)d.TotalHours;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? $"{hours}h" : $"{hours}h{m}m";
        }
        if (hours < 48) return $"{hours}h";
        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? $"{hours / 24}d" : $"{hours / 24}d{h}h";
        }
        if (hours < 24 * 365 * 2) return $"{hours / 24}d";
        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{dy}d";
        }
        return $"{hours / 24 / 365}y";
    }

    private static bool IsDefaultClass(JsonObject o) =>
        ObjectMeta.Str(o, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class") == "true"
        || ObjectMeta.Str(o, "metadata", "annotations", "storageclass.beta.kubernetes.io/is-default-class") == "true";

    private static JsonNode? Node(JsonObject o, string[] path)
    {
        JsonNode? n = o;
        foreach (var p in path) n = n?[p];
        return n;
    }

    private static IEnumerable<JsonNode?> TemplateContainers(JsonObject o) =>
        (o["spec"]?["template"]?["spec"]?["containers"] as JsonArray) ?? new JsonArray();

    private static IEnumerable<JsonNode?> CronContainers(JsonObject o) =>
        (o["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"]?["containers"] as JsonArray) ?? new JsonArray();

    private static string MapText(JsonObject? map, string empty) =>
        map is null || map.Count == 0 ? empty : string.Join(",", map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    /// <summary>A LabelSelector as metav1.LabelSelectorAsSelector(...).String() prints it (sorted requirements).</summary>
    private static string SelectorText(JsonNode? selector, string empty = "<none>")
    {
        if (selector is not JsonObject sel) return empty;
        var reqs = new List<(string Key, string Text)>();
        foreach (var kv in sel["matchLabels"] as JsonObject ?? new JsonObject()) reqs.Add((kv.Key, $"{kv.Key}={kv.Value}"));
        foreach (var e in sel["matchExpressions"] as JsonArray ?? new JsonArray())
        {
            var key = ObjectMeta.Str(e, "key") ?? "";
            var values = string.Join(",", (e?["values"] as JsonArray)?.Select(v => v?.ToString()).OrderBy(v => v, StringComparer.Ordinal) ?? Enumerable.Empty<string?>());
            reqs.Add((key, ObjectMeta.Str(e, "operator") switch
            {
                "In" => $"{key} in ({values})", "NotIn" => $"{key} notin ({values})", "Exists" => key, "DoesNotExist" => "!" + key, _ => key,
            }));
        }
        return reqs.Count == 0 ? empty : string.Join(",", reqs.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Text));
    }

    private static string AccessModes(JsonNode? modes)
    {
        var list = (modes as JsonArray)?.Select(m => m?.ToString() switch
        {
            "ReadWriteOnce" => "RWO", "ReadOnlyMany" => "ROX", "ReadWriteMany" => "RWX", "ReadWriteOncePod" => "RWOP", var x => x,
        }).Distinct().ToList();
        return list is { Count: > 0 } ? string.Join(",", list) : "";
    }

    private static string Subjects(JsonObject o, string kind) => string.Join(", ",
        (o["subjects"] as JsonArray ?? new JsonArray()).Where(s => ObjectMeta.Str(s, "kind") == kind)
            .Select(s => kind == "ServiceAccount" ? $"{ObjectMeta.Str(s, "namespace")}/{ObjectMeta.Str(s, "name")}" : ObjectMeta.Str(s, "name")));

    private static string NodeAddress(JsonObject o, string type) =>
        (o["status"]?["addresses"] as JsonArray)?.FirstOrDefault(a => ObjectMeta.Str(a, "type") == type) is { } a ? ObjectMeta.Str(a, "address") ?? "<none>" : "<none>";

    private static string PodStatus(JsonObject o)
    {
        if (o["metadata"]?["deletionTimestamp"] is not null) return "Terminating";
        var reason = ObjectMeta.Str(o, "status", "reason");
        if (reason is not null) return reason;
        foreach (var cs in o["status"]?["containerStatuses"] as JsonArray ?? new JsonArray())
        {
            if (ObjectMeta.Str(cs, "state", "waiting", "reason") is { } w) return w;
            if (ObjectMeta.Str(cs, "state", "terminated", "reason") is { } t) return t;
        }
        return ObjectMeta.Str(o, "status", "phase") switch
        {
            "Succeeded" => "Completed", "Failed" => "Error", null => "Pending", var p => p,
        };
    }

    private static string ServiceExternalIp(JsonObject o)
    {
        var external = (o["spec"]?["externalIPs"] as JsonArray)?.Select(x => x?.ToString()).ToList() ?? new List<string?>();
        switch (ObjectMeta.Str(o, "spec", "type") ?? "ClusterIP")
        {
            case "LoadBalancer":
                var lb = (o["status"]?["loadBalancer"]?["ingress"] as JsonArray)?.Select(i => ObjectMeta.Str(i, "ip") ?? ObjectMeta.Str(i, "hostname")).ToList() ?? new List<string?>();
                var all = lb.Concat(external).ToList();
                return all.Count > 0 ? string.Join(",", all) : "<pending>";
            case "ExternalName":
                return ObjectMeta.Str(o, "spec", "externalName") ?? "<none>";
            default:
                return external.Count > 0 ? string.Join(",", external) : "<none>";
        }
    }

    private static string EndpointsText(JsonObject o)
    {
        var list = new List<string>();
        foreach (var subset in o["subsets"] as JsonArray ?? new JsonArray())
        {
            var ports = (subset?["ports"] as JsonArray)?.Select(p => ObjectMeta.Long(p, "port")).ToList() ?? new List<long?>();
            foreach (var a in subset?["addresses"] as JsonArray ?? new JsonArray())
            {
                var ip = ObjectMeta.Str(a, "ip");
                if (ports.Count == 0) list.Add(ip ?? "");
                else list.AddRange(ports.Select(p => $"{ip}:{p}"));
            }
        }
        if (list.Count == 0) return "<none>";
        return list.Count > 3 ? string.Join(",", list.Take(3)) + $" + {list.Count - 3} more..." : string.Join(",", list);
    }

    private static string EndpointSliceText(JsonObject o)
    {
        var addresses = (o["endpoints"] as JsonArray ?? new JsonArray())
            .SelectMany(e => (e?["addresses"] as JsonArray ?? new JsonArray()).Select(a => a?.ToString() ?? "")).ToList();
        if (addresses.Count == 0) return "<unset>";
        return addresses.Count > 3 ? string.Join(",", addresses.Take(3)) + $" + {addresses.Count - 3} more..." : string.Join(",", addresses);
    }

    private static string JobCompletions(JsonObject o)
    {
        var succeeded = ObjectMeta.Long(o, "status", "succeeded") ?? 0;
        if (ObjectMeta.Long(o, "spec", "completions") is long c) return $"{succeeded}/{c}";
        var parallelism = ObjectMeta.Long(o, "spec", "parallelism") ?? 0;
        return parallelism > 1 ? $"{succeeded}/1 of {parallelism}" : $"{succeeded}/1";
    }

    private static string JobDuration(JsonObject o)
    {
        static DateTime? T(string? s) => s is not null && DateTime.TryParse(s, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : null;
        var start = T(ObjectMeta.Str(o, "status", "startTime"));
        if (start is null) return "";
        var end = T(ObjectMeta.Str(o, "status", "completionTime")) ?? DateTime.UtcNow;
        return HumanDuration(end - start.Value);
    }

    private static string PodReady(JsonObject o)
    {
        var total = (o["spec"]?["containers"] as JsonArray)?.Count ?? 0;
        var ready = (o["status"]?["containerStatuses"] as JsonArray)?.Count(c => c?["ready"]?.GetValue<bool>() == true) ?? 0;
        return $"{ready}/{total}";
    }

    private static string NodeStatus(JsonObject o)
    {
        var ready = (o["status"]?["conditions"] as JsonArray)?.FirstOrDefault(c => ObjectMeta.Str(c, "type") == "Ready");
        var s = ObjectMeta.Str(ready, "status") == "True" ? "Ready" : ready is null ? "Unknown" : "NotReady";
        if (o["spec"]?["unschedulable"]?.GetValue<bool>() == true) s += ",SchedulingDisabled";
        return s;
    }

    private static string NodeRoles(JsonObject o)
    {
        var roles = ObjectMeta.Labels(o).Select(kv => kv.Key)
            .Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            .Select(k => k["node-role.kubernetes.io/".Length..]).Where(r => r.Length > 0).ToList();
        return roles.Count == 0 ? "<none>" : string.Join(",", roles);
    }

    private static string ServicePorts(JsonObject o)
    {
        var ports = (o["spec"]?["ports"] as JsonArray)?.Select(p =>
            $"{ObjectMeta.Long(p, "port")}{(ObjectMeta.Long(p, "nodePort") is long np ? ":" + np : "")}/{ObjectMeta.Str(p, "protocol") ?? "TCP"}").ToList();
        return ports is { Count: > 0 } ? string.Join(",", ports) : "<none>";
    }

    private static string JobStatus(JsonObject o)
    {
        var conds = o["status"]?["conditions"] as JsonArray ?? new JsonArray();
        if (conds.Any(c => ObjectMeta.Str(c, "type") == "Complete" && ObjectMeta.Str(c, "status") == "True")) return "Complete";
        if (conds.Any(c => ObjectMeta.Str(c, "type") == "Failed" && ObjectMeta.Str(c, "status") == "True")) return "Failed";
        return "Running";
    }
}
