using System.Collections.Concurrent;
using System.Reflection;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Engine.Members;
using KsUpgrade.Engine.Upgrade;
using Xunit.Abstractions;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// A fault matrix (issue 8): each cell injects one fault at one mutating step of a scenario, runs it, clears the faults
/// and runs it again with the same parameters. A cell survives (run 1 succeeded), stops cleanly (run 1 ended with a
/// known ErrorId, or a gateway result saying why, and run 2 reached the clean final state) or is broken (anything
/// else, which fails the test). The classification of each scenario is in <see cref="UpgradeCells"/> (host, member)
/// and <see cref="GatewayCells"/>.
/// </summary>
public abstract class FaultMatrixBase
{
    private readonly ITestOutputHelper _output;
    protected FaultMatrixBase(ITestOutputHelper output) => _output = output;

    /// <summary>Every ErrorId the engine declares: a stop must carry one of these.</summary>
    internal static readonly HashSet<string> KnownErrorIds = new[] { typeof(ErrorIds) }
        .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static | BindingFlags.NonPublic))
        .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!).ToHashSet();

    /// <summary>The cells of a scenario at some of its steps (all steps when none is given), known broken ones left out.</summary>
    public static IEnumerable<object[]> CellsOf(Scenario scenario, params string[] steps) =>
        FaultCell.All(scenario).Where(c => (steps.Length == 0 || steps.Contains(c.Step)) && !HostFaultMatrixBase.KnownBroken.ContainsKey(c))
            .Select(c => new object[] { c.Fault, c.Step });

    /// <summary>
    /// How many cells run at once in this process. A cell mostly waits (jobs, helm --wait, retry delays): running several
    /// side by side, each in its own sandbox, keeps the matrix fast on 2 cores.
    /// </summary>
    public static readonly int CellConcurrency = Math.Max(4, 3 * Environment.ProcessorCount);

    private static readonly SemaphoreSlim Slots = new(CellConcurrency);
    private static readonly ConcurrentDictionary<FaultCell, Lazy<Task<(CellOutcome, string, string)>>> Runs = new();

    /// <summary>
    /// The cell's classification and how long it took (waiting for a slot, then running), started once per process (off
    /// the test's thread, within <see cref="CellConcurrency"/>).
    /// </summary>
    private static Task<(CellOutcome, string, string)> Start(FaultCell cell) => Runs.GetOrAdd(cell, c => new Lazy<Task<(CellOutcome, string, string)>>(() => Task.Run(async () =>
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Slots.WaitAsync();
        var waited = clock.Elapsed;
        try
        {
            var (outcome, note) = c.Scenario == Scenario.Gateway ? await GatewayCells.ClassifyAsync(c) : await UpgradeCells.ClassifyAsync(c);
            return (outcome, note, $"ran {(clock.Elapsed - waited).TotalSeconds:0.0} s after {waited.TotalSeconds:0.0} s waiting for a slot");
        }
        finally
        {
            Slots.Release();
        }
    }))).Value;

    /// <summary>
    /// Runs one cell and fails on Broken. The first cell of a test class also starts the class's other cells (its static
    /// Cells rows), so they run side by side while xunit reports them one by one.
    /// </summary>
    protected async Task RunCellAsync(FaultCell cell)
    {
        if (GetType().GetProperty("Cells", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is IEnumerable<object[]> rows)
            foreach (var row in rows)
                _ = Start(new FaultCell((FaultKind)row[0], (string)row[1], cell.Scenario));
        var (outcome, note, timing) = await Start(cell);
        FaultMatrix.Record(cell, outcome, note);
        _output.WriteLine($"{cell}: {outcome} — {note}");
        _output.WriteLine($"({timing})");
        _output.WriteLine("");
        _output.WriteLine(FaultMatrix.Table());
        Assert.True(outcome != CellOutcome.Broken, $"{cell} is broken: {note}");
    }

    /// <summary>A stop must be a KsUpgradeException with a declared ErrorId; null when it is one, else why not.</summary>
    internal static string? UnknownStop(Exception error) => error switch
    {
        KsUpgradeException ke when !string.IsNullOrEmpty(ke.ErrorId) && KnownErrorIds.Contains(ke.ErrorId) => null,
        KsUpgradeException ke => $"run 1 stopped with an unknown ErrorId '{ke.ErrorId}': {ke.Message}",
        _ => $"run 1 threw {error.GetType().Name}: {error.Message}",
    };
}
