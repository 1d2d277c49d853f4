using System.Collections.Concurrent;
using System.Text;

namespace KsUpgrade.Tests.Reliability;

public enum CellOutcome { Survived, StoppedCleanly, Broken }

/// <summary>The outcome of every cell run so far in this test process, and one faults × steps table per scenario.</summary>
public static class FaultMatrix
{
    private static readonly ConcurrentDictionary<FaultCell, (CellOutcome Outcome, string Note)> Cells = new();

    /// <summary>Where the tables of the last run are written (beside the test assembly), as well as to each cell's test output.</summary>
    public static string TablePath => Path.Combine(AppContext.BaseDirectory, "reliability-fault-matrix.md");

    private static readonly object FileGate = new();

    public static void Record(FaultCell cell, CellOutcome outcome, string note)
    {
        Cells[cell] = (outcome, note);
        lock (FileGate) File.WriteAllText(TablePath, Table());
    }

    private static string Mark(CellOutcome o) => o switch
    {
        CellOutcome.Survived => "survived",
        CellOutcome.StoppedCleanly => "stopped cleanly",
        _ => "BROKEN",
    };

    /// <summary>The tables of every scenario that has a cell run (the host's always).</summary>
    public static string Table()
    {
        var sb = new StringBuilder();
        foreach (var scenario in Enum.GetValues<Scenario>())
        {
            if (scenario != Scenario.Host && !Cells.Keys.Any(c => c.Scenario == scenario)) continue;
            if (sb.Length > 0) sb.AppendLine();
            sb.Append(Table(scenario));
        }
        return sb.ToString();
    }

    public static string Table(Scenario scenario)
    {
        var steps = FaultCell.StepsOf(scenario);
        var all = FaultCell.All(scenario).ToHashSet();
        var cells = Cells.Where(c => c.Key.Scenario == scenario).ToList();
        var notApplicable = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var sb = new StringBuilder();
        sb.AppendLine($"### {scenario} ({Title(scenario)})");
        sb.AppendLine("| fault \\ step | " + string.Join(" | ", steps) + " |");
        sb.AppendLine("|---|" + string.Concat(steps.Select(_ => "---|")));
        foreach (var fault in Enum.GetValues<FaultKind>())
        {
            sb.Append("| ").Append(fault).Append(" |");
            foreach (var step in steps)
            {
                var cell = new FaultCell(fault, step, scenario);
                string mark;
                if (Cells.TryGetValue(cell, out var r)) mark = Mark(r.Outcome);
                else if (HostFaultMatrixBase.KnownBroken.ContainsKey(cell)) mark = "BROKEN (known, not run)";
                else if (all.Contains(cell)) mark = "(not run)";
                else
                {
                    mark = "n/a";
                    var why = FaultCell.NotApplicable(cell) ?? "not in the matrix";
                    if (!notApplicable.TryGetValue(why, out var list)) notApplicable[why] = list = new List<string>();
                    list.Add(cell.ToString());
                }
                sb.Append(' ').Append(mark).Append(" |");
            }
            sb.AppendLine();
        }
        var counts = cells.GroupBy(v => v.Value.Outcome).Select(g => $"{g.Key}: {g.Count()}");
        sb.AppendLine($"{cells.Count} of {all.Count} cells run; " + string.Join(", ", counts));
        foreach (var (why, which) in notApplicable)
            sb.AppendLine($"  n/a: {why} ({string.Join(", ", which)})");
        foreach (var (cell, r) in cells.OrderBy(c => c.Key.ToString(), StringComparer.Ordinal))
            sb.AppendLine($"  {cell}: {Mark(r.Outcome)} — {r.Note}");
        foreach (var (cell, why) in HostFaultMatrixBase.KnownBroken.Where(k => k.Key.Scenario == scenario))
            sb.AppendLine($"  {cell}: BROKEN (known, not run) — {why}");
        return sb.ToString();
    }

    private static string Title(Scenario scenario) => scenario switch
    {
        Scenario.Host => "Invoke-KsHostUpgrade",
        Scenario.Member => "Invoke-KsMemberUpgrade -HostCluster, member1 after the host",
        Scenario.Gateway => "Update-KsGateway on the upgraded host's project and cluster gateways (the workspace gateway is refused)",
        _ => scenario.ToString(),
    };
}
