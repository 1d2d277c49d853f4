using KsUpgrade.Engine.Checks.Preflight;

namespace KsUpgrade.Engine.Checks;

/// <summary>
/// Check Ids given by name: Test-KsCluster -ExcludeCheck (any check) and the upgrades' -IgnoreCheck (a pre-flight check
/// whose failure may be waived). Ids are matched case-insensitively and returned as the catalogue spells them; an
/// unknown Id, or 'all', is bad input.
/// </summary>
public static class CheckIds
{
    /// <summary>The render proof: nothing is changed until the chart renders as the upgrade will render it. Never waived.</summary>
    public static readonly string NotWaivable = new ChartRendersCheck().Id;

    /// <summary>Every check Id, in report order.</summary>
    public static IReadOnlyList<string> All { get; } = CheckCatalog.All.Select(c => c.Id).ToList();

    /// <summary>The Ids -IgnoreCheck accepts: the pre-flight checks except the render proof.</summary>
    public static IReadOnlyList<string> Waivable { get; } = CheckCatalog.For(KsCheckPhase.Preflight).Select(c => c.Id)
        .Where(id => id != NotWaivable).ToList();

    /// <summary>-ExcludeCheck: the Ids as the catalogue spells them, or KsUpgrade.CheckIdUnknown.</summary>
    public static IReadOnlyList<string> ForExclude(IEnumerable<string>? ids) => Resolve(ids, All, "-ExcludeCheck");

    /// <summary>-IgnoreCheck: the Ids as the catalogue spells them, or KsUpgrade.CheckIdUnknown / KsUpgrade.CheckNotWaivable.</summary>
    public static IReadOnlyList<string> ForIgnore(IEnumerable<string>? ids)
    {
        var list = ids?.ToList() ?? new List<string>();
        foreach (var id in list)
        {
            if (string.Equals(id?.Trim(), NotWaivable, StringComparison.OrdinalIgnoreCase))
                throw new KsUpgradeException(ErrorIds.CheckNotWaivable, KsErrorCategory.InvalidArgument,
                    $"-IgnoreCheck cannot waive {NotWaivable}: nothing is changed until the chart renders as the upgrade will render it and every rendered kind will be served. Nothing was changed.",
                    NotWaivable)
                { Remedy = $"Remove {NotWaivable} from -IgnoreCheck and fix what Test-KsCluster -Chart -ValuesPath reports for it (the chart, the values or the helm version)." };
        }
        return Resolve(list, Waivable, "-IgnoreCheck");
    }

    private static IReadOnlyList<string> Resolve(IEnumerable<string>? ids, IReadOnlyList<string> known, string parameter)
    {
        var result = new List<string>();
        foreach (var raw in ids ?? Array.Empty<string>())
        {
            var id = raw?.Trim() ?? "";
            var match = known.FirstOrDefault(k => string.Equals(k, id, StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                var shown = id.Length > 64 ? id[..64] + "..." : id;
                shown = new string(shown.Select(ch => char.IsControl(ch) ? '?' : ch).ToArray());
                var why = string.Equals(id, "all", StringComparison.OrdinalIgnoreCase)
                    ? $"{parameter} does not accept 'all': name each check, so that what is waived is written down"
                    : All.Contains(id, StringComparer.OrdinalIgnoreCase)
                        ? $"{parameter} does not take '{shown}' (it is not a pre-flight check)"
                        : $"'{shown}' is not a check Id";
                throw new KsUpgradeException(ErrorIds.CheckIdUnknown, KsErrorCategory.InvalidArgument, $"{why}. Nothing was changed.", shown)
                {
                    Remedy = $"Use the Id of a check as Test-KsCluster reports it (docs/checks.md): {string.Join(", ", known)}.",
                };
            }
            if (!result.Contains(match)) result.Add(match);
        }
        return result;
    }
}
