namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// ks-installer is idle: no pod labelled app in (ks-install, ks-installer) in kubesphere-system, or the last 20 log
/// lines of the first such pod contain "Welcome to KubeSphere!" (pre-check.sh parity).
/// </summary>
public sealed class KsInstallerIdleCheck : ClusterCheck
{
    public const int TailLines = 20;

    public override string Id => "KsInstallerIdle";
    public override string Title => "ks-installer is idle";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var pods = await ctx.Pods.ConfigureAwait(false);
        if (!pods.IsOk)
            return CannotRead(pods);
        var installers = pods.Value
            .Where(p => p.Namespace == KsNames.KubeSphereSystem && p.AppLabel is not null && KsNames.InstallerAppLabels.Contains(p.AppLabel))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
        if (installers.Count == 0)
            return Passed("No ks-installer pod is running.");
        var pod = installers[0];
        string? log;
        try
        {
            log = await ctx.Reader.ReadPodLogTailAsync(pod.Namespace, pod.Name, TailLines, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (pod.DisplayStatus != "Running")
                return Failed($"ks-installer pod {pod.Namespace}/{pod.Name} is {pod.DisplayStatus} and has no readable log: it has not finished.",
                    $"Find out why (kubectl -n {pod.Namespace} describe pod {pod.Name}), let ks-installer finish, then run Test-KsCluster again.", pod);
            return Warning($"Could not read the log of ks-installer pod {pod.Namespace}/{pod.Name}: {(ex is OperationCanceledException ? "the request timed out" : ex.Message)}.",
                $"Check it by hand: kubectl -n {pod.Namespace} logs {pod.Name} --tail {TailLines}.", pod);
        }
        if (log is null)
            return Passed($"ks-installer pod {pod.Name} is gone.");
        if (log.Contains(KsNames.WelcomeLine, StringComparison.Ordinal))
            return Passed($"ks-installer pod {pod.Name} has finished (its log shows \"{KsNames.WelcomeLine}\").");
        return Failed($"ks-installer pod {pod.Namespace}/{pod.Name} ({pod.DisplayStatus}) is still working: its last {TailLines} log lines lack \"{KsNames.WelcomeLine}\".",
            $"Wait until ks-installer finishes (kubectl -n {pod.Namespace} logs -f {pod.Name}) and fix what it reports, then run Test-KsCluster again.",
            pod);
    }
}
