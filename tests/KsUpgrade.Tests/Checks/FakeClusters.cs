using System.Text.Json.Nodes;
using KsUpgrade.Engine;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Tests.Checks;

/// <summary>In-memory clusters for the check tests: a healthy KubeSphere 3.4.1 host and the same host upgraded to 4.1.3.</summary>
internal static class FakeClusters
{
    public static readonly string HealthyValues = GuideValues.WithStorageClass("local");

    public static readonly string[] SystemNamespaces =
        { "default", "kube-system", "kubesphere-system", "kubesphere-controls-system", "kubesphere-monitoring-system" };

    public static readonly ChartResourceRef[] ChartResources =
    {
        new("v1", "ConfigMap", "kubesphere-system", "kubesphere-config"),           // adopted by ks-upgrade prepare
        new("v1", "ConfigMap", "kubesphere-system", "ks-console-config"),           // already in release ks-core
        new("apps/v1", "Deployment", "kubesphere-system", "ks-apiserver"),          // already in release ks-core
        new("iam.kubesphere.io/v1beta1", "GlobalRole", null, "platform-admin"),     // adopted by ks-upgrade prepare
        new("rbac.authorization.k8s.io/v1", "ClusterRole", null, "ks-core-new"),    // does not exist yet
        new("kubesphere.io/v1alpha1", "Repository", null, "extensions-museum"),
    };

    public static HelmRelease KsCore(int revision, string status, string chartVersion = "0.1.0", string appVersion = "v3.3.2") =>
        new("ks-core", "kubesphere-system", revision, status, "ks-core", chartVersion, appVersion);

    /// <summary>A KubeSphere v3.4.1 host that passes every preflight check.</summary>
    public static InMemoryClusterReader HealthyKs341Host()
    {
        var r = new InMemoryClusterReader { ServerVersion = "v1.26.15" };
        r.Nodes.Add(new NodeRow("master1", "True", false, new[] { "control-plane", "master" }, "v1.26.15", "Ubuntu 22.04.4 LTS", "containerd://1.7.13"));
        r.Nodes.Add(new NodeRow("worker1", "True", false, new[] { "worker" }, "v1.26.15", "Ubuntu 22.04.4 LTS", "containerd://1.7.13"));
        r.Nodes.Add(new NodeRow("worker2", "True", false, Array.Empty<string>(), "v1.26.15", "Ubuntu 22.04.4 LTS", "containerd://1.7.13"));

        foreach (var ns in SystemNamespaces)
            r.Namespaces.Add(new NamespaceRow(ns, new Dictionary<string, string> { ["kubesphere.io/workspace"] = "system-workspace" }));
        r.Namespaces.Add(new NamespaceRow("demo", new Dictionary<string, string> { ["kubesphere.io/workspace"] = "demo-ws" }));

        AddPod(r, "kube-system", "coredns-1", "master1");
        AddPod(r, "kube-system", "coredns-2", "worker1");
        AddPod(r, "kube-system", "etcd-master1", "master1");
        AddPod(r, "kubesphere-system", "ks-apiserver-6d9f", "master1");
        AddPod(r, "kubesphere-system", "ks-console-5c7b", "worker1");
        AddPod(r, "kubesphere-system", "ks-controller-manager-7f8d", "worker2");
        AddPod(r, "kubesphere-system", "ks-installer-85d6b4d8c5-x7k2p", "worker1", app: "ks-installer");
        r.Pods.Add(new PodRow("kubesphere-system", "minio-make-bucket-job-abc", "worker2", "Succeeded", "Completed", null));
        AddPod(r, "kubesphere-controls-system", "kubesphere-router-kubesphere-system-5d4", "worker2");
        // An unhealthy pod outside the system workspace: inventory lists it, the system-pod checks ignore it.
        r.Pods.Add(new PodRow("demo", "web-0", "worker2", "Running", "CrashLoopBackOff", "web"));
        r.PodLogs["kubesphere-system/ks-installer-85d6b4d8c5-x7k2p"] = InstallerLog(finished: true);

        r.Webhooks.Add(new WebhookRow("ValidatingWebhookConfiguration", "users.iam.kubesphere.io", "users.iam.kubesphere.io", null, "kubesphere-system", "ks-controller-manager"));
        r.ServiceAccountTokens["kubesphere-system"] = new List<ServiceAccountTokenRow> { new("kubesphere-sa-token", "kubesphere", true) };

        r.StorageClasses.Add(new StorageClassRow("local", true, "openebs.io/local", "WaitForFirstConsumer"));
        r.StorageClasses.Add(new StorageClassRow("nfs", false, "nfs.csi.k8s.io"));
        // evidence that the default class's provisioner works: a PVC of it is Bound
        r.Pvcs.Add(new PvcRow("kubesphere-monitoring-system", "prometheus-k8s-db-prometheus-k8s-0", "local", "Bound"));
        r.Pvcs.Add(new PvcRow("demo", "data-web-0", "nfs", "Pending"));

        r.Crds.Add(CustomKind.ClusterConfiguration.CrdName);
        r.Crds.Add(CustomKind.KubeSphereCluster.CrdName);
        r.AddCustomObject(CustomKind.ClusterConfiguration, Cc("v3.4.1", "host", "localhost"));
        r.AddCustomObject(CustomKind.KubeSphereCluster, Cluster("host", isHost: true, ready: true));
        r.AddCustomObject(CustomKind.KubeSphereCluster, Cluster("member1", isHost: false, ready: true));

        r.Endpoints.Add(new EndpointsRow("kube-system", "etcd", new[] { "10.0.0.11" }));
        r.HelmReleases.Add(KsCore(1, "superseded"));
        r.HelmReleases.Add(KsCore(2, "deployed"));
        r.HelmReleases.Add(new HelmRelease("kubesphere-router-kubesphere-system", "kubesphere-controls-system", 1, "deployed", "gateway", "0.1.0", "1.16.0"));
        r.HelmReleases.Add(new HelmRelease("kubesphere-router-kubesphere-system-ingress", "kubesphere-controls-system", 1, "deployed", "ingress-nginx", "4.2.5", "1.3.1"));

        foreach (var d in new[] { "ks-apiserver", "ks-console", "ks-controller-manager", "ks-installer" })
            r.Deployments.Add(new DeploymentRow("kubesphere-system", d, 1, 1, true));
        r.ConfigMaps["kubesphere-system/kubesphere-config"] = new() { ["kubesphere.yaml"] = KubeSphereYaml("host", JwtSecret) };

        var owned = new ObjectOwnership("Helm", "ks-core", "kubesphere-system");
        r.ExistingObjects["ConfigMap kubesphere-system/kubesphere-config"] = new ObjectOwnership(null, null, null);
        r.ExistingObjects["ConfigMap kubesphere-system/ks-console-config"] = owned;
        r.ExistingObjects["Deployment kubesphere-system/ks-apiserver"] = owned;
        r.ExistingObjects["GlobalRole/platform-admin"] = new ObjectOwnership(null, null, null);

        r.Counts[CountedKind.Deployments] = 4;
        r.Counts[CountedKind.Services] = 12;
        r.Counts[CountedKind.CustomResourceDefinitions] = 40;
        return r;
    }

    /// <summary>The jwtSecret every healthy fake cluster shares (tests check it is never printed).</summary>
    public const string JwtSecret = "fake-jwt-0123456789abcdef";

    public static string KubeSphereYaml(string role, string? jwt, bool v4 = false) =>
        (jwt is null ? "" : v4 ? $"authentication:\n  issuer:\n    jwtSecret: \"{jwt}\"\n" : $"authentication:\n  jwtSecret: \"{jwt}\"\n")
        + $"multicluster:\n  clusterRole: {role}\n";

    /// <summary>member1 as seen through its own connection (-MemberCluster): only its kubesphere-config matters here.</summary>
    public static InMemoryClusterReader Member(string? jwt = JwtSecret, bool v4 = false)
    {
        var r = new InMemoryClusterReader();
        r.ConfigMaps["kubesphere-system/kubesphere-config"] = new() { ["kubesphere.yaml"] = KubeSphereYaml("member", jwt, v4) };
        return r;
    }

    public const string CaV4 = "C4C4C4";
    public const string CaV3 = "0B0B0B";

    /// <summary>The same host after a successful upgrade to KubeSphere 4.1.3 (chart 1.1.5).</summary>
    public static InMemoryClusterReader HealthyV4Host()
    {
        var r = HealthyKs341Host();
        r.ConfigMaps["kubesphere-system/kubesphere-config"] = new() { ["kubesphere.yaml"] = KubeSphereYaml("host", JwtSecret, v4: true) };
        // the 3.4 webhooks are gone (prepare deleted them); the chart's own point at ks-controller-manager with the new CA
        r.Webhooks.Clear();
        r.Webhooks.Add(new WebhookRow("ValidatingWebhookConfiguration", "users.iam.kubesphere.io", "users.iam.kubesphere.io", null, "kubesphere-system", "ks-controller-manager", "ks-core", CaV4));
        r.Webhooks.Add(new WebhookRow("MutatingWebhookConfiguration", "extensions.kubesphere.io", "extensions.kubesphere.io", null, "kubesphere-system", "ks-controller-manager", "ks-core", CaV4));
        r.Webhooks.Add(new WebhookRow("ValidatingWebhookConfiguration", "applications.kubesphere.io", "applications.kubesphere.io", null, "kubesphere-system", "ks-controller-manager", "ks-core", CaV4));
        r.Deployments.Clear();
        foreach (var d in new[] { "ks-apiserver", "ks-console", "ks-controller-manager" })
            r.Deployments.Add(new DeploymentRow("kubesphere-system", d, 1, 1, true, new[] { $"docker.io/kubesphere/{d}:v4.1.3" }));
        r.Crds.Add(CustomKind.Repository.CrdName);
        r.Crds.Add(CustomKind.InstallPlan.CrdName);
        r.AddCustomObject(CustomKind.Repository, Museum(synced: true));
        r.AddCustomObject(CustomKind.InstallPlan, InstallPlan("gateway", "Installed", ("member1", "Installed")));
        r.AddCustomObject(CustomKind.InstallPlan, InstallPlan("network", "Installed"));
        r.Pods.RemoveAll(p => p.AppLabel == "ks-installer");
        r.HelmReleases.Clear();
        r.HelmReleases.Add(KsCore(1, "superseded"));
        r.HelmReleases.Add(KsCore(2, "superseded"));
        r.HelmReleases.Add(KsCore(3, "deployed", "1.1.5", "v4.1.3"));
        r.HelmReleases.Add(new HelmRelease("kubesphere-router-kubesphere-system", "kubesphere-controls-system", 2, "deployed", "kubesphere-nginx-ingress", "4.12.1", "1.12.1"));
        r.HelmReleases.Add(new HelmRelease("kubesphere-router-kubesphere-system-ingress", "kubesphere-controls-system", 1, "uninstalled", "ingress-nginx", "4.2.5", "1.3.1"));
        return r;
    }

    public static JsonObject Museum(bool synced) => new()
    {
        ["apiVersion"] = "kubesphere.io/v1alpha1", ["kind"] = "Repository",
        ["metadata"] = new JsonObject { ["name"] = "extensions-museum" },
        ["spec"] = new JsonObject { ["url"] = "https://extensions-museum.kubesphere-system.svc" },
        ["status"] = synced ? new JsonObject { ["lastSyncTime"] = "2026-12-05T20:00:00Z" } : new JsonObject { ["lastSyncTime"] = null },
    };

    public static JsonObject InstallPlan(string name, string? state, params (string Cluster, string State)[] members)
    {
        var status = new JsonObject();
        if (state is not null) status["state"] = state;
        if (members.Length > 0)
        {
            var per = new JsonObject();
            foreach (var (c, st) in members) per[c] = new JsonObject { ["state"] = st };
            status["clusterSchedulingStatuses"] = per;
        }
        return new JsonObject
        {
            ["apiVersion"] = "kubesphere.io/v1alpha1", ["kind"] = "InstallPlan",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["enabled"] = true, ["extension"] = new JsonObject { ["name"] = name, ["version"] = "1.0.5" } },
            ["status"] = status,
        };
    }

    public static CheckRequest HealthyRequest(KsCheckPhase? phase = null) => new()
    {
        Phase = phase,
        ChartLocation = "/work/charts/ks-core",
        HelmTimeout = TimeSpan.FromMinutes(60),
        Peers = new[] { new PeerCluster("member1", KsClusterRole.Member, Member()) },
        Values = Engine.Checks.LocalValuesInspector.InspectText(HealthyValues, "ks-core-values.yaml"),
        ChartResources = ChartResources,
        Helm = new FixedHelmProbe(HelmProbeResult.Of("/usr/local/bin/helm", "v3.17.3")),
        ChartRender = new ChartRenderFindings { HelmVersion = "v3.17.3", ChartVersion = "1.1.5", AppVersion = "v4.1.3", PrepareObjects = 3, ReleaseObjects = 40 },
    };

    public static void AddPod(InMemoryClusterReader r, string ns, string name, string node, string status = "Running", string? app = null) =>
        r.Pods.Add(new PodRow(ns, name, node, status == "Completed" ? "Succeeded" : status is "Running" or "CrashLoopBackOff" ? "Running" : "Pending", status, app));

    public static string InstallerLog(bool finished)
    {
        var lines = new List<string>();
        for (var i = 0; i < 40; i++)
            lines.Add($"TASK [ks-core/config : Apply ks-core config] ***** step {i}");
        if (finished)
        {
            lines.Add("#####################################################");
            lines.Add("###              Welcome to KubeSphere!           ###");
            lines.Add("#####################################################");
            lines.Add("Console: http://10.0.0.11:30880");
            lines.Add("Account: admin");
            lines.Add("NOTES:");
            lines.Add("  1. After you log into the console, please check the monitoring status.");
        }
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The fake's cc ks-installer (to edit in place).</summary>
    public static JsonObject CcOf(InMemoryClusterReader r) => r.CustomObjects[CustomKind.ClusterConfiguration.CrdName][0];

    public static JsonObject Cc(string version, string role, string endpointIps) => new()
    {
        ["apiVersion"] = "installer.kubesphere.io/v1alpha1",
        ["kind"] = "ClusterConfiguration",
        ["metadata"] = new JsonObject
        {
            ["name"] = "ks-installer",
            ["namespace"] = "kubesphere-system",
            ["labels"] = new JsonObject { ["version"] = version },
        },
        ["spec"] = new JsonObject
        {
            ["etcd"] = new JsonObject { ["monitoring"] = false, ["endpointIps"] = endpointIps, ["port"] = 2379 },
            ["multicluster"] = new JsonObject { ["clusterRole"] = role },
            // the guide's values enable the network job: it upgrades network policies
            ["network"] = new JsonObject { ["networkpolicy"] = new JsonObject { ["enabled"] = true }, ["ippool"] = new JsonObject { ["type"] = "none" } },
        },
        ["status"] = new JsonObject
        {
            ["core"] = new JsonObject { ["status"] = "enabled", ["version"] = version, ["enabledTime"] = "2024-05-01T10:00:00UTC" },
            ["redis"] = new JsonObject { ["status"] = "enabled", ["enabledTime"] = "2024-05-01T10:00:00UTC" },
            ["multicluster"] = new JsonObject { ["status"] = "enabled", ["enabledTime"] = "2024-05-01T10:00:00UTC" },
        },
    };

    public static JsonObject Cluster(string name, bool isHost, bool ready, bool schedulableFalse = false)
    {
        var conditions = new JsonArray
        {
            new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False", ["reason"] = ready ? "Ready" : "AgentUnavailable" },
        };
        if (schedulableFalse)
            conditions.Add(new JsonObject { ["type"] = "Schedulable", ["status"] = "False", ["reason"] = "Upgrading", ["message"] = "Not schedulable now" });
        var labels = new JsonObject();
        if (isHost)
            labels[KsNames.HostClusterLabel] = "";
        return new JsonObject
        {
            ["apiVersion"] = "cluster.kubesphere.io/v1alpha1",
            ["kind"] = "Cluster",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
            ["status"] = new JsonObject { ["conditions"] = conditions, ["kubernetesVersion"] = "v1.26.15", ["kubeSphereVersion"] = "v3.4.1" },
        };
    }
}
