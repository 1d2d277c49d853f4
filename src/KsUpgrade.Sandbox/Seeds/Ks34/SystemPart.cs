using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>System namespaces (labelled kubesphere.io/workspace=system-workspace) and their workloads.</summary>
public static class SystemPart
{
    public const string SystemWorkspace = "system-workspace";

    /// <summary>Namespaces ks-installer labels into system-workspace in a default 3.4 install (+ logging, + federation on a host).</summary>
    public static IEnumerable<string> SystemNamespaces(bool host)
    {
        var list = new List<string>
        {
            "default", "kube-public", "kube-system", "kube-node-lease", "kubesphere-system", "kubesphere-controls-system",
            "kubesphere-monitoring-system", "kubesphere-monitoring-federated", "kubesphere-logging-system",
        };
        if (host) list.Add("kube-federation-system");
        return list;
    }

    /// <summary>A namespace in a workspace: workspace label and the Workspace owner reference 3.4 sets.</summary>
    public static JsonObject WorkspaceNamespace(string name, string workspace, bool system)
    {
        var labels = Json.Strings(("kubesphere.io/workspace", workspace), ("kubesphere.io/namespace", name));
        var ann = system ? null : Json.Strings(("kubesphere.io/creator", "admin"));
        var ns = K8s.Namespace(name, labels, ann);
        ns["metadata"]!["ownerReferences"] = Json.Array(new JsonObject
        {
            ["apiVersion"] = "tenant.kubesphere.io/v1alpha1",
            ["kind"] = "Workspace",
            ["name"] = workspace,
            ["uid"] = SeedIds.Uid("ws/" + workspace),
            ["blockOwnerDeletion"] = true,
            ["controller"] = true,
        });
        return ns;
    }

    public static void Add(SeedContext ctx)
    {
        var p = ctx.Profile;
        foreach (var ns in SystemNamespaces(p.IsHost)) ctx.Add(WorkspaceNamespace(ns, SystemWorkspace, system: true));

        AddKubeSystem(ctx);
        AddMonitoring(ctx);
        ctx.Deployment("kubesphere-logging-system", "fluentbit-operator",
            K8s.PodSpec(new[] { K8s.Container("fluentbit-operator", "kubesphere/fluentbit-operator:v0.14.0") }, "fluentbit-operator"), 1,
            log: _ => PodLogs.Generic("fluentbit-operator"));
        ctx.Deployment("kubesphere-controls-system", "kubectl-admin",
            K8s.PodSpec(new[] { K8s.Container("kubectl", "kubesphere/kubectl:v1.22.0") }, "kubesphere-cluster-admin"), 1,
            selector: Json.Strings(("kubesphere.io/username", "admin")));
    }

    private static void AddKubeSystem(SeedContext ctx)
    {
        var p = ctx.Profile;
        const string ns = "kube-system";
        ctx.Add(Workloads.DaemonSet(ns, "calico-node",
            K8s.PodSpec(new[] { K8s.Container("calico-node", "calico/node:v3.27.3") }, "calico-node"), ctx.Nodes, ctx.NextPodIp,
            _ => PodLogs.Generic("calico-node"), hostNetwork: true));
        ctx.Add(Workloads.DaemonSet(ns, "kube-proxy",
            K8s.PodSpec(new[] { K8s.Container("kube-proxy", $"kubesphere/kube-proxy:{p.KubernetesVersion}") }, "kube-proxy"), ctx.Nodes, ctx.NextPodIp,
            _ => PodLogs.Generic("kube-proxy"), hostNetwork: true));
        ctx.Add(Workloads.DaemonSet(ns, "nodelocaldns",
            K8s.PodSpec(new[] { K8s.Container("node-cache", "kubesphere/k8s-dns-node-cache:1.22.20") }, "nodelocaldns"), ctx.Nodes, ctx.NextPodIp,
            _ => PodLogs.Generic("node-cache"), hostNetwork: true));
        ctx.Deployment(ns, "coredns", K8s.PodSpec(new[] { K8s.Container("coredns", "coredns/coredns:1.9.3", new[] { "-conf", "/etc/coredns/Corefile" }, 53) }, "coredns"),
            2, selector: Json.Strings(("k8s-app", "kube-dns")), log: _ => PodLogs.Generic("coredns"));
        ctx.Add(K8s.Service(ns, "coredns", Json.Strings(("k8s-app", "kube-dns")), new[] { ("dns", 53, 53, (int?)null), ("metrics", 9153, 9153, null) },
            labels: Json.Strings(("k8s-app", "kube-dns")), clusterIp: "10.233.0.3"));
        ctx.Deployment(ns, "calico-kube-controllers",
            K8s.PodSpec(new[] { K8s.Container("calico-kube-controllers", "calico/kube-controllers:v3.27.3") }, "calico-kube-controllers"), 1,
            log: _ => PodLogs.Generic("calico-kube-controllers"));
        ctx.Deployment(ns, "openebs-localpv-provisioner",
            K8s.PodSpec(new[] { K8s.Container("openebs-provisioner-hostpath", "openebs/provisioner-localpv:3.3.0") }, "openebs-maya-operator"), 1,
            log: _ => PodLogs.Generic("openebs-localpv-provisioner"));

        // Static control-plane pods on the masters (owned by their Node).
        foreach (var m in ctx.Masters)
        {
            foreach (var (component, port) in new[] { ("kube-apiserver", 6443), ("kube-controller-manager", 10257), ("kube-scheduler", 10259) })
            {
                var spec = K8s.PodSpec(new[] { K8s.Container(component, $"kubesphere/{component}:{p.KubernetesVersion}", new[] { $"--secure-port={port}" }) });
                spec["hostNetwork"] = true;
                spec["priorityClassName"] = "system-node-critical";
                var pod = Workloads.Pod(ns, $"{component}-{m.Name}", Json.Strings(("component", component), ("tier", "control-plane")), spec, m, m.Ip,
                    PodLogs.Generic(component));
                pod["metadata"]!["ownerReferences"] = Json.Array(new JsonObject
                {
                    ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = m.Name, ["uid"] = SeedIds.Uid("node/" + m.Name), ["controller"] = true,
                });
                ctx.Add(pod);
            }
        }

        // etcd runs outside Kubernetes (binary install); KubeSphere monitoring scrapes it through this selector-less service.
        var etcdLabels = Json.Strings(("app.kubernetes.io/name", "etcd"));
        var svc = K8s.Service(ns, "etcd", new JsonObject(), new[] { ("metrics", 2379, 2379, (int?)null) }, labels: etcdLabels, clusterIp: "None");
        svc["spec"]!.AsObject().Remove("selector");
        svc["spec"]!["clusterIPs"] = Json.Array("None");
        ctx.Add(svc);
        var ep = K8s.Object("v1", "Endpoints", "etcd", ns, Json.Strings(("app.kubernetes.io/name", "etcd")));
        ep["subsets"] = Json.Array(new JsonObject
        {
            ["addresses"] = Json.Array(ctx.Masters.Select(m => (JsonNode?)new JsonObject { ["ip"] = m.Ip, ["nodeName"] = m.Name })),
            ["ports"] = Json.Array(new JsonObject { ["name"] = "metrics", ["port"] = 2379, ["protocol"] = "TCP" }),
        });
        ctx.Add(ep);
    }

    private static void AddMonitoring(SeedContext ctx)
    {
        const string ns = "kubesphere-monitoring-system";
        ctx.Add(Workloads.DaemonSet(ns, "node-exporter",
            K8s.PodSpec(new[] { K8s.Container("node-exporter", "kubesphere/node-exporter:v1.3.1") }, "node-exporter"), ctx.Nodes, ctx.NextPodIp,
            _ => PodLogs.Generic("node-exporter"), hostNetwork: true));
        ctx.Deployment(ns, "prometheus-operator",
            K8s.PodSpec(new[] { K8s.Container("prometheus-operator", "kubesphere/prometheus-operator:v0.55.1") }, "prometheus-operator"), 1,
            log: _ => PodLogs.Generic("prometheus-operator"));
        ctx.Deployment(ns, "kube-state-metrics",
            K8s.PodSpec(new[] { K8s.Container("kube-state-metrics", "kubesphere/kube-state-metrics:v2.6.0") }, "kube-state-metrics"), 1,
            log: _ => PodLogs.Generic("kube-state-metrics"));
        var sel = Json.Strings(("app.kubernetes.io/name", "prometheus"), ("prometheus", "k8s"));
        var sts = Workloads.StatefulSet(ns, "prometheus-k8s", "prometheus-operated",
            K8s.PodSpec(new[] { K8s.Container("prometheus", "prom/prometheus:v2.39.1") }, "prometheus-k8s"),
            ctx.PickNodes(1, "prometheus"), (n, _) => ctx.NextPodIp(n), sel, _ => PodLogs.Generic("prometheus"));
        ctx.Add(sts);
        var (pvc, pv) = K8s.BoundClaim(ns, "prometheus-k8s-db-prometheus-k8s-0", "20Gi", ctx.Profile.StorageClass, (JsonObject)sel.DeepClone());
        ctx.Add(pvc);
        ctx.Add(pv);
    }
}
