namespace KsUpgrade.Engine.Checks;

/// <summary>Base for the checks: Id/Title/Phases and helpers that build results carrying them.</summary>
public abstract class ClusterCheck : IClusterCheck
{
    protected static readonly KsCheckPhase[] PreflightOnly = { KsCheckPhase.Preflight };
    protected static readonly KsCheckPhase[] PostUpgradeOnly = { KsCheckPhase.PostUpgrade };

    public abstract string Id { get; }
    public abstract string Title { get; }
    public abstract KsCheckPhase[] Phases { get; }
    public abstract Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct);

    protected KsCheckResult Passed(string message, params object[] data) => Make(KsCheckStatus.Passed, message, null, data);
    protected KsCheckResult Warning(string message, string remedy, params object[] data) => Make(KsCheckStatus.Warning, message, remedy, data);
    protected KsCheckResult Failed(string message, string remedy, params object[] data) => Make(KsCheckStatus.Failed, message, remedy, data);
    protected KsCheckResult Skipped(string message) => Make(KsCheckStatus.Skipped, message, null, Array.Empty<object>());

    /// <summary>
    /// The result for a read that failed: "not permitted" (403) and other errors are Warnings (the check could not
    /// verify); a kind that is not served gets <paramref name="notServedStatus"/>.
    /// </summary>
    protected KsCheckResult CannotRead<T>(ReadResult<T> read, KsCheckStatus notServedStatus = KsCheckStatus.Warning) => read.Failure switch
    {
        ClusterReadFailure.Forbidden => Warning($"Could not verify: {read.Error}.",
            "Run Test-KsCluster with an identity that may list and get this kind (cluster-admin is what the upgrade needs anyway)."),
        ClusterReadFailure.NotServed => Make(notServedStatus, $"{read.Error}.", notServedStatus == KsCheckStatus.Skipped ? null : "Check that you are connected to the right cluster and that it serves this kind.", Array.Empty<object>()),
        _ => Warning($"Could not verify: {read.Error}.", "Check the connection to the API server and run Test-KsCluster again."),
    };

    protected KsCheckResult Make(KsCheckStatus status, string message, string? remedy, object[] data) => new()
    {
        Id = Id,
        Title = Title,
        Status = status,
        Message = message,
        Remedy = status == KsCheckStatus.Passed ? null : remedy,
        Data = data,
    };

    /// <summary>"a, b, c and 7 more" for messages; the full list goes into Data.</summary>
    protected static string NameList(IEnumerable<string> names, int max = 10)
    {
        var list = names.ToList();
        return list.Count <= max ? string.Join(", ", list) : string.Join(", ", list.Take(max)) + $" and {list.Count - max} more";
    }
}
