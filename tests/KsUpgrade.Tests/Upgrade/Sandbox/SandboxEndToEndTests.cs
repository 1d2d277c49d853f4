using System.Security.Cryptography;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Tests.Seeds;
using KsUpgrade.Tests.Upgrade.Fakes;
using HelmTool = KsUpgrade.Tests.Seeds.HelmTool;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Tests.Upgrade.Sandbox;

/// <summary>Host then member upgrade on ks34-multicluster with real helm 3.17 and the fixture chart.</summary>
public sealed class SandboxEndToEndTests : MulticlusterSandboxTest
{
    private UpgradeParameters Parameters(KsClusterRole role, string backup) => new()
    {
        Role = role,
        ValuesPath = ValuesFile(),
        Chart = Path.Combine(HelmTool.FixturesDir(), "ks-core"),
        BackupPath = Path.Combine(Dir, backup),
        JobTimeout = TimeSpan.FromSeconds(60),
        Timeout = TimeSpan.FromMinutes(3),
    };

    [HelmFact]
    public Task Host_then_member_upgrade_end_to_end_with_helm3() => HostThenMemberAsync(HelmTool.Path);

    // helm 4's `template --dry-run=server` builds every kind of the chart like an install: the PrepareJob step adds the
    // chart's CRDs the cluster does not serve yet (e.g. Repository) before rendering, and renders with --is-upgrade
    // (else the install-time ownership check refuses ConfigMap kubesphere-config, adopted only by ks-upgrade).
    [Fact]
    public async Task Host_then_member_upgrade_end_to_end_with_helm4()
    {
        await HostThenMemberAsync(KsUpgrade.Tests.Sandbox.Helm4Runner.Path);
    }

    private async Task HostThenMemberAsync(string helmPath)
    {
        var hostCluster = await ConnectAsync("host");
        var hostLog = new RecordingEngineLog();
        var hostUpgrade = ClusterUpgrade.For(hostCluster, Parameters(KsClusterRole.Host, "host-bk"),
            new RealHelm(helmPath, Host.KubeconfigPath, "host"), new FakeChecks(), hostLog);
        KsUpgradeResult result;
        try { result = await hostUpgrade.RunAsync(CancellationToken.None); }
        catch (KsUpgradeException e)
        {
            var r = (KsUpgradeResult)hostLog.Outputs.Single();
            throw new Xunit.Sdk.XunitException($"{e.ErrorId}: {e.Message}\n" + string.Join("\n", r.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}")));
        }
        Assert.True(result.Succeeded);
        await AssertUpgradedAsync("host", "host", result, "true");

        // without the journal, a second run reaches the prepare job again; ks-upgrade's validator now sees a v4
        // release and skips the phase (Job Complete, nothing done): that is reported, not taken as success
        var hostApi = KubeApi.For(hostCluster);
        Assert.True(await hostApi.DeleteAsync(ResourceKind.ConfigMaps, Ns, UpgradeJournal.ConfigMapName, "Background", CancellationToken.None));
        var again = ClusterUpgrade.For(hostCluster, Parameters(KsClusterRole.Host, "host-bk2"),
            new RealHelm(helmPath, Host.KubeconfigPath, "host"), new FakeChecks(), new RecordingEngineLog());
        var skipped = await Assert.ThrowsAsync<KsUpgradeException>(() => again.RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.UpgradePhaseSkipped, skipped.ErrorId);
        Assert.Contains("[Validator]", skipped.Message);

        // the member: refused while... the host is v4 now, so it runs
        var member = await ConnectAsync("member1");
        var memberLog = new RecordingEngineLog();
        var memberUpgrade = ClusterUpgrade.For(member, Parameters(KsClusterRole.Member, "m1-bk"),
            new RealHelm(helmPath, Host.KubeconfigPath, "member1"), new FakeChecks(), memberLog, host: hostCluster);
        KsUpgradeResult m;
        try { m = await memberUpgrade.RunAsync(CancellationToken.None); }
        catch (KsUpgradeException e)
        {
            var r = (KsUpgradeResult)memberLog.Outputs.Single();
            throw new Xunit.Sdk.XunitException($"{e.ErrorId}: {e.Message}\n" + string.Join("\n", r.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}")));
        }
        Assert.True(m.Succeeded);
        await AssertUpgradedAsync("member1", "member", m, "false");
    }

    [HelmFact]
    public async Task Host_upgrade_through_the_real_wiring_HelmClient_and_ClusterTest()
    {
        var hostCluster = await ConnectAsync("host");
        var log = new RecordingEngineLog();
        KsUpgradeResult result;
        try
        {
            result = await KsUpgrade.Engine.Upgrade.Wiring.UpgradeWiring.RunAsync(hostCluster, Parameters(KsClusterRole.Host, "wired-bk"), log, HelmTool.Path);
        }
        catch (KsUpgradeException e)
        {
            var r = log.Outputs.OfType<KsUpgradeResult>().SingleOrDefault();
            throw new Xunit.Sdk.XunitException($"{e.ErrorId}: {e.Message}\n" + (r is null ? "" : string.Join("\n", r.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}"))));
        }
        Assert.True(result.Succeeded);
        Assert.StartsWith("checks passed", result.Steps[0].Detail);
        Assert.StartsWith("post-upgrade checks passed", result.Steps[^1].Detail);
        await AssertUpgradedAsync("host", "host", result, "true");
        // the plan names the helm binary the HelmClient runs
        Assert.Contains(log.Records, r => r.Stream == "Verbose" && r.Message.StartsWith("HelmUpgrade: Run: ") && r.Message.Contains(HelmTool.Path!));
    }

    [HelmFact]
    public async Task A_system_pod_already_failing_before_the_upgrade_is_a_post_check_warning_not_a_failure()
    {
        // a bare pod of kube-system (system-workspace) stuck in CrashLoopBackOff before the upgrade starts
        Host.Cluster("host").Upsert(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "legacy-exporter", ["namespace"] = "kube-system" },
            ["spec"] = new JsonObject { ["nodeName"] = "node1", ["containers"] = new JsonArray(new JsonObject { ["name"] = "exporter", ["image"] = "legacy/exporter:1" }) },
            ["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["containerStatuses"] = new JsonArray(new JsonObject
                {
                    ["name"] = "exporter", ["ready"] = false, ["restartCount"] = 42, ["image"] = "legacy/exporter:1", ["imageID"] = "",
                    ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff" } },
                }),
            },
        });
        var hostCluster = await ConnectAsync("host");
        var log = new RecordingEngineLog();
        KsUpgradeResult result;
        try
        {
            result = await KsUpgrade.Engine.Upgrade.Wiring.UpgradeWiring.RunAsync(hostCluster, Parameters(KsClusterRole.Host, "baseline-bk"), log, HelmTool.Path);
        }
        catch (KsUpgradeException e)
        {
            var r = log.Outputs.OfType<KsUpgradeResult>().SingleOrDefault();
            throw new Xunit.Sdk.XunitException($"{e.ErrorId}: {e.Message}\n" + (r is null ? "" : string.Join("\n", r.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}"))));
        }
        Assert.True(result.Succeeded);
        var post = result.Steps.Single(s => s.Name == "PostCheck");
        Assert.Equal(KsUpgradeStepStatus.Succeeded, post.Status);
        Assert.Contains("kube-system/legacy-exporter", post.Detail);
        Assert.Contains("already failing before the upgrade", post.Detail);
        Assert.Contains(log.Records, r => r.Stream == "Warning" && r.Message.Contains("already failing before the upgrade"));
    }

    [HelmFact]
    public async Task After_an_upgrade_stopped_at_HelmUpgrade_Test_KsCluster_says_resume_not_roll_back()
    {
        // the chart's pre-upgrade hook fails: helm records revision 3 failed, the journal records HelmUpgrade failed
        Host.FailJob("ks-core-pre-upgrade", "host");
        var hostCluster = await ConnectAsync("host");
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() =>
            KsUpgrade.Engine.Upgrade.Wiring.UpgradeWiring.RunAsync(hostCluster, Parameters(KsClusterRole.Host, "stopped-bk"), new RecordingEngineLog(), HelmTool.Path));
        Assert.Equal(ErrorIds.HelmUpgradeFailed, e.ErrorId);

        var report = await KsUpgrade.Engine.Checks.ClusterTest.RunAsync(hostCluster,
            new KsUpgrade.Engine.Checks.ClusterTestOptions { HelmPath = HelmTool.Path }, new RecordingEngineLog(), CancellationToken.None);
        Assert.Equal(KsCheckPhase.Preflight, report.Phase); // the last deployed ks-core is still v3
        var progress = report["UpgradeInProgress"]!;
        Assert.Equal(KsCheckStatus.Failed, progress.Status);
        Assert.Contains("stopped at step HelmUpgrade", progress.Message);
        Assert.Contains("Invoke-KsHostUpgrade", progress.Remedy);
        var release = report["KsCoreReleaseNotPending"]!;
        Assert.Contains("UpgradeInProgress", release.Remedy);
        Assert.DoesNotContain("helm rollback", release.Remedy);
        Assert.DoesNotContain("helm rollback", release.Message);
    }

    private async Task AssertUpgradedAsync(string context, string role, KsUpgradeResult result, string museum)
    {
        var view = Host.Cluster(context);
        var api = KubeApi.For(await ConnectAsync(context));
        Assert.Equal("v3.4.1", result.FromVersion);
        Assert.Equal("v4.1.3", result.ToVersion);
        // StopInstaller scaled it to 0; ks-upgrade's core post-upgrade then deletes it
        Assert.Contains(result.Steps, s => s.Name == "StopInstaller" && s.Status == KsUpgradeStepStatus.Succeeded);
        Assert.Null(view.Get("apps/v1", "deployments", Ns, "ks-installer"));
        Assert.NotEqual("localhost", view.Get("installer.kubesphere.io/v1alpha1", "clusterconfigurations", Ns, "ks-installer").Str("spec", "etcd", "endpointIps"));
        Assert.Null(view.Get("v1", "configmaps", Ns, "redis-configmap"));
        Assert.True(KubeJson.HasCondition(view.Get("batch/v1", "jobs", Ns, "prepare-upgrade")!, "Complete"));
        Assert.NotNull(view.Get("apiextensions.k8s.io/v1", "customresourcedefinitions", null, "installplans.kubesphere.io"));

        AssertWhatTheRicherChartDid(view, role == "host");

        var release = await HelmReleaseReader.LatestAsync(api, Ns, "ks-core", CancellationToken.None);
        Assert.Equal("deployed", release!.Status);
        Assert.Equal("v4.1.3", release.AppVersion);
        Assert.Equal(result.HelmRevision, release.Revision);
        var secret = view.Get("v1", "secrets", Ns, release.SecretName)!;
        var config = HelmReleaseDecoder.DecodeSecretData(secret.Str("data", "release"))!["config"]!;
        Assert.Equal(role, config.Str("multicluster", "role"));
        Assert.Equal("v1.1.5", config.Str("ksExtensionRepository", "image", "tag"));
        Assert.Equal(museum, config.Str("upgrade", "config", "validator", "extensionsMuseum", "enabled"));
        Assert.Null(config.At("kseExtensionRepository"));

        var journal = (await UpgradeJournal.ReadAsync(api, CancellationToken.None))!.State;
        Assert.All(journal.Steps, s => Assert.Equal(JournalStatus.Succeeded, s.Status));
        Assert.Equal(10, journal.Steps.Count);

        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(result.BackupPath!, "manifest.json")))!;
        foreach (var f in manifest["files"]!.AsArray())
        {
            var bytes = File.ReadAllBytes(Path.Combine(result.BackupPath!, f!["name"]!.GetValue<string>()));
            Assert.Equal(f["sha256"]!.GetValue<string>(), Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant());
        }
        Assert.Equal(1, manifest["files"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == "backup-cc.yaml")!["objects"]!.GetValue<int>());
    }

    /// <summary>
    /// What the fixture chart models of the public one, as the cluster shows it after the upgrade: objects of the 3.4
    /// release the new chart no longer has are gone; the 39 CRDs are served, the kinds 3.4 stores at v1alpha2 (and
    /// Workspaces at v1alpha1, whose v1alpha2 the chart drops) keep their stored version beside v1beta1; the webhook
    /// configurations carry the CA of the webhook certificate the same render generated; the custom resources of the
    /// new and the re-versioned kinds exist; the telemetry Secret kept the default (no earlier one to look up).
    /// </summary>
    private static void AssertWhatTheRicherChartDid(KsUpgrade.Sandbox.Simulation.ISandboxClusterView view, bool host)
    {
        Assert.Null(view.Get("v1", "configmaps", Ns, "ks-router-config"));
        Assert.Null(view.Get("apps/v1", "deployments", "kubesphere-controls-system", "default-http-backend"));
        Assert.Null(view.Get("v1", "services", "kubesphere-controls-system", "default-http-backend"));

        const string Crds = "apiextensions.k8s.io/v1";
        // every CRD of the chart (files <group>_<plural>.yaml) is served
        var chartCrds = Directory.GetFiles(Path.Combine(HelmTool.FixturesDir(), "ks-core", "charts", "ks-crds", "crds"), "*.yaml")
            .Select(f => Path.GetFileNameWithoutExtension(f).Split('_')).Select(p => $"{p[1]}.{p[0]}").ToList();
        Assert.Equal(39, chartCrds.Count);
        Assert.All(chartCrds, c => Assert.NotNull(view.Get(Crds, "customresourcedefinitions", null, c)));
        string[] Stored(string crd) => view.Get(Crds, "customresourcedefinitions", null, crd)!["status"]!["storedVersions"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray();
        Assert.Equal(new[] { "v1alpha1", "v1beta1" }, Stored("workspaces.tenant.kubesphere.io"));
        Assert.DoesNotContain(view.Get(Crds, "customresourcedefinitions", null, "workspaces.tenant.kubesphere.io")!["spec"]!["versions"]!.AsArray(), v => v.Str("name") == "v1alpha2");
        foreach (var crd in new[] { "users.iam.kubesphere.io", "globalroles.iam.kubesphere.io", "groups.iam.kubesphere.io", "loginrecords.iam.kubesphere.io", "workspaceroles.iam.kubesphere.io" })
            Assert.Equal(new[] { "v1alpha2", "v1beta1" }, Stored(crd));
        Assert.NotNull(view.Get(Crds, "customresourcedefinitions", null, "serviceaccounts.kubesphere.io"));

        var cert = view.Get("v1", "secrets", Ns, "ks-controller-manager-webhook-cert")!;
        var ca = cert.Str("data", "ca.crt");
        Assert.NotEqual("c2FuZGJveC1jYQ==", ca); // not the 3.4 one
        var webhooks = view.List("admissionregistration.k8s.io/v1", "validatingwebhookconfigurations")
            .Concat(view.List("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations"))
            .Where(w => w.Str("metadata", "labels", "helm.sh/chart") is not null).ToList();
        Assert.Equal(host ? 12 : 6, webhooks.Count);
        Assert.All(webhooks, w => Assert.Equal(ca, w["webhooks"]![0].Str("clientConfig", "caBundle")));
        // the post-install/post-upgrade kubectl hook Jobs ran (the sandbox runs the real kubectl) and were deleted after success
        foreach (var ns in new[] { "kubesphere-system", "kubesphere-controls-system", "default", "kube-node-lease", "kube-public", "kube-system" })
        {
            var n = view.Get("v1", "namespaces", null, ns)!;
            Assert.Equal("system-workspace", n.Str("metadata", "labels", "kubesphere.io/workspace"));
            Assert.Equal("true", n.Str("metadata", "labels", "kubesphere.io/managed"));
            Assert.True("true" == n.Str("metadata", "labels", "kubesphere.io/protected-resource"), $"namespace {ns} lacks the post-patch-system-ns hook's labels");
        }
        var idpUsers = view.List("iam.kubesphere.io/v1beta1", "users").Where(u => u.Str("metadata", "labels", "iam.kubesphere.io/identify-provider") is not null).ToList();
        if (host) Assert.NotEmpty(idpUsers); // carol, an LDAP user of the seed
        Assert.All(idpUsers, u => Assert.Equal(u.Str("metadata", "labels", "iam.kubesphere.io/origin-uid"),
            u.Str("metadata", "annotations", "iam.kubesphere.io/identity-provider." + u.Str("metadata", "labels", "iam.kubesphere.io/identify-provider"))));
        Assert.Null(view.Get("batch/v1", "jobs", Ns, "ks-core-post-patch-system-ns"));
        Assert.Null(view.Get("batch/v1", "jobs", Ns, "ks-core-post-patch-user"));
        Assert.Equal(3, view.List("iam.kubesphere.io/v1beta1", "categories").Count);
        Assert.NotNull(view.Get("kubesphere.io/v1alpha1", "serviceaccounts", Ns, "ks-core-extension-reader"));
        if (host)
        {
            Assert.Equal(5, view.List("kubesphere.io/v1alpha1", "categories").Count);
            var admin = view.Get("iam.kubesphere.io/v1beta1", "users", null, "admin")!;
            Assert.Equal("keep", admin.Str("metadata", "annotations", "helm.sh/resource-policy"));
            Assert.Equal("ks-core", admin.Str("metadata", "annotations", "meta.helm.sh/release-name"));
            var telemetry = view.Get("v1", "secrets", Ns, "io.kubesphere.config.platformconfig.telemetry")!;
            Assert.Contains("enabled: true", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(telemetry.Str("data", "configuration.yaml")!)));
        }
    }
}
