using KsUpgrade.Tests.Seeds;
using Xunit.Abstractions;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// The host-upgrade fault matrix (issue 8): each cell injects one fault at one mutating step, runs the upgrade, clears
/// the faults and runs it again with the same parameters (classified by <see cref="UpgradeCells"/>).
/// </summary>
public abstract class HostFaultMatrixBase : FaultMatrixBase
{
    protected HostFaultMatrixBase(ITestOutputHelper output) : base(output) { }

    public static IEnumerable<object[]> CellsOf(params string[] steps) => CellsOf(FaultGroups.FirstMatrix, steps);

    public static IEnumerable<object[]> CellsOf(IReadOnlyCollection<FaultKind> faults, params string[] steps) =>
        FaultCell.All().Where(c => faults.Contains(c.Fault) && steps.Contains(c.Step) && !KnownBroken.ContainsKey(c)).Select(c => new object[] { c.Fault, c.Step });

    /// <summary>
    /// Cells found broken (of any scenario), with what was seen; they are kept out of the green run (and listed in the
    /// table) until fixed. Remove an entry to run that cell again.
    /// </summary>
    public static readonly IReadOnlyDictionary<FaultCell, string> KnownBroken = new Dictionary<FaultCell, string>
    {
    };

    protected Task RunCellAsync(FaultKind fault, string step) => RunCellAsync(new FaultCell(fault, step));
}

// Split into classes so xunit runs them in parallel (one collection each).
public sealed class HostFaultMatrixBackupTests : HostFaultMatrixBase
{
    public HostFaultMatrixBackupTests(ITestOutputHelper output) : base(output) { }
    public static IEnumerable<object[]> Cells => CellsOf("Backup", "StopInstaller", "EtcdEndpoints");

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}

public sealed class HostFaultMatrixRedisAndJobTests : HostFaultMatrixBase
{
    public HostFaultMatrixRedisAndJobTests(ITestOutputHelper output) : base(output) { }
    public static IEnumerable<object[]> Cells => CellsOf("RemoveOldRedis", "PrepareJob");

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}

public sealed class HostFaultMatrixCrdsAndHelmTests : HostFaultMatrixBase
{
    public HostFaultMatrixCrdsAndHelmTests(ITestOutputHelper output) : base(output) { }
    public static IEnumerable<object[]> Cells => CellsOf("ApplyCrds", "HelmUpgrade");

    [HelmTheory, MemberData(nameof(Cells))]
    public Task Cell(FaultKind fault, string step) => RunCellAsync(fault, step);
}

/// <summary>A theory that needs helm v3.17.3; it fails (never skips) when helm cannot be had (HelmTool.Path says how).</summary>
public sealed class HelmTheoryAttribute : TheoryAttribute
{
}
