using Xunit.Abstractions;

namespace KsUpgrade.Tests.Reliability;

/// <summary>Which faults the first classes run and which the classes below run (so no cell runs twice).</summary>
public static class NewFaultCells
{
    public static readonly IReadOnlyCollection<FaultKind> FirstFaults = new[]
    {
        FaultKind.Api500Burst, FaultKind.TooManyRequests429, FaultKind.DroppedConnection, FaultKind.Persistent500,
        FaultKind.JobFailed, FaultKind.StoppedAfterStep,
    };
}

// One class per fault group, so xunit runs them in parallel with the first classes.
public sealed class HostFaultMatrixConflictTests : HostFaultMatrixBase
{
    public HostFaultMatrixConflictTests(ITestOutputHelper output) : base(output) { }
    public static IEnumerable<object[]> Cells => CellsOf(new[] { FaultKind.Conflict409 }, FaultCell.MutatingSteps);

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}

public sealed class HostFaultMatrixStopMidStepTests : HostFaultMatrixBase
{
    public HostFaultMatrixStopMidStepTests(ITestOutputHelper output) : base(output) { }
    public static IEnumerable<object[]> Cells => CellsOf(new[] { FaultKind.StoppedMidStep }, FaultCell.MutatingSteps);

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}

public sealed class HostFaultMatrixHelmProcessTests : HostFaultMatrixBase
{
    public HostFaultMatrixHelmProcessTests(ITestOutputHelper output) : base(output) { }
    public static IEnumerable<object[]> Cells => CellsOf(new[] { FaultKind.WatchCut, FaultKind.HelmKilled }, FaultCell.MutatingSteps);

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}
