using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>Nodes (masters then workers, all Ready) and the default StorageClass.</summary>
public static class NodesPart
{
    public static void Add(SeedContext ctx)
    {
        var p = ctx.Profile;
        var total = p.Nodes ?? p.Masters + p.Workers;
        var masters = Math.Min(p.Masters, total);
        for (var i = 0; i < total; i++)
        {
            var isMaster = i < masters;
            var name = isMaster ? $"{p.NodePrefix}-master-{i + 1}" : $"{p.NodePrefix}-worker-{i - masters + 1}";
            var ip = NodeIp(p.IpPrefix, isMaster ? 11 + i : 21 + (i - masters));
            var node = new NodeRef(name, ip, i);
            ctx.Nodes.Add(node);
            ctx.Add(Node(node, isMaster, p.KubernetesVersion));
        }
        ctx.Add(K8s.StorageClass(p.StorageClass, "openebs.io/local", isDefault: true));
    }

    /// <summary>Node IPs: &lt;prefix&gt;.&lt;n / 250&gt;.&lt;n % 250&gt;, so hundreds of nodes stay valid.</summary>
    public static string NodeIp(string prefix, int n) => $"{prefix}.{n / 250}.{n % 250}";

    public static JsonObject Node(NodeRef n, bool master, string kubeletVersion)
    {
        var labels = Json.Strings(
            ("beta.kubernetes.io/arch", "amd64"), ("beta.kubernetes.io/os", "linux"),
            ("kubernetes.io/arch", "amd64"), ("kubernetes.io/hostname", n.Name), ("kubernetes.io/os", "linux"));
        if (master)
        {
            labels["node-role.kubernetes.io/control-plane"] = "";
            labels["node-role.kubernetes.io/master"] = "";
            labels["node.kubernetes.io/exclude-from-external-load-balancers"] = "";
        }
        else labels["node-role.kubernetes.io/worker"] = "";
        var node = K8s.Object("v1", "Node", n.Name, null, labels, Json.Strings(
            ("kubeadm.alpha.kubernetes.io/cri-socket", "unix:///run/containerd/containerd.sock"),
            ("node.alpha.kubernetes.io/ttl", "0"),
            ("projectcalico.org/IPv4Address", n.Ip + "/24"),
            ("volumes.kubernetes.io/controller-managed-attach-detach", "true")), uidKey: "node/" + n.Name);
        var cidr = $"10.{234 + n.Index / 250}.{n.Index % 250}.0/24";
        var spec = new JsonObject { ["podCIDR"] = cidr, ["podCIDRs"] = Json.Array(cidr) };
        if (master)
            spec["taints"] = Json.Array(new JsonObject { ["key"] = "node-role.kubernetes.io/control-plane", ["effect"] = "NoSchedule" });
        node["spec"] = spec;
        var capacity = new JsonObject
        {
            ["cpu"] = master ? "4" : "8", ["memory"] = master ? "8148116Ki" : "16283852Ki", ["pods"] = "110",
            ["ephemeral-storage"] = "102626232Ki", ["hugepages-2Mi"] = "0",
        };
        node["status"] = new JsonObject
        {
            ["capacity"] = capacity,
            ["allocatable"] = capacity.DeepClone(),
            ["conditions"] = Json.Array(
                K8s.Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                K8s.Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                K8s.Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                K8s.Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status. AppArmor enabled")),
            ["addresses"] = Json.Array(
                new JsonObject { ["type"] = "InternalIP", ["address"] = n.Ip },
                new JsonObject { ["type"] = "Hostname", ["address"] = n.Name }),
            ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
            ["nodeInfo"] = new JsonObject
            {
                ["architecture"] = "amd64",
                ["bootID"] = SeedIds.Uid("boot/" + n.Name),
                ["containerRuntimeVersion"] = "containerd://1.7.13",
                ["kernelVersion"] = "5.15.0-105-generic",
                ["kubeProxyVersion"] = kubeletVersion,
                ["kubeletVersion"] = kubeletVersion,
                ["machineID"] = SeedIds.Hex("machine/" + n.Name, 32),
                ["operatingSystem"] = "linux",
                ["osImage"] = "Ubuntu 22.04.4 LTS",
                ["systemUUID"] = SeedIds.Uid("sys/" + n.Name),
            },
        };
        return node;
    }
}
