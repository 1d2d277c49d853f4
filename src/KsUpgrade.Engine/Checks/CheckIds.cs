using KsUpgrade.Engine.Checks.Preflight;

namespace KsUpgrade.Engine.Checks;

/// <summary>
/// Check Ids given by name: Test-KsCluster -ExcludeCheck (any check) and the upgrades' -IgnoreCheck (a pre-flight check
/// whose failure may be waived). Ids are matched case-insensitively and returned as the catalogue spells them; an
/// unknown Id, or 'all', is bad input.
/// </summary>
public static class CheckIds
{
    /// <summary>
    /// Never waived: the render proof (nothing is changed until the chart renders as the upgrade will render it) and the
    /// helm the upgrade runs (no override carries it past a helm that is missing, unusable or too old).
    /// </summary>
    public static IReadOnlyList<string> NotWaivable { get; } = new[] { new ChartRendersCheck().Id, new HelmVersionCheck().Id };

    private static string WhyNotWaivable(string id) => id == new HelmVersionCheck().Id
        ? "the upgrade runs helm: it cannot go on with a helm that is missing, unusable or too old"
        : "nothing is changed until the chart renders as the upgrade will render it and every rendered kind will be served";

    private static string RemedyNotWaivable(string id) => id == new HelmVersionCheck().Id
        ? "Remove HelmVersion from -IgnoreCheck; install helm 3.13 or later (helm 4 works too) and put it on PATH, set KSUPGRADE_HELM, or pass -HelmPath <path to helm>; Test-KsCluster shows the HelmVersion check."
        : $"Remove {id} from -IgnoreCheck and fix what Test-KsCluster -Chart -ValuesPath reports for it (the chart, the values or the helm version).";

    /// <summary>Every check Id, in report order.</summary>
    public static IReadOnlyList<string> All { get; } = CheckCatalog.All.Select(c => c.Id).ToList();

    /// <summary>The Ids -IgnoreCheck accepts: the pre-flight checks except the render proof.</summary>
    public static IReadOnlyList<string> Waivable { get; } = CheckCatalog.For(KsCheckPhase.Preflight).Select(c => c.Id)
        .Where(id => !NotWaivable.Contains(id)).ToList();

    /// <summary>-ExcludeCheck: the Ids as the catalogue spells them, or KsUpgrade.CheckIdUnknown.</summary>
    public static IReadOnlyList<string> ForExclude(IEnumerable<string>? ids) => Resolve(ids, All, "-ExcludeCheck");

    /// <summary>-IgnoreCheck: the Ids as the catalogue spells them, or KsUpgrade.CheckIdUnknown / KsUpgrade.CheckNotWaivable.</summary>
    public static IReadOnlyList<string> ForIgnore(IEnumerable<string>? ids)
    {
        var list = ids?.ToList() ?? new List<string>();
        foreach (var id in list)
        {
            var fixedId = NotWaivable.FirstOrDefault(n => string.Equals(id?.Trim(), n, StringComparison.OrdinalIgnoreCase));
            if (fixedId is not null)
                throw new KsUpgradeException(ErrorIds.CheckNotWaivable, KsErrorCategory.InvalidArgument,
                    $"-IgnoreCheck cannot waive {fixedId}: {WhyNotWaivable(fixedId)}. Nothing was changed.", fixedId)
                { Remedy = RemedyNotWaivable(fixedId) };
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
