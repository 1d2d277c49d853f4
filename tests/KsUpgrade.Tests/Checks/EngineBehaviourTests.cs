using KsUpgrade.Engine.Checks;

namespace KsUpgrade.Tests.Checks;

public class EngineBehaviourTests
{
    [Fact]
    public async Task EachKindIsReadOnce_AndNoPerNodeCalls()
    {
        var r = FakeClusters.HealthyKs341Host();
        for (var i = 0; i < 50; i++)
            r.Nodes.Add(new NodeRow($"node{i}", "True", false, new[] { "worker" }, "v1.26.15", "Ubuntu", "containerd://1.7"));
        await new ClusterChecker(r).RunAsync(FakeClusters.HealthyRequest(), null, CancellationToken.None);

        Assert.Equal(1, r.Calls["list nodes"]);
        Assert.Equal(1, r.Calls["list pods"]);
        Assert.Equal(1, r.Calls["list storageclasses"]);
        Assert.Equal(1, r.Calls["list namespaces"]);
        Assert.Equal(1, r.Calls["version"]);
        Assert.Equal(0, r.Calls.GetValueOrDefault("get pods/log")); // the cc status shows ks-installer idle: no log tail
        Assert.Equal(1, r.Calls["list persistentvolumeclaims"]);
        Assert.Equal(2, r.Calls["get configmap"]); // the journal, and kubesphere-config once (role and jwtSecret share the read)
        Assert.Equal(1, r.Calls[$"get {CustomKind.ClusterConfiguration.CrdName}"]);
        Assert.Equal(1, r.Calls["list secrets kubesphere-system"]);
        Assert.Equal(0, r.Calls.GetValueOrDefault("list configmaps kubesphere-system")); // only a member's MemberExtensionCharts lists them
    }

    [Fact]
    public async Task Inventory_CountsPodsPerNode_ListsUnhealthyPods_ComponentsAndClusters()
    {
        var report = await new ClusterChecker(FakeClusters.HealthyKs341Host()).RunAsync(FakeClusters.HealthyRequest(), null, CancellationToken.None);
        var inv = report.Inventory;

        Assert.Equal(new[] { "master1", "worker1", "worker2" }, inv.Nodes.Select(n => n.Name).ToArray());
        Assert.Equal(new[] { 3, 3, 4 }, inv.Nodes.Select(n => n.PodCount).ToArray());
        Assert.Equal(1, inv.MasterCount);
        Assert.Equal(2, inv.WorkerCount);
        Assert.Equal("containerd://1.7.13", inv.Nodes[0].ContainerRuntime);
        var bad = Assert.Single(inv.UnhealthyPods);
        Assert.Equal(("demo", "web-0", "CrashLoopBackOff"), (bad.Namespace, bad.Name, bad.Status));
        Assert.Contains(inv.ComponentStatuses, c => c.Component == "redis" && c.Status == "enabled");
        Assert.Equal(new[] { "host", "member1" }, inv.KubeSphereClusters.Select(c => c.Name).ToArray());
        Assert.Equal(10L, inv.ObjectCounts.Single(c => c.Kind == "Pods").Count);
        Assert.Equal(12L, inv.ObjectCounts.Single(c => c.Kind == "Services").Count);
        Assert.Equal(2L, inv.ObjectCounts.Single(c => c.Kind == "StorageClasses").Count);
        Assert.Equal(13, inv.ObjectCounts.Length);
        Assert.Empty(inv.Gaps);
    }

    [Fact]
    public async Task Progress_ReportsEveryCheck()
    {
        var seen = new List<CheckProgress>();
        var progress = new SyncProgress(seen.Add);
        var report = await new ClusterChecker(FakeClusters.HealthyKs341Host()).RunAsync(FakeClusters.HealthyRequest(), progress, CancellationToken.None);
        var done = seen.Where(p => p.Result is not null).ToList();
        Assert.Equal(report.Checks.Length, done.Count);
        Assert.Equal(report.Checks.Select(c => c.Id).OrderBy(x => x), done.Select(p => p.Result!.Id).OrderBy(x => x));
        Assert.Equal(report.Checks.Length, done.Max(p => p.Completed));
    }

    [Fact]
    public async Task ClusterObject_GetsVersionsAndRole()
    {
        var cluster = new KsCluster("ks34-host", "https://127.0.0.1:6443", new KsConnectionSettings());
        var req = new CheckRequest { Cluster = cluster, Helm = FakeClusters.HealthyRequest().Helm };
        var report = await new ClusterChecker(FakeClusters.HealthyKs341Host()).RunAsync(req, null, CancellationToken.None);
        Assert.Same(cluster, report.Cluster);
        Assert.Equal("v1.26.15", cluster.KubernetesVersion);
        Assert.Equal("v3.4.1", cluster.KubeSphereVersion);
        Assert.Equal(KsClusterRole.Host, cluster.Role);
    }

    [Fact]
    public async Task ACheckThatThrows_FailsClosed_OthersStillRun()
    {
        var checks = CheckCatalog.All.Append(new ThrowingCheck()).ToList();
        var report = await new ClusterChecker(FakeClusters.HealthyKs341Host(), checks).RunAsync(FakeClusters.HealthyRequest(), null, CancellationToken.None);
        var broken = report["Broken"]!;
        Assert.Equal(KsCheckStatus.Failed, broken.Status);
        Assert.Contains("boom", broken.Message);
        Assert.Equal(CheckCatalog.For(KsCheckPhase.Preflight).Count() + 1, report.Checks.Length);
        Assert.False(report.Passed);
    }

    [Fact]
    public async Task Cancellation_Propagates()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var checks = new IClusterCheck[] { new CancellingCheck() };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new ClusterChecker(FakeClusters.HealthyKs341Host(), checks).RunAsync(FakeClusters.HealthyRequest(), null, cts.Token));
    }

    [Fact]
    public void Catalog_IdsAreUniqueAndDocumented()
    {
        var ids = CheckCatalog.All.Select(c => c.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "checks.md"));
        foreach (var check in CheckCatalog.All)
            Assert.Contains($"| `{check.Id}` |", doc);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KsUpgrade.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("KsUpgrade.sln not found above the test output");
    }

    private sealed class SyncProgress(Action<CheckProgress> report) : IProgress<CheckProgress>
    {
        public void Report(CheckProgress value)
        {
            lock (this) report(value);
        }
    }

    private sealed class ThrowingCheck : IClusterCheck
    {
        public string Id => "Broken";
        public string Title => "Always throws";
        public KsCheckPhase[] Phases => new[] { KsCheckPhase.Preflight };
        public Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct) => throw new InvalidOperationException("boom");
    }

    private sealed class CancellingCheck : IClusterCheck
    {
        public string Id => "Cancelling";
        public string Title => "Observes cancellation";
        public KsCheckPhase[] Phases => new[] { KsCheckPhase.Preflight };
        public Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            return Task.FromResult(new KsCheckResult { Id = Id });
        }
    }
}
