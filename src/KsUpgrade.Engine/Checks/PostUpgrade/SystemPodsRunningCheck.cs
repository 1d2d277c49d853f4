namespace KsUpgrade.Engine.Checks.PostUpgrade;

/// <summary>
/// Every system-workspace pod is Running or Completed (the seed guide's completion check). It judges the upgrade, not
/// the cluster's old problems: pods whose workload was already failing at the upgrade's pre-flight (the baseline the
/// upgrade journal keeps) are a Warning; only new failures fail.
/// </summary>
public sealed class SystemPodsRunningCheck : SystemPodsCheck
{
    public const string AlreadyFailing = "already failing before the upgrade";

    public override string Id => "SystemPodsRunning";
    public override KsCheckPhase[] Phases => PostUpgradeOnly;

    protected override async Task<KsCheckResult> JudgeAsync(CheckContext ctx, IReadOnlyList<KsPodInfo> bad)
    {
        var journal = await ctx.UpgradeJournal.ConfigureAwait(false);
        var before = journal.IsOk && journal.Value is { } j ? j.FailingSystemPodsBefore() : new HashSet<string>();
        var old = bad.Where(p => before.Contains(p.OwnerKey)).ToList();
        var fresh = bad.Where(p => !before.Contains(p.OwnerKey)).ToList();
        var oldText = old.Count == 0 ? "" : $"{old.Count} {AlreadyFailing} (their workloads failed at the pre-flight too): {NameList(old.Select(Describe))}";
        if (fresh.Count == 0)
            return Warning($"{oldText}.",
                "Not caused by the upgrade; fix them when convenient (kubectl describe pod, kubectl logs).",
                bad.Cast<object>().ToArray());
        return Failed($"{fresh.Count} system-workspace pods are not Running/Completed: {NameList(fresh.Select(Describe))}." + (old.Count == 0 ? "" : $" Also {oldText}."),
            "Inspect them (kubectl describe pod, kubectl logs); image pulls and pending PVCs are the usual causes after an upgrade.",
            bad.Cast<object>().ToArray());
    }
}
