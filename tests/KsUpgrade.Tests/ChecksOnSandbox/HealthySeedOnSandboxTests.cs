using k8s;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Checks;

namespace KsUpgrade.Tests.ChecksOnSandbox;

/// <summary>The healthy ks34-host seed passes every preflight check, and a run leaves the cluster exactly as it was.</summary>
public sealed class HealthySeedOnSandboxTests : IClassFixture<HealthyBaselineFixture>
{
    private static readonly string[] PreflightIds =
    {
        "ChartAvailable", "UpgradeInProgress", "NodesReady", "DefaultStorageClass", "KubernetesVersion", "KubernetesVersionSupported", "HelmVersion",
        "ClusterConfiguration", "KubeSphereVersion", "KsInstallerIdle", "KsCoreReleaseNotPending", "ClusterRole",
        "EtcdEndpoints", "UpgradePvcBindable", "ValuesFile", "SystemPodsHealthy", "MembersReady", "WebhookServiceRefs", "KubeSphereServiceAccountToken",
        "JwtSecretConsistent", "MemberExtensionCharts", "UpgradeJobsMatchComponents", "HelmTimeoutSufficient", "ImagesPullable", "ChartRenders", "ChartAdoption",
    };

    private readonly SandboxCheckRun _run;
    public HealthySeedOnSandboxTests(HealthyBaselineFixture healthy) => _run = healthy.Run;

    [Fact]
    public void HealthySeed_PassesEveryPreflightCheck()
    {
        var report = _run.Report;
        Assert.Equal(KsCheckPhase.Preflight, report.Phase);
        Assert.Equal(PreflightIds, report.Checks.Select(c => c.Id).ToArray());
        // JwtSecretConsistent needs the members' connections (ks34-host has none): JwtSecretOnSandboxTests runs it;
        // MemberExtensionCharts is about members: MemberExtensionChartsOnSandboxTests runs it; ImagesPullable is opt-in
        // (-ProbeImages writes a Job): ImagesPullableOnSandboxTests runs it
        Assert.All(report.Checks, c => Assert.True(c.Status == (c.Id is "JwtSecretConsistent" or "MemberExtensionCharts" or "ImagesPullable" ? KsCheckStatus.Skipped : KsCheckStatus.Passed), $"{c.Id}: {c.Status} {c.Message}"));
        Assert.StartsWith("From the cc status", report["KsInstallerIdle"]!.Message);
        Assert.Contains("Bound", report["UpgradePvcBindable"]!.Message);
        Assert.True(report.Passed);
        Assert.Equal(KsClusterRole.Host, report.ClusterRole);
        Assert.Equal("v3.4.1", report.KubeSphereVersion);
        Assert.Equal("v1.26.15", report.KubernetesVersion);
    }

    [Fact]
    public void Run_LeavesTheWholeStateUnchanged()
    {
        Assert.Equal(MaxResourceVersion(_run.StateBefore), MaxResourceVersion(_run.StateAfter));
        Assert.True(_run.StateBefore == _run.StateAfter, "The cluster state changed during a Test-KsCluster run.");
    }

    [Fact]
    public void Run_SendsOnlyGetListWatch()
    {
        ReadOnlyAssert.OnlyReads(_run);
        // It did read what the checks need: nodes, pods, release secrets, PVCs; the cc status made the installer log unneeded.
        foreach (var resource in new[] { "nodes", "pods", "secrets", "storageclasses", "persistentvolumeclaims" })
            Assert.Contains(_run.Requests, r => r.Resource == resource);
    }

    [Fact]
    public async Task ResourceVersion_ReadOverTheApi_IsUnchangedByARun()
    {
        await using var host = await SandboxChecks.StartAsync(SandboxChecks.LoadHostSeed());
        var config = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath, SandboxChecks.Cluster);
        using var client = new k8s.Kubernetes(config);
        var before = await ListResourceVersionsAsync(client);
        var run = await SandboxChecks.RunAsync(host, SandboxChecks.HealthyRequest());
        var after = await ListResourceVersionsAsync(client);
        Assert.True(run.Report.Passed);
        Assert.Equal(before, after);
    }

    /// <summary>The list resourceVersions of the kinds the checks read (each is the cluster's current counter).</summary>
    private static async Task<string> ListResourceVersionsAsync(k8s.Kubernetes client)
    {
        var nodes = await client.CoreV1.ListNodeAsync();
        var secrets = await client.CoreV1.ListNamespacedSecretAsync("kubesphere-system");
        var pods = await client.CoreV1.ListPodForAllNamespacesAsync();
        return $"{nodes.Metadata.ResourceVersion}/{secrets.Metadata.ResourceVersion}/{pods.Metadata.ResourceVersion}";
    }

    private static long MaxResourceVersion(string stateJson)
    {
        var max = 0L;
        Walk(JsonNode.Parse(stateJson));
        return max;

        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    if (o["metadata"] is JsonObject meta && long.TryParse((string?)meta["resourceVersion"], out var rv))
                        max = Math.Max(max, rv);
                    foreach (var (_, child) in o) Walk(child);
                    break;
                case JsonArray a:
                    foreach (var child in a) Walk(child);
                    break;
            }
        }
    }
}
