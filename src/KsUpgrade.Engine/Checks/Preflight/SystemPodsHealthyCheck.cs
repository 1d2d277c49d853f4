namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>Pods in system-workspace namespaces that are not Running/Completed (Warning before the upgrade).</summary>
public sealed class SystemPodsHealthyCheck : ClusterCheck
{
    public override string Id => "SystemPodsHealthy";
    public override string Title => "System-workspace pods are Running or Completed";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var (error, bad, namespaces) = await SystemPods.FindUnhealthyAsync(ctx).ConfigureAwait(false);
        if (error is not null)
            return CannotRead(error);
        if (bad.Count == 0)
            return Passed($"Every pod in the {namespaces} system-workspace namespaces is Running or Completed.");
        return Warning($"{bad.Count} system-workspace pods are not Running/Completed: {NameList(bad.Select(p => $"{p.Namespace}/{p.Name} ({p.Status})"))}.",
            "Fix them first (kubectl describe pod); the upgrade scales and replaces KubeSphere workloads and waits for them.",
            bad.Cast<object>().ToArray());
    }
}

/// <summary>Shared by SystemPodsHealthy (preflight) and SystemPodsRunning (post-upgrade).</summary>
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
