using KsUpgrade.Engine.Checks;
namespace KsUpgrade.Engine.Upgrade;

/// <summary>-IgnoreCheck: the one place that decides which failed pre-flight checks are waived.</summary>
public static class CheckWaivers
{
    /// <summary>
    /// The failed checks of <paramref name="outcome"/> that <paramref name="ignored"/> names (as CheckIds.ForIgnore
    /// spells them): those are waived and returned. Any other failure (or a failure not known by Id) stops the upgrade
    /// with KsUpgrade.PreflightFailed, naming what -IgnoreCheck would have to say.
    /// </summary>
    public static IReadOnlyList<KsCheckResult> WaiveOrRefuse(CheckOutcome outcome, IReadOnlyCollection<string> ignored, string context)
    {
        if (!outcome.Failed) return Array.Empty<KsCheckResult>();
        bool Waived(KsCheckResult f) => ignored.Contains(f.Id, StringComparer.OrdinalIgnoreCase) && !CheckIds.NotWaivable.Contains(f.Id);
        var waived = outcome.FailedChecks.Where(Waived).ToList();
        var refused = outcome.FailedChecks.Where(f => !Waived(f)).ToList();
        if (refused.Count == 0 && outcome.FailedChecks.Count > 0) return waived;
        var text = refused.Count > 0 ? string.Join("; ", refused.Select(f => $"{f.Id}: {f.Message}")) : string.Join("; ", outcome.Messages);
        var remedies = string.Join(" ", refused.Where(f => !string.IsNullOrEmpty(f.Remedy)).Select(f => f.Remedy).Distinct());
        var waivable = refused.Where(f => !CheckIds.NotWaivable.Contains(f.Id)).ToList();
        var waiver = waivable.Count > 0 && waivable.Count == refused.Count
            ? $" To upgrade anyway, waive each failed check by name: -IgnoreCheck {string.Join(", ", waivable.Select(f => f.Id))} (each is written to the journal)."
            : "";
        throw new KsUpgradeException(ErrorIds.PreflightFailed, KsErrorCategory.InvalidOperation,
            $"The pre-flight checks failed on {context}: {text}. Nothing was changed.", context)
        {
            Remedy = (remedies.Length > 0 ? remedies + " " : "") + "Test-KsCluster shows every check." + waiver,
        };
    }
}
