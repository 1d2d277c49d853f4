using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Tests.Seeds;

public class Ks34SeedTests
{
    private static readonly SeedCluster Host = SeedCatalog.Load("ks34-host").Single();
    private static readonly SeedCluster Member = SeedCatalog.Load("ks34-member").Single();

    [Fact]
    public void Host_has_cc_ks_installer_v341_host_role_localhost_etcd_and_redis_status()
    {
        Assert.Equal("host", Host.Name);
        Assert.Equal("v1.26.15", Host.KubernetesVersion);
        var cc = Host.One("ClusterConfiguration", "ks-installer", "kubesphere-system");
        Assert.Equal("installer.kubesphere.io/v1alpha1", cc.ApiVersion());
        Assert.Equal("v3.4.1", cc.Label("version"));
        Assert.Equal("host", cc.Str("spec", "multicluster", "clusterRole"));
        Assert.Equal("localhost", cc.Str("spec", "etcd", "endpointIps"));
        Assert.False(cc["spec"]!["common"]!["redis"]!["enableHA"]!.GetValue<bool>());
        Assert.Equal("enabled", cc.Str("status", "redis", "status"));
        Assert.Equal("v3.4.1", cc.Str("status", "core", "version"));
    }

    [Fact]
    public void Member_is_member_role_with_other_nodes_and_no_cluster_objects()
    {
        Assert.Equal("member1", Member.Name);
        Assert.Equal("member", Member.One("ClusterConfiguration", "ks-installer", "kubesphere-system").Str("spec", "multicluster", "clusterRole"));
        Assert.Empty(Member.OfKind("Cluster"));
        var hostNodes = Host.OfKind("Node").Select(n => n.Name()).ToHashSet();
        var memberNodes = Member.OfKind("Node").ToList();
        Assert.Equal(6, memberNodes.Count);
        Assert.DoesNotContain(memberNodes, n => hostNodes.Contains(n.Name()));
        var hostIps = Host.OfKind("Node").Select(Ip).ToHashSet();
        Assert.DoesNotContain(memberNodes, n => hostIps.Contains(Ip(n)));
    }

    private static string Ip(JsonObject node) =>
        node["status"]!["addresses"]!.AsArray().First(a => a.Str("type") == "InternalIP")!.Str("address")!;

    [Fact]
    public void Six_ready_nodes_three_masters_with_role_labels_and_kubelet_version()
    {
        var nodes = Host.OfKind("Node").ToList();
        Assert.Equal(6, nodes.Count);
        Assert.Equal(3, nodes.Count(n => n.Label("node-role.kubernetes.io/control-plane") is not null && n.Label("node-role.kubernetes.io/master") is not null));
        Assert.Equal(3, nodes.Count(n => n.Label("node-role.kubernetes.io/worker") is not null));
        foreach (var n in nodes)
        {
            var ready = n["status"]!["conditions"]!.AsArray().Single(c => c.Str("type") == "Ready");
            Assert.Equal("True", ready.Str("status"));
            Assert.Equal("v1.26.15", n.Str("status", "nodeInfo", "kubeletVersion"));
            Assert.False(string.IsNullOrEmpty(n.Str("status", "nodeInfo", "osImage")));
            Assert.StartsWith("containerd://", n.Str("status", "nodeInfo", "containerRuntimeVersion"));
        }
    }

    [Fact]
    public void Every_kind_pre_check_counts_is_present()
    {
        foreach (var kind in new[] { "Deployment", "Service", "Ingress", "StatefulSet", "Pod", "DaemonSet", "ReplicaSet", "StorageClass",
                     "CronJob", "CustomResourceDefinition", "HorizontalPodAutoscaler", "PersistentVolume", "PersistentVolumeClaim" })
            Assert.Contains(Host.Objects, o => o.Kind() == kind);
    }

    [Fact]
    public void Exactly_one_default_storage_class()
    {
        var sc = Assert.Single(Host.OfKind("StorageClass"), s => s.Annotation("storageclass.kubernetes.io/is-default-class") == "true");
        Assert.Equal("storage.k8s.io/v1", sc.ApiVersion());
    }

    [Fact]
    public void System_namespaces_are_in_system_workspace_and_user_namespaces_in_theirs()
    {
        var ns = Host.OfKind("Namespace").ToDictionary(n => n.Name());
        foreach (var name in new[] { "kubesphere-system", "kubesphere-controls-system", "kubesphere-monitoring-system", "kubesphere-logging-system", "kube-system", "default" })
            Assert.Equal("system-workspace", ns[name].Label("kubesphere.io/workspace"));
        Assert.Equal("demo-ws", ns["demo-project"].Label("kubesphere.io/workspace"));
        Assert.Equal("shop-ws", ns["shop-frontend"].Label("kubesphere.io/workspace"));
        // every namespaced object lives in a namespace of the seed
        var missing = Host.Objects.Where(o => o.Namespace() is { } n && !ns.ContainsKey(n)).Select(o => $"{o.Kind()} {o.Namespace()}/{o.Name()}").ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Every_kubesphere_kind_used_has_its_crd_with_the_right_scope()
    {
        var crds = Host.OfKind("CustomResourceDefinition").ToDictionary(c => (c.Str("spec", "group")!, c.Str("spec", "names", "kind")!));
        var builtinGroups = new[] { "", "apps", "batch", "rbac.authorization.k8s.io", "storage.k8s.io", "networking.k8s.io", "apiextensions.k8s.io", "admissionregistration.k8s.io", "autoscaling", "policy" };
        foreach (var o in Host.Objects)
        {
            var av = o.ApiVersion();
            var group = av.Contains('/') ? av[..av.IndexOf('/')] : "";
            if (builtinGroups.Contains(group)) continue;
            Assert.True(crds.TryGetValue((group, o.Kind()), out var crd), $"no CRD for {av} {o.Kind()}");
            var version = av[(av.IndexOf('/') + 1)..];
            Assert.Contains(crd!["spec"]!["versions"]!.AsArray(), v => v.Str("name") == version);
            Assert.Equal(o.Namespace() is null ? "Cluster" : "Namespaced", crd.Str("spec", "scope"));
        }
        var cc = crds[("installer.kubesphere.io", "ClusterConfiguration")];
        Assert.Contains("cc", cc["spec"]!["names"]!["shortNames"]!.AsArray().Select(s => s!.GetValue<string>()));
        var clusters = crds[("cluster.kubesphere.io", "Cluster")];
        Assert.Empty(clusters["spec"]!["versions"]![0]!["subresources"]!.AsObject());
    }

    [Fact]
    public void Etcd_endpoints_list_the_three_masters()
    {
        var ep = Host.One("Endpoints", "etcd", "kube-system");
        var ips = ep["subsets"]![0]!["addresses"]!.AsArray().Select(a => a.Str("ip") ?? "").ToList();
        var masters = Host.OfKind("Node").Where(n => n.Label("node-role.kubernetes.io/master") is not null).Select(Ip).ToList();
        Assert.Equal(masters, ips);
    }

    [Fact]
    public void Ks_installer_pod_log_ends_with_welcome_and_core_deployments_run_v341()
    {
        var pod = Assert.Single(Host.OfKind("Pod", "kubesphere-system"), p => p.Label("app") == "ks-installer");
        var log = pod.Annotation(K8s.LogAnnotation)!.Split('\n');
        Assert.Contains(log.TakeLast(20), l => l.Contains("Welcome to KubeSphere!"));
        Assert.Equal("ks-installer", Host.One("Deployment", "ks-installer", "kubesphere-system").Label("app"));
        foreach (var d in new[] { "ks-apiserver", "ks-console", "ks-controller-manager" })
        {
            var deploy = Host.One("Deployment", d, "kubesphere-system");
            Assert.Equal($"kubesphere/{d}:v3.4.1", deploy["spec"]!["template"]!["spec"]!["containers"]![0].Str("image"));
            Assert.Contains(Host.OfKind("Pod", "kubesphere-system"), p => p.Label("app") == d && p.Str("status", "phase") == "Running");
        }
    }

    [Fact]
    public void Non_helm_redis_objects_exist_without_helm_label()
    {
        foreach (var (kind, name) in new[] { ("Deployment", "redis"), ("Service", "redis"), ("Secret", "redis-secret"), ("ConfigMap", "redis-configmap"), ("PersistentVolumeClaim", "redis-pvc") })
            Assert.Null(Host.One(kind, name, "kubesphere-system").Label("app.kubernetes.io/managed-by"));
        Assert.DoesNotContain(Host.OfKind("Secret"), s => s.Name().StartsWith("sh.helm.release.v1.ks-redis."));
    }

    [Fact]
    public void Clusters_objects_host_labelled_members_without_schedulable()
    {
        var clusters = Host.OfKind("Cluster").ToDictionary(c => c.Name());
        Assert.Equal(new[] { "host", "member1", "member2" }, clusters.Keys.OrderBy(k => k));
        Assert.Equal("", clusters["host"].Label("cluster-role.kubesphere.io/host"));
        Assert.Null(clusters["member1"].Label("cluster-role.kubesphere.io/host"));
        foreach (var c in clusters.Values)
        {
            var types = c["status"]!["conditions"]!.AsArray().Select(x => x.Str("type")).ToList();
            Assert.Contains("Ready", types);
            Assert.DoesNotContain("Schedulable", types);
        }
    }

    [Fact]
    public void Gateways_and_nginxes_carry_finalizers_and_ingresses_have_no_class()
    {
        var gws = Host.OfKind("Gateway", "kubesphere-controls-system").Select(g => g.Name()).OrderBy(n => n).ToList();
        Assert.Equal(new[] { "kubesphere-router-demo-project", "kubesphere-router-kubesphere-system", "kubesphere-router-workspace-shop-ws" }, gws);
        foreach (var o in Host.OfKind("Gateway").Concat(Host.OfKind("Nginx")))
            Assert.NotEmpty(o["metadata"]!["finalizers"]!.AsArray());
        var ingresses = Host.OfKind("Ingress").ToList();
        Assert.Equal(3, ingresses.Count);
        Assert.All(ingresses, i => Assert.Null(i["spec"]!["ingressClassName"]));
    }

    [Fact]
    public void Iam_and_tenant_objects_exist()
    {
        Assert.Contains(Host.OfKind("User"), u => u.Name() == "admin");
        foreach (var gr in new[] { "anonymous", "authenticated", "platform-admin", "platform-regular", "platform-self-provisioner", "pre-registration" })
            Host.One("GlobalRole", gr);
        foreach (var grb in new[] { "admin", "anonymous", "authenticated", "pre-registration" })
            Host.One("GlobalRoleBinding", grb);
        Assert.Equal("tenant.kubesphere.io/v1alpha2", Host.One("WorkspaceTemplate", "system-workspace").ApiVersion());
        Assert.Equal("tenant.kubesphere.io/v1alpha1", Host.One("Workspace", "demo-ws").ApiVersion());
        Assert.NotEmpty(Host.OfKind("WorkspaceRole"));
        Assert.NotEmpty(Host.OfKind("WorkspaceRoleBinding"));
        Assert.NotEmpty(Host.OfKind("Group"));
        Assert.NotEmpty(Host.OfKind("GroupBinding"));
        // kubesphere-config is outside the ks-core release (adoption needed in the upgrade)
        Assert.Null(Host.One("ConfigMap", "kubesphere-config", "kubesphere-system").Label("app.kubernetes.io/managed-by"));
    }

    [Fact]
    public void Helm_release_secrets_decode_to_expected_releases()
    {
        var releases = Host.OfKind("Secret").Where(HelmReleaseSecret.IsReleaseSecret).Select(s => (Secret: s, Release: HelmReleaseSecret.Decode(s))).ToList();
        foreach (var (secret, rel) in releases)
        {
            Assert.Equal($"sh.helm.release.v1.{rel.Name}.v{rel.Revision}", secret.Name());
            Assert.Equal(rel.Status, secret.Label("status"));
            Assert.Equal(rel.Revision.ToString(), secret.Label("version"));
            Assert.Equal(rel.Name, secret.Label("name"));
            Assert.Equal(secret.Namespace(), rel.Namespace);
        }
        var core = releases.Select(r => r.Release).Where(r => r.Name == "ks-core").OrderBy(r => r.Revision).ToList();
        Assert.Equal(new[] { "superseded", "deployed" }, core.Select(r => r.Status));
        Assert.All(core, r => Assert.Equal(("ks-core", "0.1.0", "v3.3.2"), (r.ChartName, r.ChartVersion, r.AppVersion)));
        Assert.Contains("name: ks-apiserver", core[1].Manifest);

        var names = releases.Where(r => r.Secret.Namespace() == "kubesphere-controls-system").Select(r => r.Release.Name).ToHashSet();
        foreach (var gw in new[] { "kubesphere-router-kubesphere-system", "kubesphere-router-workspace-shop-ws", "kubesphere-router-demo-project" })
        {
            Assert.Contains(gw, names);
            Assert.Contains(gw + "-ingress", names);
        }
        var ingressRel = releases.Single(r => r.Release.Name == "kubesphere-router-demo-project-ingress").Release;
        Assert.Equal(("ingress-nginx", "4.2.5", "1.3.1", "deployed"), (ingressRel.ChartName, ingressRel.ChartVersion, ingressRel.AppVersion, ingressRel.Status));
        Assert.Contains("kind: Deployment", ingressRel.Manifest);
    }

    [Fact]
    public void Multicluster_has_host_and_two_members_member2_with_redis_ha_release()
    {
        var mc = SeedCatalog.Load("ks34-multicluster");
        Assert.Equal(new[] { "host", "member1", "member2" }, mc.Select(c => c.Name));
        var m2 = mc[2];
        Assert.True(m2.One("ClusterConfiguration", "ks-installer", "kubesphere-system")["spec"]!["common"]!["redis"]!["enableHA"]!.GetValue<bool>());
        var redis = HelmReleaseSecret.Decode(m2.One("Secret", "sh.helm.release.v1.ks-redis.v1", "kubesphere-system"));
        Assert.Equal("deployed", redis.Status);
        Assert.Contains(m2.OfKind("PersistentVolumeClaim", "kubesphere-system"), p => p.Label("app") == "redis-ha");
    }

    [Fact]
    public void Seeds_are_deterministic_and_object_keys_unique()
    {
        var again = SeedCatalog.Load("ks34-host").Single();
        Assert.Equal(Host.Objects.Count, again.Objects.Count);
        Assert.Equal(Host.Objects[^1].ToJsonString(), again.Objects[^1].ToJsonString());
        var keys = Host.Objects.Select(o => $"{o.ApiVersion()}|{o.Kind()}|{o.Namespace()}|{o.Name()}").ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
    }
}
