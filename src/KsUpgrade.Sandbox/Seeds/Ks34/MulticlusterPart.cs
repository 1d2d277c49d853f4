using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>
/// clusters.cluster.kubesphere.io objects on a host: the host itself (label cluster-role.kubesphere.io/host) and one per
/// member. 3.4 condition set (no Schedulable, no KSCoreReady: ks-upgrade's core pre-upgrade adds those).
/// </summary>
public static class MulticlusterPart
{
    public const string ApiVersion = "cluster.kubesphere.io/v1alpha1";

    /// <summary>
    /// IP prefix of a member's nodes: member1 → 10.20, member2 → 10.30, ... member24 → 10.250; from member25 on (fleet
    /// seeds) 100.25, 100.26, ... (up to member255), so every member's nodes have their own valid addresses.
    /// </summary>
    public static string MemberIpPrefix(string member)
    {
        var digits = new string(member.Where(char.IsDigit).ToArray());
        var n = int.TryParse(digits, out var i) ? i : 1;
        if (n > 255) throw new ArgumentOutOfRangeException(nameof(member), $"No node IP prefix for {member}: at most member255.");
        return n <= 24 ? $"10.{10 + 10 * n}" : $"100.{n}";
    }

    public static void Add(SeedContext ctx)
    {
        var p = ctx.Profile;
        if (!p.IsHost) return;
        ctx.Add(Cluster(p.ClusterName, host: true, p.IpPrefix, ctx.Nodes.Count, p.KubernetesVersion, p.KsVersion));
        // a member's node count as its own seed has it: the scale (Nodes) applies to every cluster of the seed alike
        foreach (var m in p.Members)
            ctx.Add(Cluster(m, host: false, MemberIpPrefix(m), ctx.Nodes.Count, p.KubernetesVersion, p.KsVersion));
    }

    public static JsonObject Cluster(string name, bool host, string ipPrefix, int nodeCount, string k8sVersion, string ksVersion)
    {
        var labels = Json.Strings(("cluster.kubesphere.io/visibility", "public"));
        if (host) labels["cluster-role.kubesphere.io/host"] = "";
        else labels["cluster.kubesphere.io/group"] = "production";
        var c = K8s.Object(ApiVersion, "Cluster", name, null, labels,
            Json.Strings(("kubesphere.io/creator", "admin"), ("kubesphere.io/description", host ? "The host cluster" : $"Member cluster {name}")),
            uidKey: "cluster/" + name);
        c["metadata"]!["finalizers"] = Json.Array("finalizer.cluster.kubesphere.io");
        var apiServer = $"https://{ipPrefix}.0.11:6443";
        var kubeconfig = $"apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: {apiServer}\n    insecure-skip-tls-verify: true\n  name: {name}\n" +
                         $"contexts:\n- context:\n    cluster: {name}\n    user: kubesphere\n  name: {name}\ncurrent-context: {name}\n" +
                         "users:\n- name: kubesphere\n  user:\n    token: sandbox-placeholder\n";
        c["spec"] = new JsonObject
        {
            ["provider"] = "",
            ["enable"] = true,
            ["joinFederation"] = true,
            ["connection"] = new JsonObject
            {
                ["type"] = "direct",
                ["kubernetesAPIEndpoint"] = apiServer,
                ["kubesphereAPIEndpoint"] = host ? "" : $"http://{ipPrefix}.0.11:30881",
                ["kubeconfig"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(kubeconfig)),
                ["kubernetesAPIServerPort"] = 6443,
                ["kubesphereAPIServerPort"] = host ? 0 : 30881,
            },
        };
        c["status"] = new JsonObject
        {
            ["conditions"] = Json.Array(
                Cond("Initialized", "Cluster has been initialized"),
                Cond("Federated", "Cluster has joined federation control plane successfully"),
                Cond("OpenPitrixRuntimeReady", "OpenPitrix runtime is ready"),
                Cond("Ready", "Cluster is available now")),
            ["kubernetesVersion"] = k8sVersion,
            ["kubeSphereVersion"] = ksVersion,
            ["nodeCount"] = nodeCount,
            ["uid"] = SeedIds.Uid("kube-system/" + name),
            ["configz"] = new JsonObject { ["monitoring"] = true, ["multicluster"] = true, ["logging"] = true, ["network"] = false },
        };
        return c;
    }

    private static JsonObject Cond(string type, string message)
    {
        var c = K8s.Condition(type, "True", type, message, 15);
        c["lastUpdateTime"] = SeedIds.Time(15);
        return c;
    }
}
