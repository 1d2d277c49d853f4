using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Seeds.Building;

/// <summary>A node a pod can be placed on: its name and internal IP.</summary>
public sealed record NodeRef(string Name, string Ip, int Index);

/// <summary>
/// Builders for controllers with their pods (Deployment → ReplicaSet → Pods, DaemonSet → Pods, StatefulSet → Pods),
/// all already "running": ready status, owner references, node placement and an optional log.
/// </summary>
public static class Workloads
{
    /// <summary>Objects of one workload: the controller first, then its ReplicaSet (if any), then pods.</summary>
    public sealed class Set
    {
        public required JsonObject Controller { get; init; }
        public JsonObject? ReplicaSet { get; init; }
        public List<JsonObject> Pods { get; } = new();
        public IEnumerable<JsonObject> All()
        {
            yield return Controller;
            if (ReplicaSet is not null) yield return ReplicaSet;
            foreach (var p in Pods) yield return p;
        }
    }

    public static JsonObject TemplateLabels(string app) => Json.Strings(("app", app));

    /// <summary>A running pod on a node.</summary>
    public static JsonObject Pod(string ns, string name, JsonObject labels, JsonObject podSpec, NodeRef node, string podIp,
        IEnumerable<string>? logLines = null, string phase = "Running")
    {
        var ann = new JsonObject();
        if (logLines is not null) ann[K8s.LogAnnotation] = string.Join("\n", logLines);
        var pod = K8s.Object("v1", "Pod", name, ns, labels, ann, uidKey: $"pod/{ns}/{name}");
        var spec = (JsonObject)podSpec.DeepClone();
        spec["nodeName"] = node.Name;
        spec["priority"] = 0;
        spec["enableServiceLinks"] = true;
        pod["spec"] = spec;
        var ready = phase == "Running" ? "True" : "False";
        var statuses = new JsonArray();
        foreach (var c in spec["containers"]!.AsArray())
        {
            var running = phase == "Running";
            statuses.Add(new JsonObject
            {
                ["name"] = c!["name"]!.GetValue<string>(),
                ["image"] = c["image"]!.GetValue<string>(),
                ["imageID"] = c["image"]!.GetValue<string>() + "@sha256:" + SeedIds.Hex("img/" + c["image"], 64),
                ["containerID"] = "containerd://" + SeedIds.Hex("ctr/" + ns + "/" + name + "/" + c["name"], 64),
                ["ready"] = running,
                ["started"] = running,
                ["restartCount"] = 0,
                ["state"] = running
                    ? new JsonObject { ["running"] = new JsonObject { ["startedAt"] = SeedIds.Time(2) } }
                    : new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 0, ["reason"] = "Completed", ["startedAt"] = SeedIds.Time(2), ["finishedAt"] = SeedIds.Time(3) } },
            });
        }
        pod["status"] = new JsonObject
        {
            ["phase"] = phase,
            ["conditions"] = Json.Array(
                K8s.Condition("Initialized", "True", minutes: 1),
                K8s.Condition("Ready", ready, minutes: 2),
                K8s.Condition("ContainersReady", ready, minutes: 2),
                K8s.Condition("PodScheduled", "True", minutes: 1)),
            ["hostIP"] = node.Ip,
            ["hostIPs"] = Json.Array(new JsonObject { ["ip"] = node.Ip }),
            ["podIP"] = podIp,
            ["podIPs"] = Json.Array(new JsonObject { ["ip"] = podIp }),
            ["qosClass"] = "BestEffort",
            ["startTime"] = SeedIds.Time(1),
            ["containerStatuses"] = statuses,
        };
        return pod;
    }

    /// <summary>A pod IP derived from the node (10.234.&lt;node&gt;.&lt;n&gt;).</summary>
    public static string PodIp(NodeRef node, int n) => $"10.{234 + node.Index / 250}.{node.Index % 250}.{n % 250 + 2}";

    /// <summary>A Deployment with one ReplicaSet and a running pod per entry of <paramref name="nodes"/>.</summary>
    public static Set Deployment(string ns, string name, JsonObject podSpec, IReadOnlyList<NodeRef> nodes,
        Func<NodeRef, int, int> podIpSeq, JsonObject? labels = null, Func<int, IEnumerable<string>>? log = null,
        JsonObject? selectorLabels = null)
    {
        selectorLabels ??= TemplateLabels(name);
        labels ??= (JsonObject)selectorLabels.DeepClone();
        var deploy = K8s.Object("apps/v1", "Deployment", name, ns, labels, Json.Strings(("deployment.kubernetes.io/revision", "1")),
            uidKey: $"deploy/{ns}/{name}");
        var hash = SeedIds.Suffix($"rs/{ns}/{name}", 10);
        var tplLabels = (JsonObject)selectorLabels.DeepClone();
        tplLabels["pod-template-hash"] = hash;
        deploy["spec"] = new JsonObject
        {
            ["replicas"] = nodes.Count,
            ["selector"] = new JsonObject { ["matchLabels"] = selectorLabels.DeepClone() },
            ["strategy"] = new JsonObject
            {
                ["type"] = "RollingUpdate",
                ["rollingUpdate"] = new JsonObject { ["maxSurge"] = "25%", ["maxUnavailable"] = "25%" },
            },
            ["revisionHistoryLimit"] = 10,
            ["progressDeadlineSeconds"] = 600,
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = selectorLabels.DeepClone() },
                ["spec"] = podSpec.DeepClone(),
            },
        };
        deploy["status"] = ReadyDeploymentStatus(nodes.Count, $"{name}-{hash}");

        var rs = K8s.Object("apps/v1", "ReplicaSet", $"{name}-{hash}", ns, (JsonObject)tplLabels.DeepClone(),
            Json.Strings(("deployment.kubernetes.io/desired-replicas", nodes.Count.ToString()),
                ("deployment.kubernetes.io/max-replicas", (nodes.Count + 1).ToString()),
                ("deployment.kubernetes.io/revision", "1")), uidKey: $"rs/{ns}/{name}-{hash}");
        K8s.AddOwner(rs, deploy);
        rs["spec"] = new JsonObject
        {
            ["replicas"] = nodes.Count,
            ["selector"] = new JsonObject { ["matchLabels"] = tplLabels.DeepClone() },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = tplLabels.DeepClone() },
                ["spec"] = podSpec.DeepClone(),
            },
        };
        rs["status"] = new JsonObject
        {
            ["replicas"] = nodes.Count, ["readyReplicas"] = nodes.Count, ["availableReplicas"] = nodes.Count,
            ["fullyLabeledReplicas"] = nodes.Count, ["observedGeneration"] = 1,
        };
        var set = new Set { Controller = deploy, ReplicaSet = rs };
        for (var i = 0; i < nodes.Count; i++)
            set.Pods.Add(ReplicaSetPod(rs, tplLabels, podSpec, nodes[i], podIpSeq(nodes[i], i), log?.Invoke(i)));
        return set;
    }

    /// <summary>One more pod for an existing Deployment set (scaling); updates replica counts.</summary>
    public static JsonObject AddReplica(Set set, NodeRef node, int podIpSeq, IEnumerable<string>? log = null)
    {
        var rs = set.ReplicaSet!;
        var tplLabels = (JsonObject)rs["spec"]!["template"]!["metadata"]!["labels"]!;
        var podSpec = (JsonObject)rs["spec"]!["template"]!["spec"]!;
        var pod = ReplicaSetPod(rs, tplLabels, podSpec, node, podIpSeq, log, salt: set.Pods.Count.ToString());
        set.Pods.Add(pod);
        var n = set.Pods.Count;
        set.Controller["spec"]!["replicas"] = n;
        set.Controller["status"] = ReadyDeploymentStatus(n, rs.Name());
        rs["spec"]!["replicas"] = n;
        foreach (var k in new[] { "replicas", "readyReplicas", "availableReplicas", "fullyLabeledReplicas" }) rs["status"]![k] = n;
        rs.Annotations()["deployment.kubernetes.io/desired-replicas"] = n.ToString();
        return pod;
    }

    private static JsonObject ReplicaSetPod(JsonObject rs, JsonObject tplLabels, JsonObject podSpec, NodeRef node, int ipSeq,
        IEnumerable<string>? log, string salt = "")
    {
        var podName = $"{rs.Name()}-{SeedIds.Suffix($"pod/{rs.Namespace()}/{rs.Name()}/{node.Name}/{ipSeq}/{salt}", 5)}";
        var pod = Pod(rs.Namespace()!, podName, (JsonObject)tplLabels.DeepClone(), podSpec, node, PodIp(node, ipSeq), log);
        K8s.AddOwner(pod, rs);
        return pod;
    }

    private static JsonObject ReadyDeploymentStatus(int replicas, string rsName) => new()
    {
        ["observedGeneration"] = 1,
        ["replicas"] = replicas,
        ["updatedReplicas"] = replicas,
        ["readyReplicas"] = replicas,
        ["availableReplicas"] = replicas,
        ["conditions"] = Json.Array(
            K8s.Condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", 3),
            K8s.Condition("Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{rsName}\" has successfully progressed.", 3)),
    };

    /// <summary>A DaemonSet with one running pod on each node.</summary>
    public static Set DaemonSet(string ns, string name, JsonObject podSpec, IReadOnlyList<NodeRef> nodes,
        Func<NodeRef, int> podIpSeq, Func<NodeRef, IEnumerable<string>>? log = null, bool hostNetwork = false)
    {
        var sel = TemplateLabels(name);
        var ds = K8s.Object("apps/v1", "DaemonSet", name, ns, (JsonObject)sel.DeepClone(),
            Json.Strings(("deprecated.daemonset.template.generation", "1")), uidKey: $"ds/{ns}/{name}");
        var spec = (JsonObject)podSpec.DeepClone();
        if (hostNetwork) spec["hostNetwork"] = true;
        spec["tolerations"] = Json.Array(new JsonObject { ["operator"] = "Exists" });
        ds["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = sel.DeepClone() },
            ["updateStrategy"] = new JsonObject { ["type"] = "RollingUpdate" },
            ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = sel.DeepClone() }, ["spec"] = spec.DeepClone() },
        };
        ds["status"] = DaemonSetStatus(nodes.Count);
        var set = new Set { Controller = ds };
        var revHash = SeedIds.Suffix($"cr/{ns}/{name}", 10);
        foreach (var node in nodes)
        {
            var labels = (JsonObject)sel.DeepClone();
            labels["controller-revision-hash"] = revHash;
            labels["pod-template-generation"] = "1";
            var ip = hostNetwork ? node.Ip : PodIp(node, podIpSeq(node));
            var pod = Pod(ns, $"{name}-{SeedIds.Suffix($"dspod/{ns}/{name}/{node.Name}", 5)}", labels, spec, node, ip, log?.Invoke(node));
            K8s.AddOwner(pod, ds);
            set.Pods.Add(pod);
        }
        return set;
    }

    public static JsonObject DaemonSetStatus(int n) => new()
    {
        ["currentNumberScheduled"] = n, ["desiredNumberScheduled"] = n, ["numberAvailable"] = n,
        ["numberMisscheduled"] = 0, ["numberReady"] = n, ["updatedNumberScheduled"] = n, ["observedGeneration"] = 1,
    };

    /// <summary>A StatefulSet with ordinal pods.</summary>
    public static Set StatefulSet(string ns, string name, string serviceName, JsonObject podSpec, IReadOnlyList<NodeRef> nodes,
        Func<NodeRef, int, int> podIpSeq, JsonObject? selectorLabels = null, Func<int, IEnumerable<string>>? log = null)
    {
        var sel = selectorLabels ?? TemplateLabels(name);
        var sts = K8s.Object("apps/v1", "StatefulSet", name, ns, (JsonObject)sel.DeepClone(), null, uidKey: $"sts/{ns}/{name}");
        var rev = $"{name}-{SeedIds.Suffix($"stsrev/{ns}/{name}", 10)}";
        sts["spec"] = new JsonObject
        {
            ["replicas"] = nodes.Count,
            ["serviceName"] = serviceName,
            ["selector"] = new JsonObject { ["matchLabels"] = sel.DeepClone() },
            ["podManagementPolicy"] = "OrderedReady",
            ["updateStrategy"] = new JsonObject { ["type"] = "RollingUpdate" },
            ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = sel.DeepClone() }, ["spec"] = podSpec.DeepClone() },
        };
        sts["status"] = new JsonObject
        {
            ["observedGeneration"] = 1, ["replicas"] = nodes.Count, ["readyReplicas"] = nodes.Count,
            ["availableReplicas"] = nodes.Count, ["currentReplicas"] = nodes.Count, ["updatedReplicas"] = nodes.Count,
            ["currentRevision"] = rev, ["updateRevision"] = rev, ["collisionCount"] = 0,
        };
        var set = new Set { Controller = sts };
        for (var i = 0; i < nodes.Count; i++)
        {
            var labels = (JsonObject)sel.DeepClone();
            labels["controller-revision-hash"] = rev;
            labels["statefulset.kubernetes.io/pod-name"] = $"{name}-{i}";
            var pod = Pod(ns, $"{name}-{i}", labels, podSpec, nodes[i], PodIp(nodes[i], podIpSeq(nodes[i], i)), log?.Invoke(i));
            K8s.AddOwner(pod, sts);
            set.Pods.Add(pod);
        }
        return set;
    }
}
