namespace KsUpgrade.Engine.Checks;

/// <summary>One check of Test-KsCluster. Stable Id (public contract: never rename; see docs/checks.md).</summary>
public interface IClusterCheck
{
    string Id { get; }
    string Title { get; }
    KsCheckPhase[] Phases { get; }
    Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct);
}
