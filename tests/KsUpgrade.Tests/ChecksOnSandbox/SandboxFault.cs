using System.Text.Json.Nodes;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.Seeds;

namespace KsUpgrade.Tests.ChecksOnSandbox;

/// <summary>
/// One fault injected alone into the healthy ks34-host seed, and what docs/checks.md says it must change:
/// check <see cref="CheckId"/> gets <see cref="Status"/> and names <see cref="Offender"/>; the checks in
/// <see cref="SkippedDependents"/> become Skipped; every other check keeps its healthy status.
/// </summary>
public sealed record SandboxFault(
    string Name,
    string CheckId,
    KsCheckStatus Status,
    string Offender,
    string[] SkippedDependents,
    Func<SeedCluster, SeedCluster>? EditSeed = null,
    Action<SandboxHost>? AfterStart = null,
    Func<CheckRequest, CheckRequest>? EditRequest = null)
{
    public override string ToString() => Name;
}

/// <summary>The faults of issue 4's test list, each as a real change to the sandbox (or to the run's inputs).</summary>
public static class SandboxFaults
{
    public const string NotReadyNode = "host-worker-2";
    public const string InstallerPod = "ks-installer-bspc6bvx7x-kcsn9";
    public const string NotReadyMember = "member1";
    private const string LogAnnotation = "sandbox.ksupgrade.io/log";

    public static IReadOnlyList<SandboxFault> All { get; } = new SandboxFault[]
    {
        new("NotReadyNode", "NodesReady", KsCheckStatus.Failed, NotReadyNode, [],
            AfterStart: host => host.SetNodeReady(SandboxChecks.Cluster, NotReadyNode, ready: false)),

        new("NoDefaultStorageClass", "DefaultStorageClass", KsCheckStatus.Failed, "local", [],
            EditSeed: seed =>
            {
                var annotations = (JsonObject)SandboxChecks.Find(seed, "StorageClass", null, "local")["metadata"]!["annotations"]!;
                Assert.True(annotations.Remove("storageclass.kubernetes.io/is-default-class"));
                return seed;
            }),

        new("Kubernetes120", "KubernetesVersion", KsCheckStatus.Failed, "v1.20.15", ["KubernetesVersionSupported"],
            EditSeed: seed => SandboxChecks.WithKubernetesVersion(seed, "v1.20.15")),

        new("KubeSphere332", "KubeSphereVersion", KsCheckStatus.Failed, "v3.3.2", [],
            EditSeed: seed =>
            {
                SandboxChecks.Find(seed, "ClusterConfiguration", "kubesphere-system", "ks-installer")["metadata"]!["labels"]!["version"] = "v3.3.2";
                return seed;
            }),

        // docs/checks.md: KubeSphereVersion, ClusterRole, EtcdEndpoints and UpgradeJobsMatchComponents are "Skipped: no cc".
        new("NoClusterConfiguration", "ClusterConfiguration", KsCheckStatus.Failed, "ks-installer",
            ["KubeSphereVersion", "ClusterRole", "EtcdEndpoints", "UpgradeJobsMatchComponents"],
            EditSeed: seed =>
            {
                Assert.True(seed.Objects.Remove(SandboxChecks.Find(seed, "ClusterConfiguration", "kubesphere-system", "ks-installer")));
                return seed;
            }),

        // ks-installer mid-run, as its cc shows it: devops enabled in the spec, no status written for it yet
        new("InstallerRunning", "KsInstallerIdle", KsCheckStatus.Failed, "devops", [],
            EditSeed: seed =>
            {
                SandboxChecks.Find(seed, "ClusterConfiguration", "kubesphere-system", "ks-installer")["spec"]!["devops"]!["enabled"] = true;
                return seed;
            }),

        // no cc status to go by: the log tail decides, and it stops before the banner
        new("InstallerRunningNoCcStatus", "KsInstallerIdle", KsCheckStatus.Failed, InstallerPod, [],
            EditSeed: seed =>
            {
                Assert.True(SandboxChecks.Find(seed, "ClusterConfiguration", "kubesphere-system", "ks-installer").Remove("status"));
                var pod = SandboxChecks.Find(seed, "Pod", "kubesphere-system", InstallerPod);
                var annotations = (JsonObject)pod["metadata"]!["annotations"]!;
                var log = (string)annotations[LogAnnotation]!;
                Assert.Contains("Welcome to KubeSphere!", log);
                // The installer is still at its tasks: the log stops before the banner.
                var cut = log[..log.IndexOf("Welcome to KubeSphere!", StringComparison.Ordinal)];
                cut = cut[..(cut.LastIndexOf('\n') + 1)];
                annotations[LogAnnotation] = cut + "TASK [ks-core/prepare : KubeSphere | Creating KubeSphere directory] *****\n";
                return seed;
            }),

        // the values name a StorageClass no PVC has ever bound with: nothing shows its provisioner works
        new("PvcClassUnproven", "UpgradePvcBindable", KsCheckStatus.Warning, "nfs-new", [],
            EditSeed: seed =>
            {
                var sc = (JsonObject)SandboxChecks.Find(seed, "StorageClass", null, "local").DeepClone();
                sc["metadata"] = new JsonObject { ["name"] = "nfs-new" };
                sc["provisioner"] = "nfs.csi.k8s.io";
                seed.Objects.Add(sc);
                return seed;
            },
            EditRequest: req => Copy(req, values: LocalValuesInspector.InspectText(GuideValues.WithStorageClass("nfs-new"), "ks-core-values.yaml"))),

        // a ks-upgrade PVC left Pending by an earlier attempt (its class is gone): the jobs would wait for it
        new("UpgradePvcPending", "UpgradePvcBindable", KsCheckStatus.Failed, "kubesphere-system/ks-upgrade", [],
            EditSeed: seed =>
            {
                seed.Objects.Add(new JsonObject
                {
                    ["apiVersion"] = "v1", ["kind"] = "PersistentVolumeClaim",
                    ["metadata"] = new JsonObject { ["name"] = "ks-upgrade", ["namespace"] = "kubesphere-system" },
                    ["spec"] = new JsonObject
                    {
                        ["accessModes"] = new JsonArray("ReadWriteOnce"), ["storageClassName"] = "removed-class",
                        ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "5Gi" } },
                    },
                    ["status"] = new JsonObject { ["phase"] = "Pending" },
                });
                return seed;
            }),

        new("ChartMissing", "ChartAvailable", KsCheckStatus.Failed, "charts.kubesphere.io", [],
            EditRequest: req => Copy(req, chart: Engine.Charts.KsCoreChartLocation.DefaultUrl)),

        new("HelmTimeoutShort", "HelmTimeoutSufficient", KsCheckStatus.Warning, "-Timeout 30 min", [],
            EditRequest: req => Copy(req, timeout: TimeSpan.FromMinutes(30))),

        new("PendingKsCore", "KsCoreReleaseNotPending", KsCheckStatus.Failed, "sh.helm.release.v1.ks-core.v2", [],
            AfterStart: host => host.SetHelmReleaseStatus(SandboxChecks.Cluster, "kubesphere-system", "ks-core", "pending-upgrade")),

        new("MemberNotReady", "MembersReady", KsCheckStatus.Failed, NotReadyMember, [],
            EditSeed: seed =>
            {
                var cluster = SandboxChecks.Find(seed, "Cluster", null, NotReadyMember);
                var ready = ((JsonArray)cluster["status"]!["conditions"]!).OfType<JsonObject>().Single(c => (string?)c["type"] == "Ready");
                ready["status"] = "False";
                ready["reason"] = "AgentUnavailable";
                ready["message"] = "The agent of the member cluster is not connected";
                return seed;
            }),

        new("AdoptionConflict", "ChartAdoption", KsCheckStatus.Failed, SandboxChecks.NewClusterRole, [],
            EditSeed: seed =>
            {
                // Created by hand before the upgrade: no managed-by label, no meta.helm.sh annotations.
                seed.Objects.Add(new JsonObject
                {
                    ["apiVersion"] = "rbac.authorization.k8s.io/v1",
                    ["kind"] = "ClusterRole",
                    ["metadata"] = new JsonObject { ["name"] = SandboxChecks.NewClusterRole },
                    ["rules"] = new JsonArray(),
                });
                return seed;
            }),

        new("MalformedValues", "ValuesFile", KsCheckStatus.Failed, "broken-values.yaml", ["UpgradeJobsMatchComponents"],
            EditRequest: req => Copy(req, values: LocalValuesInspector.InspectText("upgrade:\n  enabled: [true\n", "broken-values.yaml"))),

        new("WebhookByUrl", "WebhookServiceRefs", KsCheckStatus.Failed, "audit-sink", [],
            EditSeed: seed =>
            {
                var wh = new JsonObject
                {
                    ["apiVersion"] = "admissionregistration.k8s.io/v1", ["kind"] = "MutatingWebhookConfiguration",
                    ["metadata"] = new JsonObject { ["name"] = "audit-sink" },
                    ["webhooks"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "audit.example.io", ["admissionReviewVersions"] = new JsonArray("v1"), ["sideEffects"] = "None",
                        ["clientConfig"] = new JsonObject { ["url"] = "https://audit.example.io/hook" },
                    }),
                };
                seed.Objects.Add(wh);
                return seed;
            }),
        new("SaTokenMissing", "KubeSphereServiceAccountToken", KsCheckStatus.Failed, "kubesphere", [],
            EditSeed: seed =>
            {
                Assert.True(seed.Objects.Remove(SandboxChecks.Find(seed, "Secret", "kubesphere-system", "kubesphere-sa-token")));
                return seed;
            }),
        // the guide's values enable the network job on a cluster whose cc has neither network policy nor a calico ippool
        new("NetworkPolicyOff", "UpgradeJobsMatchComponents", KsCheckStatus.Warning, "network", [],
            EditSeed: seed =>
            {
                var cc = SandboxChecks.Find(seed, "ClusterConfiguration", "kubesphere-system", "ks-installer");
                Assert.Equal(true, (bool?)cc["spec"]!["network"]!["networkpolicy"]!["enabled"]);
                cc["spec"]!["network"]!["networkpolicy"]!["enabled"] = false;
                return seed;
            }),
        new("ChartDoesNotRender", "ChartRenders", KsCheckStatus.Failed, "Widget widgets.example.io/v1", [],
            EditRequest: req => Copy(req, render: Unrenderable(req))),
        new("HelmMissing", "HelmVersion", KsCheckStatus.Failed, "helm", [],
            EditRequest: req => Copy(req, helm: new FixedHelmProbe(HelmProbeResult.NotFound("helm was not found on PATH")))),
    };

    /// <summary>The render proof found a kind nothing serves (what helm 4 hit with GlobalRole v1beta1 before the fix).</summary>
    private static ChartRenderFindings Unrenderable(CheckRequest req) => req.ChartRender! with
    {
        Problems = new[] { "The release renders kinds the cluster does not serve and no CRD of the chart provides: Widget widgets.example.io/v1; helm would fail on them." },
        Remedy = "Nothing was changed. Fix what the message names, then run Test-KsCluster -Chart again.",
    };

    public static SandboxFault Get(string name) => All.Single(f => f.Name == name);

    private static CheckRequest Copy(CheckRequest req, ValuesFindings? values = null, IHelmProbe? helm = null, ChartRenderFindings? render = null,
        string? chart = null, TimeSpan? timeout = null) => new()
    {
        Phase = req.Phase,
        ChartLocation = chart ?? req.ChartLocation,
        HelmTimeout = timeout ?? req.HelmTimeout,
        Peers = req.Peers,
        Values = values ?? req.Values,
        ChartResources = req.ChartResources,
        ChartRender = render ?? req.ChartRender,
        Helm = helm ?? req.Helm,
        TargetChartVersion = req.TargetChartVersion,
        TargetAppVersion = req.TargetAppVersion,
    };
}
