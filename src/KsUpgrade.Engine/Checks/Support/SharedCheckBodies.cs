namespace KsUpgrade.Engine.Checks;

// The checks that ask the same question at two moments share one body here; each keeps its public Id and only says
// how it judges what the body found (docs/checks.md lists both Ids of each pair).

/// <summary>
/// The system-workspace pods that are not Running or Completed: SystemPodsHealthy (before the upgrade) and
/// SystemPodsRunning (after it) read and list them the same way and differ only in the verdict.
/// </summary>
public abstract class SystemPodsCheck : ClusterCheck
{
    public sealed override string Title => "System-workspace pods are Running or Completed";

    public sealed override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var (error, bad, namespaces) = await SystemPods.FindUnhealthyAsync(ctx).ConfigureAwait(false);
        if (error is not null)
            return CannotRead(error);
        if (bad.Count == 0)
            return Passed($"Every pod in the {namespaces} system-workspace namespaces is Running or Completed.");
        return await JudgeAsync(ctx, bad).ConfigureAwait(false);
    }

    /// <summary>The verdict on the pods that are not Running/Completed (never empty).</summary>
    protected abstract Task<KsCheckResult> JudgeAsync(CheckContext ctx, IReadOnlyList<KsPodInfo> bad);

    protected static string Describe(KsPodInfo p) => $"{p.Namespace}/{p.Name} ({p.Status})";
}

/// <summary>Shared by the system-pod checks and the upgrade's pre-flight baseline.</summary>
internal static class SystemPods
{
    /// <summary>The owners ("namespace/Kind/name") of the failing pods a SystemPodsHealthy result lists in its Data: the upgrade's baseline.</summary>
    public static IReadOnlyList<string> FailingOwners(KsCheckResult? systemPodsHealthy) =>
        (systemPodsHealthy?.Data ?? Array.Empty<object>()).OfType<KsPodInfo>().Select(p => p.OwnerKey).Distinct(StringComparer.Ordinal)
            .OrderBy(k => k, StringComparer.Ordinal).ToList();

    public static async Task<(ReadResult<IReadOnlyList<PodRow>>? Error, List<KsPodInfo> Bad, int Namespaces)> FindUnhealthyAsync(CheckContext ctx)
    {
        var nsRead = await ctx.SystemNamespaces.ConfigureAwait(false);
        var pods = await ctx.Pods.ConfigureAwait(false);
        if (!nsRead.IsOk)
            return (ReadResult<IReadOnlyList<PodRow>>.Failed(nsRead.Failure!.Value, nsRead.Error!), new(), 0);
        if (!pods.IsOk)
            return (pods, new(), 0);
        var names = nsRead.Value.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var bad = pods.Value
            .Where(p => names.Contains(p.Namespace) && !p.IsRunningOrCompleted)
            .OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => new KsPodInfo(p.Namespace, p.Name, p.DisplayStatus, p.NodeName, p.Owner))
            .ToList();
        return (null, bad, names.Count);
    }
}

/// <summary>
/// A host's member clusters (clusters.cluster.kubesphere.io without the host): MembersReady (before the upgrade) and
/// MembersSchedulable (after it) read them the same way and differ only in the verdict.
/// </summary>
public abstract class MemberClustersCheck : ClusterCheck
{
    /// <summary>Whether the check judges a cluster of this role (others are Skipped).</summary>
    protected abstract bool AppliesTo(KsClusterRole role);

    public sealed override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var role = await ctx.Role.ConfigureAwait(false);
        if (!AppliesTo(role))
            return Skipped($"Not a host cluster (role {role}).");
        var clusters = await ctx.KubeSphereClusters.ConfigureAwait(false);
        if (!clusters.IsOk)
            return CannotRead(clusters, KsCheckStatus.Skipped); // no clusters kind: nothing to check
        var members = clusters.Value.Where(c => !c.IsHost).ToList();
        if (members.Count == 0)
            return Passed("The host has no member clusters.");
        return Judge(members);
    }

    /// <summary>The verdict on the members (never empty).</summary>
    protected abstract KsCheckResult Judge(IReadOnlyList<KsClusterInfo> members);
}

/// <summary>
/// The Kubernetes server version: KubernetesVersion (the minimum) and KubernetesVersionSupported (the tested range)
/// read and parse it the same way and differ in what an unreadable version means and in the verdict.
/// </summary>
public abstract class ServerVersionCheck : ClusterCheck
{
    public sealed override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var version = await ctx.ServerVersion.ConfigureAwait(false);
        if (!version.IsOk)
            return CannotRead(version);
        return LooseVersion.TryParse(version.Value, out var v) ? Judge(version.Value, v) : Unreadable(version.Value);
    }

    /// <summary>The result when the server's gitVersion is not a version.</summary>
    protected abstract KsCheckResult Unreadable(string gitVersion);

    protected abstract KsCheckResult Judge(string gitVersion, LooseVersion version);
}
