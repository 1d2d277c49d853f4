using KsUpgrade.Engine.Kube;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using KsUpgrade.Engine.Checks;

namespace KsUpgrade.Tests.Checks;

/// <summary>KubeClusterReader through real KubernetesClient HTTP calls, against <see cref="StubApiHandler"/>.</summary>
public class KubeClusterReaderTests
{
    private const int PodCount = 1_100;

    private static (KubeClusterReader Reader, StubApiHandler Api) Build(Action<StubApiHandler>? change = null)
    {
        var api = new StubApiHandler();
        api.Version = new JsonObject { ["major"] = "1", ["minor"] = "26", ["gitVersion"] = "v1.26.15+k3s1" };
        foreach (var (name, role) in new[] { ("master1", "control-plane"), ("worker1", "worker"), ("worker2", "worker") })
            api.Add("/api/v1/nodes", Node(name, role, ready: true));
        foreach (var ns in FakeClusters.SystemNamespaces)
            api.Add("/api/v1/namespaces", Obj(ns, null, ("kubesphere.io/workspace", "system-workspace")));
        api.Add("/api/v1/namespaces", Obj("demo", null));
        for (var i = 0; i < PodCount; i++)
            api.Add("/api/v1/pods", Pod("kube-system", $"filler-{i}", $"worker{1 + i % 2}", "Running"));
        var installer = Pod("kubesphere-system", "ks-installer-abc", "master1", "Running");
        installer["metadata"]!["labels"] = new JsonObject { ["app"] = "ks-installer" };
        api.Add("/api/v1/pods", installer);
        api.Logs["/api/v1/namespaces/kubesphere-system/pods/ks-installer-abc"] = FakeClusters.InstallerLog(finished: true);
        api.Add("/apis/storage.k8s.io/v1/storageclasses", StorageClass("local", isDefault: true));
        var claim = Obj("redis-pvc", "kubesphere-system");
        claim["spec"] = new JsonObject { ["storageClassName"] = "local" };
        claim["status"] = new JsonObject { ["phase"] = "Bound" };
        api.Add("/api/v1/persistentvolumeclaims", claim);
        api.Add("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Obj("clusterconfigurations.installer.kubesphere.io", null));
        api.Add("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Obj("clusters.cluster.kubesphere.io", null));
        api.Add("/apis/installer.kubesphere.io/v1alpha1/namespaces/kubesphere-system/clusterconfigurations", FakeClusters.Cc("v3.4.1", "host", "localhost"));
        api.Add("/apis/cluster.kubesphere.io/v1alpha1/clusters", FakeClusters.Cluster("host", isHost: true, ready: true));
        api.Add("/apis/cluster.kubesphere.io/v1alpha1/clusters", FakeClusters.Cluster("member1", isHost: false, ready: true));
        api.Add("/api/v1/namespaces/kube-system/endpoints", Endpoints("etcd", "10.0.0.11"));
        api.Add("/api/v1/namespaces/kubesphere-system/secrets", ReleaseSecret("ks-core", "kubesphere-system", 1, "superseded", "0.1.0", "v3.3.2", gzip: true));
        api.Add("/api/v1/namespaces/kubesphere-system/secrets", ReleaseSecret("ks-core", "kubesphere-system", 2, "deployed", "0.1.0", "v3.3.2", gzip: false));
        api.Add("/api/v1/namespaces/kubesphere-system/configmaps", ConfigMap("kubesphere-config", "kubesphere.yaml", "multicluster:\n  clusterRole: host\n"));
        var token = Obj("kubesphere-sa-token", "kubesphere-system");
        token["type"] = "kubernetes.io/service-account-token";
        token["metadata"]!["annotations"] = new JsonObject { ["kubernetes.io/service-account.name"] = "kubesphere" };
        token["data"] = new JsonObject { ["token"] = Convert.ToBase64String("sandbox-token"u8.ToArray()) };
        api.Add("/api/v1/namespaces/kubesphere-system/secrets", token);
        var webhook = Obj("users.iam.kubesphere.io", null);
        webhook["webhooks"] = new JsonArray(new JsonObject
        {
            ["name"] = "users.iam.kubesphere.io", ["admissionReviewVersions"] = new JsonArray("v1"), ["sideEffects"] = "None",
            ["clientConfig"] = new JsonObject { ["service"] = new JsonObject { ["name"] = "ks-controller-manager", ["namespace"] = "kubesphere-system" } },
        });
        api.Add("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", webhook);
        foreach (var d in new[] { "ks-apiserver", "ks-console", "ks-controller-manager" })
            api.Add("/apis/apps/v1/namespaces/kubesphere-system/deployments", Deployment(d));
        for (var i = 0; i < 7; i++)
            api.Add("/apis/apps/v1/deployments", Obj($"d{i}", "default"));
        foreach (var p in new[] { "/api/v1/services", "/apis/networking.k8s.io/v1/ingresses", "/apis/apps/v1/statefulsets", "/apis/apps/v1/daemonsets",
                     "/apis/apps/v1/replicasets", "/apis/batch/v1/cronjobs", "/apis/autoscaling/v2/horizontalpodautoscalers",
                     "/api/v1/persistentvolumes", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations" })
            api.Serve(p);
        change?.Invoke(api);
        var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://stub.invalid" }, api);
        return (new KubeClusterReader(new KubeApi(client, "stub", "http://stub.invalid")), api);
    }

    private static CheckRequest Request => new() { Helm = new FixedHelmProbe(HelmProbeResult.Of("/usr/bin/helm", "v3.17.3")), HelmTimeout = TimeSpan.FromMinutes(60) };

    [Fact]
    public async Task FullPreflight_OverHttp_Passes_PaginatesAndOnlyReads()
    {
        var (reader, api) = Build();
        var report = await new ClusterChecker(reader).RunAsync(Request, null, CancellationToken.None);

        // no -ValuesPath, no -Chart, no other cluster; MemberExtensionCharts is about members
        var notGiven = new[] { "ChartAvailable", "ValuesFile", "ChartRenders", "ChartAdoption", "JwtSecretConsistent", "MemberExtensionCharts", "UpgradeJobsMatchComponents", "ImagesPullable" };
        Assert.All(report.Checks, c => Assert.True(
            c.Status == (notGiven.Contains(c.Id) ? KsCheckStatus.Skipped : KsCheckStatus.Passed), $"{c.Id}: {c.Status} {c.Message}"));
        Assert.True(report.Passed);
        Assert.Equal("v1.26.15+k3s1", report.KubernetesVersion);
        Assert.Equal(KsClusterRole.Host, report.ClusterRole);

        // 1,101 pods = 3 pages of 500: one paginated LIST, no per-pod GETs (the cc status shows ks-installer idle: no log tail either).
        var podPages = api.Requests.Where(r => r.PathAndQuery.StartsWith("/api/v1/pods?", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, podPages.Count);
        Assert.All(podPages, p => Assert.Contains("limit=500", p.PathAndQuery));
        Assert.Equal(2, podPages.Count(p => p.PathAndQuery.Contains("continue=")));
        Assert.DoesNotContain(api.Requests, r => r.PathAndQuery.Contains("/pods/", StringComparison.Ordinal));
        Assert.StartsWith("From the cc status", report["KsInstallerIdle"]!.Message);
        Assert.Equal(2, api.Count("/api/v1/persistentvolumeclaims")); // the inventory count (limit=1) and UpgradePvcBindable's one LIST
        Assert.Equal(1, api.Count("/api/v1/nodes"));
        Assert.DoesNotContain(api.Requests, r => r.PathAndQuery.StartsWith("/api/v1/nodes/", StringComparison.Ordinal));
        Assert.All(api.Requests, r => Assert.Equal("GET", r.Method));

        Assert.Equal(PodCount + 1, report.Inventory.ObjectCounts.Single(c => c.Kind == "Pods").Count);
        Assert.Equal(PodCount / 2, report.Inventory.Nodes.Single(n => n.Name == "worker1").PodCount);
        Assert.Equal(7L, report.Inventory.ObjectCounts.Single(c => c.Kind == "Deployments").Count);
        Assert.Empty(report.Inventory.Gaps);
    }

    [Fact]
    public async Task ReleaseSecrets_AreDecoded_GzipAndPlain()
    {
        var (reader, api) = Build();
        var rows = await reader.ListHelmReleasesAsync(new HelmReleaseQuery("kubesphere-system", "ks-core"), CancellationToken.None);
        Assert.Equal(new[] { (1, "superseded"), (2, "deployed") }, rows.OrderBy(r => r.Revision).Select(r => (r.Revision, r.Status)).ToArray());
        Assert.All(rows, r => Assert.Equal(("ks-core", "0.1.0", "v3.3.2"), (r.ChartName, r.ChartVersion, r.AppVersion)));
        Assert.Contains(api.Requests, r => r.PathAndQuery.Contains("labelSelector=owner%3Dhelm%2Cname%3Dks-core") || r.PathAndQuery.Contains("labelSelector=owner=helm,name=ks-core"));
    }

    [Fact]
    public async Task Forbidden_And_NotServed_AreMapped()
    {
        var (reader, _) = Build(api =>
        {
            api.ForbiddenPaths.Add("/api/v1/nodes");
            api.ForbiddenPaths.Add("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/clusterconfigurations");
        });
        var denied = await Assert.ThrowsAsync<ClusterReadException>(() => reader.ListNodesAsync(CancellationToken.None));
        Assert.Equal(ClusterReadFailure.Forbidden, denied.Failure);
        Assert.Contains("not permitted", denied.Message);

        var report = await new ClusterChecker(reader).RunAsync(Request, null, CancellationToken.None);
        Assert.Equal(KsCheckStatus.Warning, report["NodesReady"]!.Status);
        Assert.Equal(KsCheckStatus.Passed, report["ClusterConfiguration"]!.Status); // CRD read forbidden: the cc is read directly
    }

    [Fact]
    public async Task MissingCcKind_SaysNotServed()
    {
        var (served, _) = Build();
        Assert.True(await served.CrdExistsAsync(CustomKind.ClusterConfiguration.CrdName, CancellationToken.None));
        Assert.NotNull(await served.GetCustomObjectAsync(CustomKind.ClusterConfiguration, "kubesphere-system", "ks-installer", CancellationToken.None));

        var (reader, _) = Build(api => api.Remove("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "clusterconfigurations.installer.kubesphere.io"));
        Assert.False(await reader.CrdExistsAsync(CustomKind.ClusterConfiguration.CrdName, CancellationToken.None));
        var report = await new ClusterChecker(reader).RunAsync(Request, null, CancellationToken.None);
        Assert.Equal(KsCheckStatus.Failed, report["ClusterConfiguration"]!.Status);
        Assert.Contains("ClusterConfiguration not served", report["ClusterConfiguration"]!.Message);
    }

    [Fact]
    public async Task Count_UsesRemainingItemCount_OrPagesWithoutIt()
    {
        var (reader, api) = Build();
        Assert.Equal(PodCount + 1, await reader.CountAsync(CountedKind.Pods, CancellationToken.None));
        Assert.Equal(1, api.Count("/api/v1/pods"));

        var (reader2, api2) = Build(a => a.SendRemainingItemCount = false);
        Assert.Equal(PodCount + 1, await reader2.CountAsync(CountedKind.Pods, CancellationToken.None));
        Assert.Equal(4, api2.Count("/api/v1/pods")); // limit=1, then 500 + 500 + 100
    }

    [Fact]
    public async Task Ownership_ReadsHelmMetadata_ForCoreAndCustomKinds()
    {
        var (reader, _) = Build(api =>
        {
            var cm = ConfigMap("ks-console-config", "x", "y");
            cm["metadata"]!["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "Helm" };
            cm["metadata"]!["annotations"] = new JsonObject { ["meta.helm.sh/release-name"] = "ks-core", ["meta.helm.sh/release-namespace"] = "kubesphere-system" };
            api.Add("/api/v1/namespaces/kubesphere-system/configmaps", cm);
            api.Add("/apis/iam.kubesphere.io/v1beta1/globalroles", Obj("platform-admin", null));
        });
        var owned = await reader.GetOwnershipAsync(new ChartResourceRef("v1", "ConfigMap", "kubesphere-system", "ks-console-config"), CancellationToken.None);
        Assert.True(owned!.IsOwnedBy("ks-core", "kubesphere-system"));
        var role = await reader.GetOwnershipAsync(new ChartResourceRef("iam.kubesphere.io/v1beta1", "GlobalRole", null, "platform-admin"), CancellationToken.None);
        Assert.NotNull(role);
        Assert.False(role!.IsOwnedBy("ks-core", "kubesphere-system"));
        Assert.Null(await reader.GetOwnershipAsync(new ChartResourceRef("iam.kubesphere.io/v1beta1", "GlobalRole", null, "nope"), CancellationToken.None));
    }

    [Theory]
    [InlineData("GlobalRole", "globalroles")]
    [InlineData("Repository", "repositories")]
    [InlineData("Ingress", "ingresses")]
    [InlineData("Gateway", "gateways")]
    public void Pluralize(string kind, string plural) => Assert.Equal(plural, KubeClusterReader.Pluralize(kind));

    // ---- object builders ----

    private static JsonObject Obj(string name, string? ns, params (string Key, string Value)[] labels)
    {
        var meta = new JsonObject { ["name"] = name };
        if (ns is not null) meta["namespace"] = ns;
        if (labels.Length > 0) meta["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        return new JsonObject { ["metadata"] = meta };
    }

    private static JsonObject Node(string name, string role, bool ready)
    {
        var n = Obj(name, null, ($"node-role.kubernetes.io/{role}", ""));
        n["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
            ["nodeInfo"] = new JsonObject { ["kubeletVersion"] = "v1.26.15+k3s1", ["osImage"] = "Ubuntu 22.04", ["containerRuntimeVersion"] = "containerd://1.7.13" },
        };
        return n;
    }

    private static JsonObject Pod(string ns, string name, string node, string phase)
    {
        var p = Obj(name, ns);
        p["spec"] = new JsonObject { ["nodeName"] = node, ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "i" }) };
        p["status"] = new JsonObject { ["phase"] = phase };
        return p;
    }

    private static JsonObject StorageClass(string name, bool isDefault)
    {
        var sc = Obj(name, null);
        if (isDefault) sc["metadata"]!["annotations"] = new JsonObject { ["storageclass.kubernetes.io/is-default-class"] = "true" };
        sc["provisioner"] = "openebs.io/local";
        return sc;
    }

    private static JsonObject Endpoints(string name, params string[] ips)
    {
        var e = Obj(name, "kube-system");
        e["subsets"] = new JsonArray(new JsonObject { ["addresses"] = new JsonArray(ips.Select(ip => (JsonNode)new JsonObject { ["ip"] = ip }).ToArray()) });
        return e;
    }

    private static JsonObject ConfigMap(string name, string key, string value)
    {
        var cm = Obj(name, "kubesphere-system");
        cm["data"] = new JsonObject { [key] = value };
        return cm;
    }

    private static JsonObject Deployment(string name)
    {
        var d = Obj(name, "kubesphere-system");
        d["spec"] = new JsonObject { ["replicas"] = 1 };
        d["status"] = new JsonObject
        {
            ["availableReplicas"] = 1,
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Available", ["status"] = "True" }),
        };
        return d;
    }

    internal static JsonObject ReleaseSecret(string release, string ns, int revision, string status, string chartVersion, string appVersion, bool gzip)
    {
        var json = new JsonObject
        {
            ["name"] = release, ["namespace"] = ns, ["version"] = revision,
            ["info"] = new JsonObject { ["status"] = status },
            ["chart"] = new JsonObject { ["metadata"] = new JsonObject { ["name"] = release, ["version"] = chartVersion, ["appVersion"] = appVersion } },
            ["manifest"] = "---\n# Source: ks-core/templates/x.yaml\napiVersion: v1\nkind: ConfigMap\n",
        }.ToJsonString();
        var bytes = Encoding.UTF8.GetBytes(json);
        if (gzip)
        {
            using var buffer = new MemoryStream();
            using (var z = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
                z.Write(bytes);
            bytes = buffer.ToArray();
        }
        var helmEncoded = Convert.ToBase64String(bytes);                                  // helm's own base64
        var secretData = Convert.ToBase64String(Encoding.ASCII.GetBytes(helmEncoded));   // the Secret API's base64
        var s = Obj($"sh.helm.release.v1.{release}.v{revision}", ns, ("owner", "helm"), ("name", release), ("status", status), ("version", revision.ToString()));
        s["type"] = "helm.sh/release.v1";
        s["data"] = new JsonObject { ["release"] = secretData };
        return s;
    }
}
