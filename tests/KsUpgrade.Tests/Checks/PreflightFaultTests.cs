using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Tests.Checks;

/// <summary>A healthy 3.4.1 host passes every preflight check; each fault, injected alone, fails exactly its check.</summary>
public class PreflightFaultTests
{
    private static readonly string[] PreflightIds =
    {
        "ChartAvailable", "UpgradeInProgress", "NodesReady", "DefaultStorageClass", "KubernetesVersion", "KubernetesVersionSupported", "HelmVersion",
        "ClusterConfiguration", "KubeSphereVersion", "KsInstallerIdle", "KsCoreReleaseNotPending", "ClusterRole",
        "EtcdEndpoints", "UpgradePvcBindable", "ValuesFile", "SystemPodsHealthy", "MembersReady", "WebhookServiceRefs", "KubeSphereServiceAccountToken",
        "JwtSecretConsistent", "MemberExtensionCharts", "UpgradeJobsMatchComponents", "HelmTimeoutSufficient", "ImagesPullable", "ChartRenders", "ChartAdoption",
    };

    /// <summary>Checks a healthy host skips: MemberExtensionCharts is about members; ImagesPullable is opt-in (-ProbeImages).</summary>
    private static KsCheckStatus HealthyStatus(string id) => id is "MemberExtensionCharts" or "ImagesPullable" ? KsCheckStatus.Skipped : KsCheckStatus.Passed;

    private static Task<KsClusterReport> Run(InMemoryClusterReader reader, CheckRequest? req = null) =>
        new ClusterChecker(reader).RunAsync(req ?? FakeClusters.HealthyRequest(), null, CancellationToken.None);

    [Fact]
    public async Task HealthyHost_PassesEveryPreflightCheck()
    {
        var report = await Run(FakeClusters.HealthyKs341Host());

        Assert.Equal(KsCheckPhase.Preflight, report.Phase);
        Assert.Equal(PreflightIds, report.Checks.Select(c => c.Id).ToArray());
        Assert.All(report.Checks, c => Assert.True(c.Status == HealthyStatus(c.Id), $"{c.Id}: {c.Status} {c.Message}"));
        Assert.True(report.Passed);
        Assert.Equal(KsClusterRole.Host, report.ClusterRole);
        Assert.Equal("v3.4.1", report.KubeSphereVersion);
        Assert.Equal("v1.26.15", report.KubernetesVersion);
    }

    public static TheoryData<string> Faults => new()
    {
        "NotReadyNode", "NoDefaultStorageClass", "Kubernetes120", "KubeSphere332", "NoClusterConfiguration",
        "InstallerRunning", "PendingKsCore", "MemberNotReady", "AdoptionConflict", "MalformedValues", "HelmMissing",
        "WebhookByUrl", "SaTokenMissing", "SaTokenEmpty",
        "InstallerRunningNoCcStatus", "InstallerComponentFailed", "PvcClassUnproven", "UpgradePvcPending", "ChartMissing", "HelmTimeoutShort", "JwtDiffers", "JwtMissingOnMember",
        "NetworkJobWithoutNetworkPolicy", "ExtensionVersionUnknown",
    };

    /// <summary>fault → (check that must change, its status, checks allowed to become Skipped because they read the same missing data).</summary>
    private static (string Id, KsCheckStatus Status, string[] Dependents) Inject(string fault, InMemoryClusterReader r, ref CheckRequest req)
    {
        switch (fault)
        {
            case "NotReadyNode":
                r.Nodes[1] = r.Nodes[1] with { ReadyStatus = "Unknown" };
                return ("NodesReady", KsCheckStatus.Failed, Array.Empty<string>());
            case "NoDefaultStorageClass":
                r.StorageClasses[0] = r.StorageClasses[0] with { IsDefault = false };
                return ("DefaultStorageClass", KsCheckStatus.Failed, Array.Empty<string>());
            case "Kubernetes120":
                r.ServerVersion = "v1.20.15";
                return ("KubernetesVersion", KsCheckStatus.Failed, new[] { "KubernetesVersionSupported" });
            case "KubeSphere332":
                r.CustomObjects[CustomKind.ClusterConfiguration.CrdName][0] = FakeClusters.Cc("v3.3.2", "host", "localhost");
                return ("KubeSphereVersion", KsCheckStatus.Failed, Array.Empty<string>());
            case "NoClusterConfiguration":
                r.Crds.Remove(CustomKind.ClusterConfiguration.CrdName);
                r.CustomObjects.Remove(CustomKind.ClusterConfiguration.CrdName);
                return ("ClusterConfiguration", KsCheckStatus.Failed, new[] { "KubeSphereVersion", "ClusterRole", "EtcdEndpoints", "UpgradeJobsMatchComponents" });
            case "InstallerRunning":
                // the cc shows it: devops is enabled in the spec but ks-installer has not written its status yet
                FakeClusters.CcOf(r)["spec"]!["devops"] = new System.Text.Json.Nodes.JsonObject { ["enabled"] = true };
                return ("KsInstallerIdle", KsCheckStatus.Failed, Array.Empty<string>());
            case "InstallerComponentFailed":
                FakeClusters.CcOf(r)["status"]!["servicemesh"] = new System.Text.Json.Nodes.JsonObject { ["status"] = "failed" };
                return ("KsInstallerIdle", KsCheckStatus.Failed, Array.Empty<string>());
            case "InstallerRunningNoCcStatus":
                // no cc status to go by: the log tail decides
                FakeClusters.CcOf(r).Remove("status");
                r.PodLogs["kubesphere-system/ks-installer-85d6b4d8c5-x7k2p"] = FakeClusters.InstallerLog(finished: false);
                return ("KsInstallerIdle", KsCheckStatus.Failed, Array.Empty<string>());
            case "PvcClassUnproven":
                r.Pvcs.RemoveAll(c => c.StorageClass == "local");
                return ("UpgradePvcBindable", KsCheckStatus.Warning, Array.Empty<string>());
            case "UpgradePvcPending":
                r.Pvcs.Add(new PvcRow("kubesphere-system", "ks-upgrade", "local", "Pending"));
                return ("UpgradePvcBindable", KsCheckStatus.Failed, Array.Empty<string>());
            case "ChartMissing":
                req = With(req, chart: Engine.Charts.KsCoreChartLocation.DefaultUrl);
                return ("ChartAvailable", KsCheckStatus.Failed, Array.Empty<string>());
            case "HelmTimeoutShort":
                req = With(req, timeout: TimeSpan.FromMinutes(30));
                return ("HelmTimeoutSufficient", KsCheckStatus.Warning, Array.Empty<string>());
            case "NetworkJobWithoutNetworkPolicy":
                // the guide's values enable the network job; this cluster has neither network policy nor a calico ippool
                FakeClusters.CcOf(r)["spec"]!["network"]!["networkpolicy"]!["enabled"] = false;
                return ("UpgradeJobsMatchComponents", KsCheckStatus.Warning, Array.Empty<string>());
            case "ExtensionVersionUnknown":
                req = With(req, values: Engine.Checks.LocalValuesInspector.InspectText(
                    FakeClusters.HealthyValues.Replace("version: \"1.0.5\"", "version: \"1.0.99\"", StringComparison.Ordinal), "ks-core-values.yaml"));
                return ("UpgradeJobsMatchComponents", KsCheckStatus.Warning, Array.Empty<string>());
            case "JwtDiffers":
                req = With(req, peers: new[] { new PeerCluster("member1", KsClusterRole.Member, FakeClusters.Member("another-secret")) });
                return ("JwtSecretConsistent", KsCheckStatus.Failed, Array.Empty<string>());
            case "JwtMissingOnMember":
                req = With(req, peers: new[] { new PeerCluster("member1", KsClusterRole.Member, FakeClusters.Member(null)) });
                return ("JwtSecretConsistent", KsCheckStatus.Failed, Array.Empty<string>());
            case "PendingKsCore":
                r.HelmReleases.Add(FakeClusters.KsCore(3, "pending-upgrade", "1.1.5", "v4.1.3"));
                return ("KsCoreReleaseNotPending", KsCheckStatus.Failed, Array.Empty<string>());
            case "MemberNotReady":
                r.CustomObjects[CustomKind.KubeSphereCluster.CrdName][1] = FakeClusters.Cluster("member1", isHost: false, ready: false);
                return ("MembersReady", KsCheckStatus.Failed, Array.Empty<string>());
            case "WebhookByUrl":
                r.Webhooks.Add(new WebhookRow("MutatingWebhookConfiguration", "audit-sink", "audit.example.io", "https://audit.example.io/hook", null, null));
                return ("WebhookServiceRefs", KsCheckStatus.Failed, Array.Empty<string>());
            case "SaTokenMissing":
                r.ServiceAccountTokens.Clear();
                return ("KubeSphereServiceAccountToken", KsCheckStatus.Failed, Array.Empty<string>());
            case "SaTokenEmpty":
                r.ServiceAccountTokens["kubesphere-system"] = new List<ServiceAccountTokenRow> { new("kubesphere-sa-token", "kubesphere", false) };
                return ("KubeSphereServiceAccountToken", KsCheckStatus.Failed, Array.Empty<string>());
            case "AdoptionConflict":
                r.ExistingObjects["ClusterRole/ks-core-new"] = new ObjectOwnership(null, null, null);
                return ("ChartAdoption", KsCheckStatus.Failed, Array.Empty<string>());
            case "MalformedValues":
                req = new CheckRequest
                {
                    Values = LocalValuesInspector.InspectText("upgrade:\n  enabled: true\n   image: [unclosed\n", "bad.yaml"),
                    ChartResources = req.ChartResources,
                    ChartRender = req.ChartRender,
                    Helm = req.Helm,
                    ChartLocation = req.ChartLocation, HelmTimeout = req.HelmTimeout, Peers = req.Peers,
                };
                return ("ValuesFile", KsCheckStatus.Failed, new[] { "UpgradeJobsMatchComponents" }); // no jobs known from a file that does not parse
            case "HelmMissing":
                req = new CheckRequest
                {
                    Values = req.Values,
                    ChartResources = req.ChartResources,
                    ChartRender = req.ChartRender,
                    Helm = new FixedHelmProbe(HelmProbeResult.NotFound("helm was not found on PATH")),
                    ChartLocation = req.ChartLocation, HelmTimeout = req.HelmTimeout, Peers = req.Peers,
                };
                return ("HelmVersion", KsCheckStatus.Failed, Array.Empty<string>());
            default:
                throw new ArgumentException(fault);
        }
    }

    private static CheckRequest With(CheckRequest req, string? chart = null, TimeSpan? timeout = null, IReadOnlyList<PeerCluster>? peers = null,
        ValuesFindings? values = null, bool defaultTimeout = false) => new()
    {
        Phase = req.Phase, Values = values ?? req.Values, ChartResources = req.ChartResources, ChartRender = req.ChartRender, Helm = req.Helm,
        ChartLocation = chart ?? req.ChartLocation, HelmTimeout = defaultTimeout ? null : timeout ?? req.HelmTimeout, Peers = peers ?? req.Peers,
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task EachFault_ChangesExactlyItsCheck(string fault)
    {
        var healthy = await Run(FakeClusters.HealthyKs341Host());
        var reader = FakeClusters.HealthyKs341Host();
        var req = FakeClusters.HealthyRequest();
        var (id, status, dependents) = Inject(fault, reader, ref req);

        var report = await Run(reader, req);

        Assert.Equal(KsCheckPhase.Preflight, report.Phase);
        var target = report[id]!;
        Assert.True(target.Status == status, $"{id}: expected {status}, got {target.Status}: {target.Message}");
        Assert.False(string.IsNullOrWhiteSpace(target.Message));
        Assert.False(string.IsNullOrWhiteSpace(target.Remedy));
        foreach (var check in report.Checks.Where(c => c.Id != id))
        {
            var before = healthy[check.Id]!.Status;
            if (dependents.Contains(check.Id))
                Assert.True(check.Status == KsCheckStatus.Skipped, $"{check.Id} should be Skipped, is {check.Status}: {check.Message}");
            else
                Assert.True(check.Status == before, $"{check.Id} changed from {before} to {check.Status}: {check.Message}");
        }
        Assert.Equal(status != KsCheckStatus.Failed, report.Passed);
    }

    [Fact]
    public async Task NotReadyNode_IsNamedInMessageAndData()
    {
        var r = FakeClusters.HealthyKs341Host();
        r.Nodes[2] = r.Nodes[2] with { ReadyStatus = "False" };
        var result = (await Run(r))["NodesReady"]!;
        Assert.Contains("worker2", result.Message);
        Assert.DoesNotContain("worker1", result.Message);
        var node = Assert.IsType<NodeRow>(Assert.Single(result.Data));
        Assert.Equal("worker2", node.Name);
    }

    [Fact]
    public async Task PendingRelease_RemedyNamesTheSecretAndTheRollback()
    {
        var r = FakeClusters.HealthyKs341Host();
        r.HelmReleases.Add(FakeClusters.KsCore(3, "pending-upgrade", "1.1.5", "v4.1.3"));
        var result = (await Run(r))["KsCoreReleaseNotPending"]!;
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("sh.helm.release.v1.ks-core.v3", result.Message);
        Assert.Contains("kubectl -n kubesphere-system delete secret sh.helm.release.v1.ks-core.v3", result.Remedy);
        Assert.Contains("helm rollback ks-core 2 -n kubesphere-system", result.Remedy);
        Assert.Equal(3, Assert.IsType<HelmRelease>(Assert.Single(result.Data)).Revision);
    }

    [Theory]
    [InlineData("pending-install")]
    [InlineData("pending-rollback")]
    public async Task OtherPendingStates_AlsoFail(string status)
    {
        var r = FakeClusters.HealthyKs341Host();
        r.HelmReleases.Add(FakeClusters.KsCore(3, status));
        Assert.Equal(KsCheckStatus.Failed, (await Run(r))["KsCoreReleaseNotPending"]!.Status);
    }

    [Fact]
    public async Task AdoptionConflict_ListsKindAndName_AndIgnoresObjectsTheUpgradeAdopts()
    {
        var r = FakeClusters.HealthyKs341Host();
        r.ExistingObjects["ClusterRole/ks-core-new"] = new ObjectOwnership("Helm", "other-release", "default");
        var result = (await Run(r))["ChartAdoption"]!;
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        var conflict = Assert.IsType<Engine.Checks.Preflight.ChartAdoptionConflict>(Assert.Single(result.Data));
        Assert.Equal(("ClusterRole", "ks-core-new", "other-release"), (conflict.Kind, conflict.Name, conflict.ReleaseName));
        Assert.Contains("ClusterRole/ks-core-new", result.Message);
        Assert.DoesNotContain("kubesphere-config", result.Message); // unowned, but adopted by ks-upgrade prepare
    }

    [Fact]
    public async Task AdoptionConflict_NamespacedCustomKindWithoutNamespace_IsFoundInTheReleaseNamespace()
    {
        var r = FakeClusters.HealthyKs341Host();
        r.ExistingObjects["Widget kubesphere-system/w1"] = new ObjectOwnership(null, null, null);
        var req = new CheckRequest
        {
            ChartResources = FakeClusters.ChartResources.Append(new ChartResourceRef("example.io/v1", "Widget", null, "w1")).ToArray(),
            Helm = FakeClusters.HealthyRequest().Helm,
        };
        var result = (await Run(r, req))["ChartAdoption"]!;
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("Widget kubesphere-system/w1", result.Message);
    }

    [Fact]
    public async Task AdoptionUnreadable_Warns()
    {
        var r = FakeClusters.HealthyKs341Host();
        r.Forbidden.Add("chart-objects");
        var result = (await Run(r))["ChartAdoption"]!;
        Assert.Equal(KsCheckStatus.Warning, result.Status);
        Assert.Contains("Could not verify", result.Message);
    }

    [Fact]
    public async Task NoCc_MessageSaysNotServed()
    {
        var r = FakeClusters.HealthyKs341Host();
        r.Crds.Remove(CustomKind.ClusterConfiguration.CrdName);
        var result = (await Run(r))["ClusterConfiguration"]!;
        Assert.Contains("ClusterConfiguration not served", result.Message);
    }

    [Fact]
    public async Task CcObjectMissing_WhileKindServed_Fails()
    {
        var r = FakeClusters.HealthyKs341Host();
        r.CustomObjects.Remove(CustomKind.ClusterConfiguration.CrdName);
        var result = (await Run(r))["ClusterConfiguration"]!;
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("kubesphere-system/ks-installer does not exist", result.Message);
    }

    [Fact]
    public async Task AlreadyUpgradedCluster_ForcedToPreflight_SaysSo()
    {
        var report = await Run(FakeClusters.HealthyV4Host(), FakeClusters.HealthyRequest(KsCheckPhase.Preflight));
        var result = report["KubeSphereVersion"]!;
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("Already upgraded", result.Message);
        Assert.Contains("v4.1.3", result.Message);
    }

    [Fact]
    public async Task NoInstallerPod_IsIdle()
    {
        var r = FakeClusters.HealthyKs341Host();
        FakeClusters.CcOf(r).Remove("status");
        r.Pods.RemoveAll(p => p.AppLabel == "ks-installer");
        r.PodLogs.Clear();
        var result = (await Run(r))["KsInstallerIdle"]!;
        Assert.Equal(KsCheckStatus.Passed, result.Status);
        Assert.Equal(0, r.Calls.GetValueOrDefault("get pods/log"));
    }

    [Fact]
    public async Task InstallerRunning_ReadsOnlyTheTail()
    {
        // The welcome banner exists but is older than the last 20 lines: ks-installer has started again.
        var r = FakeClusters.HealthyKs341Host();
        FakeClusters.CcOf(r).Remove("status");
        var log = FakeClusters.InstallerLog(finished: true) + string.Join('\n', Enumerable.Range(0, 25).Select(i => $"TASK [common : re-run {i}]")) + "\n";
        r.PodLogs["kubesphere-system/ks-installer-85d6b4d8c5-x7k2p"] = log;
        var result = (await Run(r))["KsInstallerIdle"]!;
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("ks-installer-85d6b4d8c5-x7k2p", result.Message);
    }

    [Fact]
    public async Task InstallerLogUnreadable_WarnsWhenRunning_FailsWhenPending()
    {
        var r = FakeClusters.HealthyKs341Host();
        FakeClusters.CcOf(r).Remove("status");
        r.Forbidden.Add("pods/log");
        var warn = (await Run(r))["KsInstallerIdle"]!;
        Assert.Equal(KsCheckStatus.Warning, warn.Status);
        Assert.Contains("kubectl -n kubesphere-system logs ks-installer-85d6b4d8c5-x7k2p", warn.Remedy);

        var i = r.Pods.FindIndex(p => p.AppLabel == "ks-installer");
        r.Pods[i] = r.Pods[i] with { Phase = "Pending", DisplayStatus = "ContainerCreating" };
        var failed = (await Run(r))["KsInstallerIdle"]!;
        Assert.Equal(KsCheckStatus.Failed, failed.Status);
        Assert.Contains("ContainerCreating", failed.Message);
    }

    [Fact]
    public async Task EtcdEndpoints_FailsWhenNeitherCcNorEndpoints_PassesWithExplicitIps()
    {
        var r = FakeClusters.HealthyKs341Host();
        r.Endpoints.Clear();
        Assert.Equal(KsCheckStatus.Failed, (await Run(r))["EtcdEndpoints"]!.Status);

        r.CustomObjects[CustomKind.ClusterConfiguration.CrdName][0] = FakeClusters.Cc("v3.4.1", "host", "192.168.0.2,192.168.0.3");
        var ok = (await Run(r))["EtcdEndpoints"]!;
        Assert.Equal(KsCheckStatus.Passed, ok.Status);
        Assert.Contains("192.168.0.2,192.168.0.3", ok.Message);
    }

    [Fact]
    public async Task UpgradePvc_NamedClassMissing_Fails_DefaultUsedWhenNoneNamed()
    {
        var r = FakeClusters.HealthyKs341Host();
        var values = LocalValuesInspector.InspectText(FakeClusters.HealthyValues.Replace("\"local\"", "\"fast-ssd\""));
        var failed = (await Run(r, new CheckRequest { Values = values, Helm = FakeClusters.HealthyRequest().Helm }))["UpgradePvcBindable"]!;
        Assert.Equal(KsCheckStatus.Failed, failed.Status);
        Assert.Contains("fast-ssd", failed.Message);

        var noValues = (await Run(r, new CheckRequest { Helm = FakeClusters.HealthyRequest().Helm }))["UpgradePvcBindable"]!;
        Assert.Equal(KsCheckStatus.Passed, noValues.Status);
        Assert.Contains("default StorageClass local", noValues.Message);
        Assert.Contains("WaitForFirstConsumer", noValues.Message);
        Assert.Contains("prometheus-k8s-db-prometheus-k8s-0", noValues.Message);

        r.StorageClasses[0] = r.StorageClasses[0] with { IsDefault = false };
        Assert.Equal(KsCheckStatus.Failed, (await Run(r, new CheckRequest { Helm = FakeClusters.HealthyRequest().Helm }))["UpgradePvcBindable"]!.Status);
    }

    [Fact]
    public async Task SystemPodNotRunning_IsAWarningNamingIt()
    {
        var r = FakeClusters.HealthyKs341Host();
        FakeClusters.AddPod(r, "kubesphere-monitoring-system", "prometheus-k8s-0", "worker1", status: "Pending");
        var result = (await Run(r))["SystemPodsHealthy"]!;
        Assert.Equal(KsCheckStatus.Warning, result.Status);
        Assert.Contains("kubesphere-monitoring-system/prometheus-k8s-0 (Pending)", result.Message);
        Assert.DoesNotContain("web-0", result.Message); // namespace demo is not in the system workspace
    }

    [Fact]
    public async Task MembersReady_SkippedOnAMember()
    {
        var r = FakeClusters.HealthyKs341Host();
        r.CustomObjects[CustomKind.ClusterConfiguration.CrdName][0] = FakeClusters.Cc("v3.4.1", "member", "localhost");
        var report = await Run(r);
        Assert.Equal(KsClusterRole.Member, report.ClusterRole);
        Assert.Equal(KsCheckStatus.Skipped, report["MembersReady"]!.Status);
        Assert.Contains("member", report["ClusterRole"]!.Message);
    }

    [Fact]
    public async Task ValuesAndChartNotGiven_AreSkipped_NotFailed()
    {
        var report = await Run(FakeClusters.HealthyKs341Host(), new CheckRequest { Helm = FakeClusters.HealthyRequest().Helm });
        Assert.Equal(KsCheckStatus.Skipped, report["ValuesFile"]!.Status);
        Assert.Equal(KsCheckStatus.Skipped, report["ChartAdoption"]!.Status);
        Assert.True(report.Passed);
    }

    [Fact]
    public async Task OldHelm_Fails()
    {
        var req = new CheckRequest { Helm = new FixedHelmProbe(HelmProbeResult.Of("/opt/helm", "v3.12.3")) };
        var result = (await Run(FakeClusters.HealthyKs341Host(), req))["HelmVersion"]!;
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("v3.12.3", result.Message);
    }

    [Fact]
    public async Task ForbiddenKinds_BecomeWarnings_NotCrashes()
    {
        var r = FakeClusters.HealthyKs341Host();
        r.Forbidden.Add("nodes");
        r.Forbidden.Add("secrets");
        var report = await Run(r);
        Assert.Equal(KsCheckStatus.Warning, report["NodesReady"]!.Status);
        Assert.Contains("not permitted", report["NodesReady"]!.Message);
        Assert.Equal(KsCheckStatus.Warning, report["KsCoreReleaseNotPending"]!.Status);
        Assert.Contains(report.Inventory.Gaps, g => g.StartsWith("nodes:"));
        Assert.Equal(KsCheckStatus.Passed, report["DefaultStorageClass"]!.Status);
    }

    [Fact]
    public async Task ForbiddenCrdRead_StillFindsTheCc()
    {
        var r = FakeClusters.HealthyKs341Host();
        r.Forbidden.Add("customresourcedefinitions");
        var report = await Run(r);
        Assert.Equal(KsCheckStatus.Passed, report["ClusterConfiguration"]!.Status);
        Assert.Equal(KsCheckStatus.Passed, report["KubeSphereVersion"]!.Status);
    }

    [Fact]
    public async Task KsInstallerIdle_DecidesFromTheCcStatus_WithoutReadingTheLog()
    {
        var r = FakeClusters.HealthyKs341Host();
        r.PodLogs["kubesphere-system/ks-installer-85d6b4d8c5-x7k2p"] = FakeClusters.InstallerLog(finished: false);
        var result = (await Run(r))["KsInstallerIdle"]!;
        Assert.Equal(KsCheckStatus.Passed, result.Status);
        Assert.StartsWith("From the cc status", result.Message);
        Assert.Equal(0, r.Calls.GetValueOrDefault("get pods/log"));

        FakeClusters.CcOf(r)["spec"]!["devops"] = new System.Text.Json.Nodes.JsonObject { ["enabled"] = true };
        var running = (await Run(r))["KsInstallerIdle"]!;
        Assert.Equal(KsCheckStatus.Failed, running.Status);
        Assert.Contains("mid-run", running.Message);
        Assert.Contains("devops", running.Message);

        FakeClusters.CcOf(r).Remove("status");
        var fallback = (await Run(r))["KsInstallerIdle"]!;
        Assert.StartsWith("From the log tail (the cc has no status)", fallback.Message);
        Assert.Equal(1, r.Calls.GetValueOrDefault("get pods/log"));
    }

    [Fact]
    public async Task JwtSecret_IsComparedNeverShown_AndSkippedWithoutPeers()
    {
        var r = FakeClusters.HealthyKs341Host();
        var same = (await Run(r))["JwtSecretConsistent"]!;
        Assert.Equal(KsCheckStatus.Passed, same.Status);
        Assert.Contains("member1", same.Message);

        var req = FakeClusters.HealthyRequest();
        var differs = await Run(r, new CheckRequest
        {
            Helm = req.Helm, ChartLocation = req.ChartLocation,
            Peers = new[] { new PeerCluster("member1", KsClusterRole.Member, FakeClusters.Member("s3cr3t-other")), new PeerCluster("member2", KsClusterRole.Member, FakeClusters.Member(v4: true)) },
        });
        var result = differs["JwtSecretConsistent"]!;
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("member1 differs", result.Message);
        Assert.DoesNotContain("member2", result.Message); // equal: 4.x keeps it under authentication.issuer
        var all = result.Message + result.Remedy + string.Join(" ", result.Data);
        Assert.DoesNotContain(FakeClusters.JwtSecret, all);
        Assert.DoesNotContain("s3cr3t-other", all);

        var none = (await Run(r, new CheckRequest { Helm = req.Helm }))["JwtSecretConsistent"]!;
        Assert.Equal(KsCheckStatus.Skipped, none.Status);
    }

    [Fact]
    public async Task ChartAvailable_NamesTheLocalChartAndImageRegistry_WhenOnlyTheDeadUrlIsLeft()
    {
        var req = FakeClusters.HealthyRequest();
        var report = await Run(FakeClusters.HealthyKs341Host(), With(req, chart: Engine.Charts.KsCoreChartLocation.DefaultUrl));
        Assert.Equal("ChartAvailable", report.Checks[0].Id); // before anything else
        var result = report["ChartAvailable"]!;
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("-Chart", result.Remedy);
        Assert.Contains("./charts/ks-core", result.Remedy);
        Assert.Contains("-ImageRegistry", result.Remedy);
    }

    [Fact]
    public async Task HelmTimeout_CountsTheMuseumAndEachEnabledJob_AndNamesTheValueToUse()
    {
        var req = FakeClusters.HealthyRequest();
        var result = (await Run(FakeClusters.HealthyKs341Host(), With(req, timeout: TimeSpan.FromMinutes(30))))["HelmTimeoutSufficient"]!;
        Assert.Equal(KsCheckStatus.Warning, result.Status);
        // the guide's values enable network and gateway: museum 30 + gateway 5 + 5
        Assert.Contains("40 min", result.Message);
        Assert.Contains("-Timeout 40", result.Remedy);

        var member = FakeClusters.HealthyKs341Host();
        FakeClusters.CcOf(member)["spec"]!["multicluster"]!["clusterRole"] = "member";
        var onMember = (await Run(member, With(req, timeout: TimeSpan.FromMinutes(30))))["HelmTimeoutSufficient"]!;
        Assert.Equal(KsCheckStatus.Passed, onMember.Status); // a member has no museum wait: 5 + 5
    }

    [Fact]
    public async Task HelmTimeout_TheUpgradesDefault_CoversTheGuideJobsOnAHost()
    {
        // the default -Timeout is one value for the upgrades and the check; it must not fail our own check with the guide's jobs
        Assert.Equal(KsUpgrade.Engine.Checks.Preflight.HelmTimeoutSufficientCheck.DefaultTimeout, new KsUpgrade.Engine.Upgrade.UpgradeParameters().Timeout);
        var result = (await Run(FakeClusters.HealthyKs341Host(), With(FakeClusters.HealthyRequest(), defaultTimeout: true)))["HelmTimeoutSufficient"]!;
        Assert.True(result.Status == KsCheckStatus.Passed, $"{result.Status}: {result.Message}");
        Assert.Contains("default -Timeout 45 min", result.Message);
    }

    /// <summary>member1 after the host upgrade: its cc and kubesphere-config say member, the host pushed the gateway chart ConfigMap.</summary>
    internal static InMemoryClusterReader HealthyMemberAfterHostUpgrade()
    {
        var r = FakeClusters.HealthyKs341Host();
        r.CustomObjects[CustomKind.ClusterConfiguration.CrdName][0] = FakeClusters.Cc("v3.4.1", "member", "localhost");
        r.ConfigMaps["kubesphere-system/kubesphere-config"] = new() { ["kubesphere.yaml"] = FakeClusters.KubeSphereYaml("member", FakeClusters.JwtSecret) };
        r.ConfigMaps["kubesphere-system/extension-gateway-1.0.5-chart"] = new();
        return r;
    }

    [Fact]
    public async Task MemberExtensionCharts_PassesWithTheHostsChartConfigMaps_FailsNamingTheMissingOne()
    {
        var req = With(FakeClusters.HealthyRequest(), peers: Array.Empty<PeerCluster>());
        var healthy = await Run(HealthyMemberAfterHostUpgrade(), req);
        var ok = healthy["MemberExtensionCharts"]!;
        Assert.True(ok.Status == KsCheckStatus.Passed, $"{ok.Status}: {ok.Message}");
        Assert.Contains("extension-gateway-1.0.5-chart", ok.Message);

        var r = HealthyMemberAfterHostUpgrade();
        r.ConfigMaps.Remove("kubesphere-system/extension-gateway-1.0.5-chart");
        var report = await Run(r, req);
        var failed = report["MemberExtensionCharts"]!;
        Assert.Equal(KsCheckStatus.Failed, failed.Status);
        Assert.Contains("kubesphere-system/extension-gateway-1.0.5-chart", failed.Message);
        Assert.Contains("Invoke-KsHostUpgrade", failed.Remedy);
        Assert.False(report.Passed);
        foreach (var check in report.Checks.Where(c => c.Id != "MemberExtensionCharts"))
            Assert.True(check.Status == healthy[check.Id]!.Status, $"{check.Id} changed from {healthy[check.Id]!.Status} to {check.Status}: {check.Message}");
        Assert.Equal(1, r.Calls["list configmaps kubesphere-system"]); // one LIST of the namespace, no GET per chart
    }

    [Fact]
    public async Task MemberExtensionCharts_MonitoringAndAlertingNeedTheirChartsToo_AHostSkips()
    {
        var values = FakeClusters.HealthyValues.TrimEnd('\n') + "\n"
            + "      whizard-monitoring:\n        enabled: true\n        priority: 100\n        extensionRef:\n          name: \"whizard-monitoring\"\n          version: \"1.1.1\"\n"
            + "      whizard-alerting:\n        enabled: true\n        priority: 10\n        extensionRef:\n          name: \"whizard-alerting\"\n          version: \"1.0.3\"\n";
        var findings = Engine.Checks.LocalValuesInspector.InspectText(values, "ks-core-values.yaml");
        Assert.Contains(findings.EnabledJobs!, j => j.Name == "whizard-alerting");
        var req = With(FakeClusters.HealthyRequest(), peers: Array.Empty<PeerCluster>(), values: findings);
        var result = (await Run(HealthyMemberAfterHostUpgrade(), req))["MemberExtensionCharts"]!;
        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("extension-whizard-monitoring-1.1.1-chart", result.Message);
        Assert.Contains("extension-whizard-alerting-1.0.3-chart", result.Message);
        Assert.DoesNotContain("extension-gateway-1.0.5-chart", result.Message);

        var onHost = (await Run(FakeClusters.HealthyKs341Host(), req))["MemberExtensionCharts"]!;
        Assert.Equal(KsCheckStatus.Skipped, onHost.Status);
    }

    [Fact]
    public async Task UpgradeJobsMatchComponents_NamesTheJobAndTheCcSetting_AndTheUnknownVersion()
    {
        var r = FakeClusters.HealthyKs341Host();
        FakeClusters.CcOf(r)["spec"]!["network"]!["networkpolicy"]!["enabled"] = false;
        var off = (await Run(r))["UpgradeJobsMatchComponents"]!;
        Assert.Contains("network", off.Message);
        Assert.Contains("spec.network.networkpolicy.enabled", off.Message);
        Assert.Contains("upgrade.config.jobs.network.enabled", off.Remedy);

        var req = With(FakeClusters.HealthyRequest(), values: Engine.Checks.LocalValuesInspector.InspectText(
            FakeClusters.HealthyValues.Replace("version: \"1.0.5\"", "version: \"1.0.99\"", StringComparison.Ordinal), "ks-core-values.yaml"));
        var unknown = (await Run(FakeClusters.HealthyKs341Host(), req))["UpgradeJobsMatchComponents"]!;
        Assert.Equal(KsCheckStatus.Warning, unknown.Status);
        Assert.Contains("gateway 1.0.99", unknown.Message);
        Assert.Contains("cannot be known offline", unknown.Message);

        var noValues = (await Run(FakeClusters.HealthyKs341Host(), new CheckRequest { Helm = FakeClusters.HealthyRequest().Helm }))["UpgradeJobsMatchComponents"]!;
        Assert.Equal(KsCheckStatus.Skipped, noValues.Status);
    }
}

/// <summary>A piped Test-KsCluster report judged the chart of where Test-KsCluster ran; the upgrade judges its own -Chart.</summary>
public class PipedReportChartTests
{
    [Fact]
    public void A_piped_report_whose_only_failure_is_ChartAvailable_is_accepted_by_an_upgrade_with_its_own_chart()
    {
        var report = new KsClusterReport
        {
            Phase = KsCheckPhase.Preflight,
            ClusterRole = KsClusterRole.Host,
            Checks = new[] { new KsCheckResult { Id = "ChartAvailable", Status = KsCheckStatus.Failed, Message = "No -Chart was given and there is no ./charts/ks-core" } },
        };
        KsUpgrade.Engine.Upgrade.UpgradeRun.CheckReport(report, new KsUpgrade.Engine.Upgrade.UpgradeParameters { Role = KsClusterRole.Host, Chart = "/charts/ks-core" });
    }
}
