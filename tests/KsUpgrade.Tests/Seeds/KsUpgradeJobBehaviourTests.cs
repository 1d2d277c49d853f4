using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Seeds.Ks34;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Tests.Seeds;

public class KsUpgradeJobBehaviourTests
{
    private const string Ns = "kubesphere-system";
    private const string Cc = "kubesphere-controls-system";

    private const string GuideConfig = """
        storage:
          local:
            path: /tmp/ks-upgrade
        validator:
          ksVersion:
            enabled: true
          extensionsMuseum:
            enabled: true
            namespace: kubesphere-system
            name: extensions-museum
            syncInterval: 0
            watchTimeout: 30m
        jobs:
          network:
            enabled: true
            priority: 100
            extensionRef: {name: network, version: 1.1.0}
          gateway:
            enabled: true
            priority: 90
            extensionRef: {name: gateway, version: 1.0.5}
        """;

    /// <summary>A Job shaped like the chart's ks-upgrade jobs.</summary>
    internal static JsonObject Job(string name, string phase, string? configMap, string? claim, string image = "docker.io/kubesphere/ks-upgrade:v4.1.3")
    {
        var command = new List<string> { "ks-upgrade", phase, "--logtostderr=true", "--config=/etc/kubesphere/config.yaml" };
        var volumes = new JsonArray();
        var mounts = new JsonArray();
        if (configMap is not null)
        {
            command.Add("--config=/etc/kubesphere/config-patch.yaml");
            volumes.Add(new JsonObject { ["name"] = "config", ["configMap"] = new JsonObject { ["name"] = configMap, ["defaultMode"] = 420 } });
            mounts.Add(new JsonObject { ["name"] = "config", ["mountPath"] = "/etc/kubesphere/config-patch.yaml", ["subPath"] = "config-patch.yaml" });
        }
        if (claim is not null)
        {
            volumes.Add(new JsonObject { ["name"] = "data", ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = claim } });
            mounts.Add(new JsonObject { ["name"] = "data", ["mountPath"] = "/tmp/ks-upgrade" });
        }
        var container = K8s.Container(phase + "-job", image);
        container["command"] = Json.StringArray(command);
        container["volumeMounts"] = mounts;
        var job = K8s.Object("batch/v1", "Job", name, Ns);
        job["spec"] = new JsonObject
        {
            ["backoffLimit"] = 0,
            ["template"] = new JsonObject { ["spec"] = new JsonObject { ["restartPolicy"] = "Never", ["serviceAccountName"] = "kubesphere", ["containers"] = Json.Array(container), ["volumes"] = volumes } },
        };
        return job;
    }

    private static InMemoryClusterView HostView(string config = GuideConfig)
    {
        var view = InMemoryClusterView.From(SeedCatalog.Load("ks34-host").Single());
        AddUpgradePrereqs(view, config);
        return view;
    }

    internal static void AddUpgradePrereqs(InMemoryClusterView view, string config)
    {
        var (pvc, _) = K8s.BoundClaim(Ns, "ks-upgrade", "5Gi", "local");
        view.Upsert(pvc);
        foreach (var cm in new[] { "ks-upgrade-prepare-config", "ks-core-upgrade-config" })
            view.Upsert(K8s.ConfigMap(Ns, cm, new JsonObject { ["config-patch.yaml"] = config }));
    }

    /// <summary>What the 4.1 chart brings before post-upgrade: its CRDs and the museum Repository.</summary>
    private static void AddChartCrdsAndMuseum(InMemoryClusterView view)
    {
        view.Upsert(Crds.Simple("kubesphere.io", "v1alpha1", "InstallPlan", "installplans", false, statusSubresource: true));
        view.Upsert(Crds.Simple("kubesphere.io", "v1alpha1", "Repository", "repositories", false, statusSubresource: true));
        var repo = K8s.Object("kubesphere.io/v1alpha1", "Repository", "extensions-museum");
        repo["spec"] = new JsonObject { ["url"] = "https://extensions-museum.kubesphere-system.svc" };
        view.Upsert(repo);
    }

    private static JobOutcome Run(ISandboxClusterView view, JsonObject job, KsUpgradeJobBehaviour? b = null) =>
        (b ?? new KsUpgradeJobBehaviour()).OnJobRun(job, view) ?? throw new Xunit.Sdk.XunitException("behaviour ignored a ks-upgrade job");

    private static string Log(JobOutcome o) => string.Join("\n", o.LogLines);

    private static void DynamicConfig(InMemoryClusterView view, string gateway) =>
        view.Upsert(K8s.ConfigMap(Ns, "ks-upgrade-dynamic-config", new JsonObject
        {
            ["config-patch.yaml"] = $"jobs:\n  gateway:\n    enabled: true\n    dynamicOptions:\n      gatewayName: {gateway}\n",
        }));

    [Theory]
    [InlineData("busybox:1.36")]
    [InlineData("docker.io/kubesphere/ks-installer:v3.4.1")]
    [InlineData("docker.io/other/ks-upgrade:v4.1.3")]
    public void Ignores_jobs_not_running_ks_upgrade(string image)
    {
        Assert.Null(new KsUpgradeJobBehaviour().OnJobRun(Job("x", "prepare-upgrade", null, null, image), HostView()));
    }

    [Theory]
    [InlineData("docker.io/kubesphere/ks-upgrade:v4.1.3")]
    [InlineData("registry.example.local:5000/mirror/kubesphere/ks-upgrade:v4.1.3-patch1")]
    [InlineData("kubesphere/ks-upgrade:latest")]
    public void Recognises_ks_upgrade_images_from_any_registry(string image) =>
        Assert.True(KsUpgradeInvocation.IsKsUpgradeImage(image));

    [Fact]
    public void Prepare_on_a_34_host_adopts_objects_scales_down_and_records_marker()
    {
        var view = HostView();
        var outcome = Run(view, Job("prepare-upgrade", "prepare-upgrade", "ks-upgrade-prepare-config", "ks-upgrade"));
        Assert.True(outcome.Succeeded, Log(outcome));
        Assert.Contains("appVersion v3.3.2, continue", Log(outcome));
        Assert.DoesNotContain("skipping", Log(outcome));

        Assert.Equal(0, view.Get("apps/v1", "deployments", Ns, "ks-apiserver")!["spec"]!["replicas"]!.GetValue<int>());
        var cfg = view.Get("v1", "configmaps", Ns, "kubesphere-config")!;
        Assert.Equal("Helm", cfg.Str("metadata", "labels", "app.kubernetes.io/managed-by"));
        Assert.Equal("ks-core", cfg.Str("metadata", "annotations", "meta.helm.sh/release-name"));
        Assert.Equal("ks-core", view.Get("iam.kubesphere.io/v1alpha2", "globalroles", null, "platform-admin").Str("metadata", "annotations", "meta.helm.sh/release-name"));
        var rel = HelmReleaseSecret.Decode(view.Get("v1", "secrets", Ns, "sh.helm.release.v1.ks-core.v2")!);
        Assert.Contains("kind: ConfigMap\nmetadata:\n  name: kubesphere-config", rel.Manifest);
        Assert.Contains("name: extensions-museum", rel.Manifest);
        Assert.Equal("deployed", rel.Status);
        Assert.Null(view.Get("admissionregistration.k8s.io/v1", "validatingwebhookconfigurations", null, "users.iam.kubesphere.io"));
        Assert.DoesNotContain(view.List("v1", "namespaces"), n => n["metadata"]?["ownerReferences"] is not null);
        var storage = view.Get("v1", "persistentvolumeclaims", Ns, "ks-upgrade").Str("metadata", "annotations", KsUpgradeRun.StorageAnnotation)!;
        Assert.Contains("iam-upgrade-status-prepare-upgrade", storage);
    }

    [Fact]
    public void Prepare_without_data_volume_succeeds_but_keeps_no_backup()
    {
        var view = HostView();
        var outcome = Run(view, Job("prepare-upgrade", "prepare-upgrade", "ks-upgrade-prepare-config", claim: null));
        Assert.True(outcome.Succeeded, Log(outcome));
        Assert.Null(view.Get("v1", "persistentvolumeclaims", Ns, "ks-upgrade").Str("metadata", "annotations", KsUpgradeRun.StorageAnnotation));
        Assert.Contains("(container filesystem)", Log(outcome));
    }

    [Fact]
    public void Prepare_on_an_upgraded_cluster_completes_but_logs_validator_skipping_and_changes_nothing()
    {
        var view = HostView();
        var v2 = HelmReleaseSecret.Decode(view.Get("v1", "secrets", Ns, "sh.helm.release.v1.ks-core.v2")!);
        view.Upsert(HelmReleaseSecret.WithStatus(view.Get("v1", "secrets", Ns, "sh.helm.release.v1.ks-core.v2")!, "superseded"));
        view.Upsert(HelmReleaseSecret.Build("ks-core", Ns, 3, "deployed", "ks-core", "1.1.5", "v4.1.3", null, v2.Manifest));
        var writes = view.Writes;

        var outcome = Run(view, Job("prepare-upgrade", "prepare-upgrade", "ks-upgrade-prepare-config", "ks-upgrade"));
        Assert.True(outcome.Succeeded, Log(outcome));
        Assert.Contains(outcome.LogLines, l => l.Contains("[Validator]") && l.Contains("skipping"));
        Assert.Equal(writes, view.Writes);
        Assert.Equal(1, view.Get("apps/v1", "deployments", Ns, "ks-apiserver")!["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public void Prepare_without_any_ks_core_release_proceeds()
    {
        var view = HostView();
        foreach (var s in view.List("v1", "secrets", Ns).Where(s => s.Name().StartsWith("sh.helm.release.v1.ks-core.")))
            view.Delete("v1", "secrets", Ns, s.Name());
        var outcome = Run(view, Job("prepare-upgrade", "prepare-upgrade", "ks-upgrade-prepare-config", "ks-upgrade"));
        Assert.True(outcome.Succeeded, Log(outcome));
        Assert.Contains("no deployed ks-core release", Log(outcome));
        Assert.Equal(0, view.Get("apps/v1", "deployments", Ns, "ks-apiserver")!["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public void Missing_config_map_fails_the_job()
    {
        var view = HostView();
        var outcome = Run(view, Job("prepare-upgrade", "prepare-upgrade", "no-such-config", "ks-upgrade"));
        Assert.False(outcome.Succeeded);
        Assert.Contains("no-such-config", Log(outcome));
    }

    [Fact]
    public void Pre_upgrade_on_host_marks_members_unschedulable_and_removes_ks_installer()
    {
        var view = HostView();
        Assert.True(Run(view, Job("prepare-upgrade", "prepare-upgrade", "ks-upgrade-prepare-config", "ks-upgrade")).Succeeded);
        var outcome = Run(view, Job("ks-core-pre-upgrade", "pre-upgrade", "ks-core-upgrade-config", "ks-upgrade"));
        Assert.True(outcome.Succeeded, Log(outcome));
        var member = view.Get("cluster.kubesphere.io/v1alpha1", "clusters", null, "member1")!;
        var sched = member["status"]!["conditions"]!.AsArray().Single(c => c.Str("type") == "Schedulable");
        Assert.Equal(("False", "Upgrading"), (sched.Str("status"), sched.Str("reason")));
        Assert.Contains(member["status"]!["conditions"]!.AsArray(), c => c.Str("type") == "KSCoreReady" && c.Str("status") == "True");
        var host = view.Get("cluster.kubesphere.io/v1alpha1", "clusters", null, "host")!;
        Assert.DoesNotContain(host["status"]!["conditions"]!.AsArray(), c => c.Str("type") == "Schedulable");
        Assert.Null(view.Get("apps/v1", "deployments", Ns, "ks-installer"));
        Assert.NotNull(view.Get("v1", "configmaps", Ns, "kubesphere-gateway-backup-config"));
        Assert.Equal("true", view.Get("v1", "namespaces", null, "demo-project").Str("metadata", "labels", "kubesphere.io/managed"));
    }

    [Fact]
    public void Pre_upgrade_on_a_member_that_skipped_prepare_fails_with_module_hint()
    {
        var view = InMemoryClusterView.From(SeedCatalog.Load("ks34-member").Single());
        AddUpgradePrereqs(view, GuideConfig);
        var outcome = Run(view, Job("ks-core-pre-upgrade", "pre-upgrade", "ks-core-upgrade-config", "ks-upgrade"));
        Assert.False(outcome.Succeeded);
        Assert.Contains("system-workspace", Log(outcome));
        Assert.Contains("upgrade.config.jobs.core.enabled=false", Log(outcome));

        Assert.True(Run(view, Job("prepare-upgrade", "prepare-upgrade", "ks-upgrade-prepare-config", "ks-upgrade")).Succeeded);
        Assert.Null(view.Get("tenant.kubesphere.io/v1alpha2", "workspacetemplates", null, "system-workspace"));
        var again = Run(view, Job("ks-core-pre-upgrade", "pre-upgrade", "ks-core-upgrade-config", "ks-upgrade"));
        Assert.True(again.Succeeded, Log(again));
    }

    [Fact]
    public void Post_upgrade_fails_without_the_extensions_museum_repository()
    {
        var view = HostView();
        Assert.True(Run(view, Job("ks-core-pre-upgrade", "pre-upgrade", "ks-core-upgrade-config", "ks-upgrade")).Succeeded);
        var outcome = Run(view, Job("ks-core-post-upgrade", "post-upgrade", "ks-core-upgrade-config", "ks-upgrade"));
        Assert.False(outcome.Succeeded);
        Assert.Contains("extensionsMuseum", Log(outcome));
    }

    [Fact]
    public void Full_flow_then_dynamic_gateway_upgrade_creates_v2_gateway_and_classes_ingresses_once()
    {
        var view = HostView();
        Assert.True(Run(view, Job("prepare-upgrade", "prepare-upgrade", "ks-upgrade-prepare-config", "ks-upgrade")).Succeeded);
        Assert.True(Run(view, Job("ks-core-pre-upgrade", "pre-upgrade", "ks-core-upgrade-config", "ks-upgrade")).Succeeded);

        var oldPorts = view.Get("v1", "services", Cc, "kubesphere-router-demo-project")!["spec"]!["ports"]!.AsArray()
            .Select(p => (p.Str("name"), p.Str("nodePort"))).ToList();
        // before post-upgrade the v2alpha1 Gateway kind is not served
        DynamicConfig(view, "kubesphere-router-demo-project");
        var early = Run(view, Job("dynamic-upgrade", "dynamic-upgrade", "ks-upgrade-dynamic-config", "ks-upgrade"));
        Assert.False(early.Succeeded);
        Assert.Contains("no matches for kind \"Gateway\"", Log(early));

        AddChartCrdsAndMuseum(view);
        var post = Run(view, Job("ks-core-post-upgrade", "post-upgrade", "ks-core-upgrade-config", "ks-upgrade"));
        Assert.True(post.Succeeded, Log(post));
        Assert.Equal("1.0.5", view.Get("kubesphere.io/v1alpha1", "installplans", null, "gateway").Str("spec", "extension", "version"));
        Assert.NotNull(view.Get("kubesphere.io/v1alpha1", "installplans", null, "network"));
        Assert.Empty(view.List(GatewayModule.V1, "gateways"));
        Assert.NotEmpty(view.List(GatewayModule.V1, "nginxes"));

        var outcome = Run(view, Job("dynamic-upgrade", "dynamic-upgrade", "ks-upgrade-dynamic-config", "ks-upgrade"));
        Assert.True(outcome.Succeeded, Log(outcome));
        Assert.Null(view.Get("v1", "services", Cc, "kubesphere-router-demo-project")); // uninstalled with -ingress (by the early run already)
        var gw = view.Get(GatewayModule.V2, "gateways", Cc, "kubesphere-router-demo-project")!;
        Assert.Equal(GatewayModule.V2AppVersion, gw.Str("spec", "appVersion"));
        Assert.Equal("project", gw.Str("metadata", "labels", "kubesphere.io/gateway-type"));
        Assert.Equal("demo-ws", gw.Str("metadata", "labels", "kubesphere.io/workspace"));
        Assert.DoesNotContain(view.List("v1", "secrets", Cc), s => s.Name().StartsWith("sh.helm.release.v1.kubesphere-router-demo-project-ingress."));
        List<HelmRelease> History() => view.List("v1", "secrets", Cc).Where(s => s.Str("metadata", "labels", "name") == "kubesphere-router-demo-project")
            .Select(HelmReleaseSecret.Decode).OrderBy(r => r.Revision).ToList();
        // the job only creates the v2 Gateway; its wait ends at once on the v3 release (deployed), which stays as it was
        Assert.Equal(new[] { ("deployed", "1.16.0") }, History().Select(r => (r.Status, r.AppVersion)));
        Assert.Contains("release kubesphere-controls-system/kubesphere-router-demo-project is deployed (appVersion 1.16.0)", Log(outcome));
        Assert.Null(view.Get("networking.k8s.io/v1", "ingressclasses", null, "kubesphere-router-demo-project"));
        // the gateway extension's controller installs the v4 release (InstallPlan gateway exists on this host)
        GatewayExtensionController.Reconcile(view, Array.Empty<ISandboxClusterView>(), 0, DateTime.UtcNow);
        Assert.Equal(new[] { ("superseded", "1.16.0"), ("deployed", "1.12.1") }, History().Select(r => (r.Status, r.AppVersion)));
        Assert.NotNull(view.Get("networking.k8s.io/v1", "ingressclasses", null, "kubesphere-router-demo-project"));
        // the new controller's Service keeps the old nodePorts (backed up by the pre-upgrade job, carried by the v2 Gateway)
        Assert.Equal(oldPorts, view.Get("v1", "services", Cc, "kubesphere-router-demo-project")!["spec"]!["ports"]!.AsArray()
            .Select(p => (p.Str("name"), p.Str("nodePort"))).ToList());
        Assert.Equal("kubesphere-router-demo-project", view.Get("networking.k8s.io/v1", "ingresses", "demo-project", "productpage").Str("spec", "ingressClassName"));
        Assert.Null(view.Get("networking.k8s.io/v1", "ingresses", "demo-staging", "staging")!["spec"]!["ingressClassName"]);
        // other gateways untouched
        Assert.Contains(view.List("v1", "secrets", Cc), s => s.Name() == "sh.helm.release.v1.kubesphere-router-workspace-shop-ws-ingress.v1");

        var rerun = Run(view, Job("dynamic-upgrade", "dynamic-upgrade", "ks-upgrade-dynamic-config", "ks-upgrade"));
        Assert.False(rerun.Succeeded);
        Assert.Contains("already exists", Log(rerun));

        // a workspace gateway: v4.1.3 treats it as a project gateway and looks up namespace workspace-shop-ws, after the
        // uninstall: the job fails and leaves the workspace without a controller
        DynamicConfig(view, "kubesphere-router-workspace-shop-ws");
        var workspace = Run(view, Job("dynamic-upgrade", "dynamic-upgrade", "ks-upgrade-dynamic-config", "ks-upgrade"));
        Assert.False(workspace.Succeeded);
        Assert.Contains("namespaces \"workspace-shop-ws\" not found", Log(workspace));
        Assert.DoesNotContain(view.List("v1", "secrets", Cc), s => s.Name().StartsWith("sh.helm.release.v1.kubesphere-router-workspace-shop-ws-ingress."));
        Assert.Null(view.Get(GatewayModule.V2, "gateways", Cc, "kubesphere-router-workspace-shop-ws"));
        Assert.Null(view.Get("networking.k8s.io/v1", "ingresses", "shop-frontend", "frontend")!["spec"]!["ingressClassName"]);

        // the cluster gateway takes the rest, with the class ks-upgrade hard-codes
        DynamicConfig(view, "kubesphere-router-kubesphere-system");
        Assert.True(Run(view, Job("dynamic-upgrade", "dynamic-upgrade", "ks-upgrade-dynamic-config", "ks-upgrade")).Succeeded);
        Assert.Equal("kubesphere-router-cluster", view.Get("networking.k8s.io/v1", "ingresses", "demo-staging", "staging").Str("spec", "ingressClassName"));
        Assert.Equal("kubesphere-router-cluster", view.Get("networking.k8s.io/v1", "ingresses", "shop-frontend", "frontend").Str("spec", "ingressClassName"));
        // ... while the class the extension creates is named after the gateway
        GatewayExtensionController.Reconcile(view, Array.Empty<ISandboxClusterView>(), 0, DateTime.UtcNow);
        Assert.NotNull(view.Get("networking.k8s.io/v1", "ingressclasses", null, "kubesphere-router-kubesphere-system"));
        Assert.Null(view.Get("networking.k8s.io/v1", "ingressclasses", null, "kubesphere-router-cluster"));
        Assert.Equal("kubesphere-router-demo-project", view.Get("networking.k8s.io/v1", "ingresses", "demo-project", "productpage").Str("spec", "ingressClassName"));
    }

    [Fact]
    public void Dynamic_upgrade_fails_when_the_ks_upgrade_pvc_is_gone_or_no_gateway_name()
    {
        var view = HostView();
        DynamicConfig(view, "kubesphere-router-demo-project");
        view.Delete("v1", "persistentvolumeclaims", Ns, "ks-upgrade");
        var outcome = Run(view, Job("dynamic-upgrade", "dynamic-upgrade", "ks-upgrade-dynamic-config", "ks-upgrade"));
        Assert.False(outcome.Succeeded);
        Assert.Contains("persistentvolumeclaim \"ks-upgrade\" not found", Log(outcome));

        view.Upsert(K8s.ConfigMap(Ns, "ks-upgrade-dynamic-config", new JsonObject { ["config-patch.yaml"] = "jobs:\n  gateway:\n    enabled: true\n" }));
        var noName = Run(view, Job("dynamic-upgrade", "dynamic-upgrade", "ks-upgrade-dynamic-config", "ks-upgrade"));
        Assert.False(noName.Succeeded);
        Assert.Contains("gatewayName is required", Log(noName));
    }

    [Fact]
    public void Host_post_upgrade_syncs_gateway_chart_to_members_which_need_it()
    {
        var seeds = SeedCatalog.Load("ks34-multicluster");
        var views = seeds.ToDictionary(s => s.Name, InMemoryClusterView.From);
        foreach (var v in views.Values) AddUpgradePrereqs(v, GuideConfig);
        var behaviour = new KsUpgradeJobBehaviour(name => views.GetValueOrDefault(name));
        var member = views["member1"];
        const string memberConfig = "validator:\n  extensionsMuseum:\n    enabled: false\njobs:\n  gateway:\n    enabled: true\n    extensionRef: {name: gateway, version: 1.0.5}\n";
        member.Upsert(K8s.ConfigMap(Ns, "ks-core-upgrade-config", new JsonObject { ["config-patch.yaml"] = memberConfig }));
        Assert.True(Run(member, Job("prepare-upgrade", "prepare-upgrade", "ks-core-upgrade-config", "ks-upgrade"), behaviour).Succeeded);
        Assert.True(Run(member, Job("ks-core-pre-upgrade", "pre-upgrade", "ks-core-upgrade-config", "ks-upgrade"), behaviour).Succeeded);
        var tooEarly = Run(member, Job("ks-core-post-upgrade", "post-upgrade", "ks-core-upgrade-config", "ks-upgrade"), behaviour);
        Assert.False(tooEarly.Succeeded);
        Assert.Contains("upgrade the host cluster first", Log(tooEarly));

        var host = views["host"];
        AddChartCrdsAndMuseum(host);
        foreach (var phase in new[] { "prepare-upgrade", "pre-upgrade", "post-upgrade" })
        {
            var o = Run(host, Job("job-" + phase, phase, "ks-core-upgrade-config", "ks-upgrade"), behaviour);
            Assert.True(o.Succeeded, Log(o));
        }
        Assert.NotNull(member.Get("v1", "configmaps", Ns, "extension-gateway-1.0.5-chart"));
        var post = Run(member, Job("ks-core-post-upgrade", "post-upgrade", "ks-core-upgrade-config", "ks-upgrade"), behaviour);
        Assert.True(post.Succeeded, Log(post));
        Assert.Contains(member.Get("apiextensions.k8s.io/v1", "customresourcedefinitions", null, GatewayModule.CrdName)!["spec"]!["versions"]!.AsArray(), v => v.Str("name") == "v2alpha1");
    }
}
