using Xunit.Abstractions;

namespace KsUpgrade.Tests.Reliability;

/// <summary>The faults the first matrix classes run (HostFaultMatrixTests.cs); the classes below run the others, so no cell runs twice.</summary>
public static class FaultGroups
{
    public static readonly IReadOnlyCollection<FaultKind> FirstMatrix = new[]
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
    // finding helm's process to kill reads /proc: elsewhere the HelmKilled cell is left out (the table shows it not run)
    public static IEnumerable<object[]> Cells => CellsOf(
        OperatingSystem.IsLinux() ? new[] { FaultKind.WatchCut, FaultKind.HelmKilled } : new[] { FaultKind.WatchCut }, FaultCell.MutatingSteps);

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}
