using System.Collections.Concurrent;
using System.Text;

namespace KsUpgrade.Tests.Reliability;

public enum CellOutcome { Survived, StoppedCleanly, Broken }

/// <summary>The outcome of every cell run so far in this test process, and its faults × steps table.</summary>
public static class FaultMatrix
{
    private static readonly ConcurrentDictionary<FaultCell, (CellOutcome Outcome, string Note)> Cells = new();

    /// <summary>Where the table of the last run is written (beside the test assembly), as well as to each cell's test output.</summary>
    public static string TablePath => Path.Combine(AppContext.BaseDirectory, "reliability-fault-matrix.md");

    private static readonly object FileGate = new();

    public static void Record(FaultCell cell, CellOutcome outcome, string note)
    {
        Cells[cell] = (outcome, note);
        lock (FileGate) File.WriteAllText(TablePath, Table());
    }

    public static string Table()
    {
        static string Mark(CellOutcome o) => o switch
        {
            CellOutcome.Survived => "survived",
            CellOutcome.StoppedCleanly => "stopped cleanly",
            _ => "BROKEN",
        };
        var steps = FaultCell.MutatingSteps;
        var sb = new StringBuilder();
        sb.AppendLine("| fault \\ step | " + string.Join(" | ", steps) + " |");
        sb.AppendLine("|---|" + string.Concat(steps.Select(_ => "---|")));
        foreach (var fault in Enum.GetValues<FaultKind>())
        {
            sb.Append("| ").Append(fault).Append(" |");
            foreach (var step in steps)
            {
                var cell = new FaultCell(fault, step);
                sb.Append(' ').Append(Cells.TryGetValue(cell, out var r) ? Mark(r.Outcome)
                    : HostFaultMatrixBase.KnownBroken.ContainsKey(cell) ? "BROKEN (known, not run)"
                    : FaultCell.All().Contains(cell) ? "(not run)" : "n/a").Append(" |");
            }
            sb.AppendLine();
        }
        var counts = Cells.Values.GroupBy(v => v.Outcome).Select(g => $"{g.Key}: {g.Count()}");
        sb.AppendLine($"{Cells.Count} of {FaultCell.All().Count()} cells run; " + string.Join(", ", counts));
        foreach (var (cell, r) in Cells.OrderBy(c => c.Key.ToString(), StringComparer.Ordinal))
            sb.AppendLine($"  {cell}: {Mark(r.Outcome)} — {r.Note}");
        foreach (var (cell, why) in HostFaultMatrixBase.KnownBroken)
            sb.AppendLine($"  {cell}: BROKEN (known, not run) — {why}");
        return sb.ToString();
    }
}
