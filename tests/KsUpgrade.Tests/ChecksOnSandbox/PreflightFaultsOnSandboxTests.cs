using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Checks;

namespace KsUpgrade.Tests.ChecksOnSandbox;

/// <summary>
/// Each fault, injected alone into a real sandbox serving the ks34-host seed, changes exactly its check
/// (the real engine reading over KubernetesClient); every other check keeps its status from the healthy seed.
/// </summary>
public sealed class PreflightFaultsOnSandboxTests : IClassFixture<HealthyBaselineFixture>
{
    private readonly HealthyBaselineFixture _healthy;
    public PreflightFaultsOnSandboxTests(HealthyBaselineFixture healthy) => _healthy = healthy;

    public static TheoryData<string> Faults()
    {
        var data = new TheoryData<string>();
        foreach (var f in SandboxFaults.All) data.Add(f.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Fault_ChangesExactlyItsCheck(string name)
    {
        var fault = SandboxFaults.Get(name);
        var seed = SandboxChecks.LoadHostSeed();
        seed = fault.EditSeed?.Invoke(seed) ?? seed;
        await using var host = await SandboxChecks.StartAsync(seed);
        fault.AfterStart?.Invoke(host);
        var request = SandboxChecks.HealthyRequest();
        request = fault.EditRequest?.Invoke(request) ?? request;

        var run = await SandboxChecks.RunAsync(host, request);
        var report = run.Report;

        Assert.Equal(KsCheckPhase.Preflight, report.Phase);
        var baseline = _healthy.Run.Report;
        Assert.Equal(baseline.Checks.Select(c => c.Id), report.Checks.Select(c => c.Id));

        var target = report[fault.CheckId];
        Assert.NotNull(target);
        Assert.True(target.Status == fault.Status, $"{fault.CheckId}: expected {fault.Status}, got {target.Status}: {target.Message}");
        Assert.True(baseline[fault.CheckId]!.Status != fault.Status, $"{fault.CheckId} is already {fault.Status} on the healthy seed");
        Assert.Contains(fault.Offender, target.Message);
        Assert.False(string.IsNullOrWhiteSpace(target.Remedy), $"{fault.CheckId} has no remedy");

        foreach (var check in report.Checks.Where(c => c.Id != fault.CheckId))
        {
            var expected = fault.SkippedDependents.Contains(check.Id) ? KsCheckStatus.Skipped : baseline[check.Id]!.Status;
            Assert.True(check.Status == expected, $"{name}: {check.Id} should be {expected}, is {check.Status}: {check.Message}");
        }
        Assert.Equal(fault.Status != KsCheckStatus.Failed, report.Passed);

        // Read-only on a faulty cluster too.
        Assert.Equal(run.StateBefore, run.StateAfter);
        ReadOnlyAssert.OnlyReads(run);
    }

    [Fact]
    public async Task NotReadyNode_NamesOnlyThatNode()
    {
        await using var host = await SandboxChecks.StartAsync(SandboxChecks.LoadHostSeed());
        host.SetNodeReady(SandboxChecks.Cluster, SandboxFaults.NotReadyNode, ready: false);
        var result = (await SandboxChecks.RunAsync(host, SandboxChecks.HealthyRequest())).Report["NodesReady"]!;
        Assert.Contains(SandboxFaults.NotReadyNode, result.Message);
        foreach (var healthy in new[] { "host-master-1", "host-master-2", "host-master-3", "host-worker-1", "host-worker-3" })
            Assert.DoesNotContain(healthy, result.Message);
    }

    [Fact]
    public async Task MemberNotReady_NamesOnlyThatMember_WithItsReason()
    {
        var fault = SandboxFaults.Get("MemberNotReady");
        await using var host = await SandboxChecks.StartAsync(fault.EditSeed!(SandboxChecks.LoadHostSeed()));
        var result = (await SandboxChecks.RunAsync(host, SandboxChecks.HealthyRequest())).Report["MembersReady"]!;
        Assert.Contains(SandboxFaults.NotReadyMember, result.Message);
        Assert.Contains("AgentUnavailable", result.Message);
        Assert.DoesNotContain("member2", result.Message);
    }

    [Fact]
    public async Task InterruptedUpgrade_PendingRevisionOverDeployed_RemedyDeletesItsSecretOrRollsBack()
    {
        // What an interrupted `helm upgrade` leaves: revision 2 still deployed, revision 3 pending-upgrade.
        var seed = SandboxChecks.LoadHostSeed();
        HelmReleaseSecrets.AddRevision(seed, "kubesphere-system", "ks-core", from: 2, revision: 3, "pending-upgrade", "1.1.5", "v4.1.3");
        await using var host = await SandboxChecks.StartAsync(seed);

        var run = await SandboxChecks.RunAsync(host, SandboxChecks.HealthyRequest());
        var result = run.Report["KsCoreReleaseNotPending"]!;

        Assert.Equal(KsCheckStatus.Failed, result.Status);
        Assert.Contains("sh.helm.release.v1.ks-core.v3", result.Message);
        Assert.Contains("kubectl -n kubesphere-system delete secret sh.helm.release.v1.ks-core.v3", result.Remedy);
        Assert.Contains("helm rollback ks-core 2 -n kubesphere-system", result.Remedy);
        Assert.Equal(KsCheckPhase.Preflight, run.Report.Phase);
        Assert.Equal("v3.4.1", run.Report.KubeSphereVersion); // the pending v4 revision does not count as upgraded
        Assert.Equal(run.StateBefore, run.StateAfter);
    }
}
