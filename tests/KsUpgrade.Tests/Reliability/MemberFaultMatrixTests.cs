using Xunit.Abstractions;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// The member-upgrade fault matrix: Invoke-KsMemberUpgrade -HostCluster on member1, from a snapshot of a cleanly upgraded
/// host; each fault at each of the member's mutating steps (on member1) and at the taint removal (on the host).
/// Split into classes so xunit runs them in parallel (one collection each).
/// </summary>
public abstract class MemberFaultMatrixBase : FaultMatrixBase
{
    protected MemberFaultMatrixBase(ITestOutputHelper output) : base(output) { }
    protected Task RunCellAsync(FaultKind fault, string step) => RunCellAsync(new FaultCell(fault, step, Scenario.Member));
}

public sealed class MemberFaultMatrixBackupTests : MemberFaultMatrixBase
{
    public MemberFaultMatrixBackupTests(ITestOutputHelper output) : base(output) { }
    public static IEnumerable<object[]> Cells => CellsOf(Scenario.Member, "Backup", "StopInstaller", "EtcdEndpoints");

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}

public sealed class MemberFaultMatrixRedisAndJobTests : MemberFaultMatrixBase
{
    public MemberFaultMatrixRedisAndJobTests(ITestOutputHelper output) : base(output) { }
    public static IEnumerable<object[]> Cells => CellsOf(Scenario.Member, "RemoveOldRedis", "PrepareJob");

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}

public sealed class MemberFaultMatrixHelmAndTaintTests : MemberFaultMatrixBase
{
    public MemberFaultMatrixHelmAndTaintTests(ITestOutputHelper output) : base(output) { }
    public static IEnumerable<object[]> Cells => CellsOf(Scenario.Member, "ApplyCrds", "HelmUpgrade", "RemoveTaint");

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}
