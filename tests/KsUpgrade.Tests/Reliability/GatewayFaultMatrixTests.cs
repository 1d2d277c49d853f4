using Xunit.Abstractions;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// The Update-KsGateway -All fault matrix, from a snapshot of a host upgraded cleanly with ks-upgrade's gateway job:
/// each fault at each call the one-at-a-time gateway upgrade makes. Split into classes so xunit runs them in parallel.
/// </summary>
public abstract class GatewayFaultMatrixBase : FaultMatrixBase
{
    protected GatewayFaultMatrixBase(ITestOutputHelper output) : base(output) { }
    protected Task RunCellAsync(FaultKind fault, string step) => RunCellAsync(new FaultCell(fault, step, Scenario.Gateway));
}

public sealed class GatewayFaultMatrixJobSetupTests : GatewayFaultMatrixBase
{
    public GatewayFaultMatrixJobSetupTests(ITestOutputHelper output) : base(output) { }
    public static IEnumerable<object[]> Cells => CellsOf(Scenario.Gateway, "DeleteOldJob", "ApplyConfig");

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}

public sealed class GatewayFaultMatrixJobRunTests : GatewayFaultMatrixBase
{
    public GatewayFaultMatrixJobRunTests(ITestOutputHelper output) : base(output) { }
    public static IEnumerable<object[]> Cells => CellsOf(Scenario.Gateway, "CreateJob", "JobRun");

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}
