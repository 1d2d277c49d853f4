namespace KsUpgrade.Engine.Upgrade;

/// <summary>The outcome of a set of checks: failed or not, with one message per problem (or per check).</summary>
public sealed record CheckOutcome(bool Failed, IReadOnlyList<string> Messages)
{
    public static readonly CheckOutcome Passed = new(false, Array.Empty<string>());

    /// <summary>
    /// Pre-flight: the owners ("namespace/Kind/name") of the system-workspace pods failing now, the baseline the journal
    /// keeps so the post-check can tell the upgrade's failures from the cluster's old ones.
    /// </summary>
    public IReadOnlyList<string> FailingPods { get; init; } = Array.Empty<string>();

    /// <summary>
    /// The checks that failed, by Id: what -IgnoreCheck may waive by name. A Failed outcome without them cannot be waived.
    /// </summary>
    public IReadOnlyList<KsCheckResult> FailedChecks { get; init; } = Array.Empty<KsCheckResult>();
}

/// <summary>The Test-KsCluster checks the upgrade runs; the lead wires ClusterChecker behind it.</summary>
public interface IUpgradeChecks
{
    /// <summary>The Preflight checks (Failed = some check failed); <paramref name="render"/> is the upgrade's own render proof, reported as ChartRenders.</summary>
    Task<CheckOutcome> PreflightAsync(Checks.ChartRenderFindings? render, CancellationToken ct);

    /// <summary>The PostUpgrade checks.</summary>
    Task<CheckOutcome> PostUpgradeAsync(CancellationToken ct);
}
