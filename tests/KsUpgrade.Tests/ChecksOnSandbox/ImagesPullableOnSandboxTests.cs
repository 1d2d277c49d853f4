using k8s;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Helm;
using KsUpgrade.Sandbox.Hosting;

namespace KsUpgrade.Tests.ChecksOnSandbox;

/// <summary>
/// Test-KsCluster -ProbeImages over the ks34-host sandbox: the probe Job's pod pulls every image; an image the fault
/// plan makes unpullable leaves its container waiting ErrImagePull/ImagePullBackOff (with Failed events, as the kubelet
/// writes them) and ImagesPullable is Failed naming it with the kubelet's error; the Job and its pod are gone after
/// the run, also when it is cancelled; without -ProbeImages nothing is created.
/// </summary>
public sealed class ImagesPullableOnSandboxTests
{
    private const string Museum = "docker.io/kubesphere/ks-extensions-museum:v1.1.5";

    private static async Task<(KsClusterReport Report, Kubernetes Client)> RunAsync(SandboxHost host, bool probe, CancellationToken ct = default)
    {
        var cluster = await ClusterConnector.ConnectAsync(new KsConnectionSettings { KubeconfigPaths = new[] { host.KubeconfigPath }, Context = SandboxChecks.Cluster }, null, CancellationToken.None);
        var report = await ClusterTest.RunAsync(cluster, new ClusterTestOptions
        {
            Phase = KsCheckPhase.Preflight,
            ProbeImages = probe ? new KsCoreImageSettings() : null,
            ProbePollInterval = TimeSpan.FromMilliseconds(200),
            ProbeTimeout = TimeSpan.FromSeconds(20),
        }, NullEngineLog.Instance, ct);
        return (report, new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath, SandboxChecks.Cluster)));
    }

    private static async Task AssertProbeJobGoneAsync(Kubernetes client)
    {
        Assert.Null((await client.BatchV1.ListNamespacedJobAsync(ImagePullProbe.Namespace)).Items.FirstOrDefault(j => j.Metadata.Name == ImagePullProbe.JobName));
        Assert.Empty((await client.CoreV1.ListNamespacedPodAsync(ImagePullProbe.Namespace, labelSelector: $"job-name={ImagePullProbe.JobName}")).Items);
    }

    [Fact]
    public async Task UnpullableImage_FailsWithTheKubeletsError_AndTheJobIsDeleted()
    {
        await using var host = await SandboxChecks.StartAsync(SandboxChecks.LoadHostSeed());
        host.Faults.FailImagePull(Museum, message: "failed to resolve reference \"" + Museum + "\": pull access denied, repository does not exist or may require authorization");
        var (report, client) = await RunAsync(host, probe: true);
        using (client)
        {
            var check = report["ImagesPullable"]!;
            Assert.True(check.Status == KsCheckStatus.Failed, $"{check.Status}: {check.Message}");
            Assert.Contains(Museum, check.Message);
            Assert.Contains("pull access denied", check.Message);
            Assert.Contains("1 of 5 images the run's parameters name", check.Message); // no chart rendered: only those
            Assert.Contains(ImagePullProbe.NotProbedWithoutChart, check.Message);
            Assert.DoesNotContain("ks-apiserver:v4.1.3:", check.Message);
            var outcomes = check.Data.Cast<ImagePullOutcome>().ToList();
            Assert.Equal(5, outcomes.Count);
            var museum = Assert.Single(outcomes, o => !o.Pulled);
            Assert.Contains(museum.Reason, new[] { "ErrImagePull", "ImagePullBackOff" });
            Assert.Contains(outcomes, o => o.Image == "docker.io/kubesphere/ks-upgrade:v4.1.3" && o.Pulled);
            await AssertProbeJobGoneAsync(client);
            // the kubelet's events of the pull are there, as on a real cluster
            var events = await client.CoreV1.ListNamespacedEventAsync(ImagePullProbe.Namespace);
            Assert.Contains(events.Items, e => e.Reason == "Failed" && e.Message.StartsWith($"Failed to pull image \"{Museum}\"", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AllImagesPullable_WithoutAChart_IsAWarningNamingWhatWasNotPulled_WithoutProbeImagesNothingIsCreated()
    {
        await using var host = await SandboxChecks.StartAsync(SandboxChecks.LoadHostSeed());
        var (report, client) = await RunAsync(host, probe: true);
        using (client)
        {
            var check = report["ImagesPullable"]!;
            // not a pass: the images the chart pins were not known, so they were not pulled (ChartRenderProofTests pulls them)
            Assert.True(check.Status == KsCheckStatus.Warning, $"{check.Status}: {check.Message}");
            Assert.Contains(ImagePullProbe.NotProbedWithoutChart, check.Message);
            Assert.Contains("-Chart", check.Remedy);
            Assert.All(check.Data.Cast<ImagePullOutcome>(), o => Assert.True(o.Pulled, o.Image));
            await AssertProbeJobGoneAsync(client);
        }
        host.Requests.Reset();
        var (plain, plainClient) = await RunAsync(host, probe: false);
        plainClient.Dispose();
        Assert.Equal(KsCheckStatus.Skipped, plain["ImagesPullable"]!.Status);
        Assert.Contains("-ProbeImages", plain["ImagesPullable"]!.Message);
        Assert.DoesNotContain(host.Requests.Snapshot(), r => r.Verb is not ("get" or "list" or "watch"));
    }

    [Fact]
    public async Task Cancelled_WhileAnImageCannotBePulled_TheJobIsStillDeleted()
    {
        await using var host = await SandboxChecks.StartAsync(SandboxChecks.LoadHostSeed());
        host.Faults.FailImagePull("docker.io/kubesphere/redis");
        using var cts = new CancellationTokenSource();
        // Ctrl+C as the probe's Job is being created (raised on the request's thread, before the server creates it)
        host.Faults.Matched += m => { if (m.Resource == "jobs" && m.Verb == "create") cts.Cancel(); };
        host.AddFault(new KsUpgrade.Sandbox.Faults.FaultRule { Verb = "create", Resource = "jobs", DelayMs = 1, Times = 1 });
        host.Requests.Reset();
        var stopped = await Record.ExceptionAsync(() => RunAsync(host, probe: true, cts.Token));
        Assert.True(stopped is OperationCanceledException or KsUpgradeException, $"{stopped}"); // the cmdlet maps either to a stop
        var requests = host.Requests.Snapshot();
        Assert.Equal(1L, requests.Where(r => r.Verb == "create" && r.Resource == "jobs").Sum(r => r.Count));
        Assert.True(requests.Where(r => r.Verb == "delete" && r.Resource == "jobs").Sum(r => r.Count) >= 2, "the Job is deleted before and after"); // the leftover check, then the cleanup
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath, SandboxChecks.Cluster));
        await AssertProbeJobGoneAsync(client);
    }
}
