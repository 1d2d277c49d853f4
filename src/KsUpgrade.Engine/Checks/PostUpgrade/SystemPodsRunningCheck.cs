using KsUpgrade.Engine.Checks.Preflight;

namespace KsUpgrade.Engine.Checks.PostUpgrade;

/// <summary>Every system-workspace pod is Running or Completed (the seed guide's completion check).</summary>
public sealed class SystemPodsRunningCheck : ClusterCheck
{
    public override string Id => "SystemPodsRunning";
    public override string Title => "System-workspace pods are Running or Completed";
    public override KsCheckPhase[] Phases => PostUpgradeOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var (error, bad, namespaces) = await SystemPods.FindUnhealthyAsync(ctx).ConfigureAwait(false);
        if (error is not null)
            return CannotRead(error);
        if (bad.Count == 0)
            return Passed($"Every pod in the {namespaces} system-workspace namespaces is Running or Completed.");
        return Failed($"{bad.Count} system-workspace pods are not Running/Completed: {NameList(bad.Select(p => $"{p.Namespace}/{p.Name} ({p.Status})"))}.",
            "Inspect them (kubectl describe pod, kubectl logs); image pulls and pending PVCs are the usual causes after an upgrade.",
            bad.Cast<object>().ToArray());
    }
}
