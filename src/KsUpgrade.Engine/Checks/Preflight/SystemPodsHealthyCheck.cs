namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>Pods in system-workspace namespaces that are not Running/Completed (Warning before the upgrade).</summary>
public sealed class SystemPodsHealthyCheck : SystemPodsCheck
{
    public override string Id => "SystemPodsHealthy";
    public override KsCheckPhase[] Phases => PreflightOnly;

    protected override Task<KsCheckResult> JudgeAsync(CheckContext ctx, IReadOnlyList<KsPodInfo> bad) =>
        Task.FromResult(Warning($"{bad.Count} system-workspace pods are not Running/Completed: {NameList(bad.Select(Describe))}.",
            "Fix them first (kubectl describe pod); the upgrade scales and replaces KubeSphere workloads and waits for them.",
            bad.Cast<object>().ToArray()));
}
