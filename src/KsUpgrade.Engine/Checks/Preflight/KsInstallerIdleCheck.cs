namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// ks-installer is idle. Evidence first from cc ks-installer's status (upgrade-painpoints.md §1.1, §2 item 7): every
/// component ks-installer writes a status for is `enabled`/`successful` (none `failed`), and every component enabled in
/// the cc spec has its status (one without is one ks-installer has not finished: it is mid-run). Only when the cc has no
/// status (or cannot be read) does it fall back to pre-check.sh's evidence: no pod labelled app in (ks-install,
/// ks-installer) in kubesphere-system, or "Welcome to KubeSphere!" in the last 20 log lines of the first one. The message
/// says which evidence decided.
/// </summary>
public sealed class KsInstallerIdleCheck : ClusterCheck
{
    public const int TailLines = 20;
    private static readonly string[] DoneStates = { "enabled", "successful" };

    public override string Id => "KsInstallerIdle";
    public override string Title => "ks-installer is idle";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var cc = await ctx.ClusterConfiguration.ConfigureAwait(false);
        string fallbackWhy;
        if (cc.IsOk && cc.Value is { } info && info.Components.Any(c => c.Component == "core"))
        {
            var failed = info.Components.Where(c => c.Status is not null && !DoneStates.Contains(c.Status, StringComparer.OrdinalIgnoreCase)).ToList();
            var pending = (info.EnabledInSpec ?? Array.Empty<string>()).Where(e => info.Components.All(c => c.Component != e)).ToList();
            if (failed.Count > 0)
                return Failed($"From the cc status: ks-installer reports {NameList(failed.Select(c => $"{c.Component} {c.Status}"))}.",
                    "Fix what ks-installer reports for it (kubectl -n kubesphere-system logs deploy/ks-installer), let it finish, then run Test-KsCluster again.",
                    failed.Cast<object>().ToArray());
            if (pending.Count > 0)
                return Failed($"From the cc status: ks-installer is mid-run: {NameList(pending)} {(pending.Count == 1 ? "is" : "are")} enabled in the cc spec but have no status yet.",
                    "Wait until ks-installer has written a status for every enabled component (kubectl -n kubesphere-system get cc ks-installer -o jsonpath='{.status}'), or disable what it cannot install, then run Test-KsCluster again.",
                    pending.Cast<object>().ToArray());
            return Passed($"From the cc status: ks-installer has finished ({NameList(info.Components.Select(c => c.Component))} enabled); its log was not needed.");
        }
        fallbackWhy = cc.IsOk ? "the cc has no status" : $"the cc could not be read ({cc.Error})";

        var pods = await ctx.Pods.ConfigureAwait(false);
        if (!pods.IsOk)
            return CannotRead(pods);
        var installers = pods.Value
            .Where(p => p.Namespace == KsNames.KubeSphereSystem && p.AppLabel is not null && KsNames.InstallerAppLabels.Contains(p.AppLabel))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
        var from = $"From the log tail ({fallbackWhy})";
        if (installers.Count == 0)
            return Passed($"{from}: no ks-installer pod is running.");
        var pod = installers[0];
        string? log;
        try
        {
            log = await ctx.Reader.ReadPodLogTailAsync(pod.Namespace, pod.Name, TailLines, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (pod.DisplayStatus != "Running")
                return Failed($"{from}: ks-installer pod {pod.Namespace}/{pod.Name} is {pod.DisplayStatus} and has no readable log: it has not finished.",
                    $"Find out why (kubectl -n {pod.Namespace} describe pod {pod.Name}), let ks-installer finish, then run Test-KsCluster again.", pod);
            return Warning($"{from}: could not read the log of ks-installer pod {pod.Namespace}/{pod.Name}: {(ex is OperationCanceledException ? "the request timed out" : ex.Message)}.",
                $"Check it by hand: kubectl -n {pod.Namespace} logs {pod.Name} --tail {TailLines}.", pod);
        }
        if (log is null)
            return Passed($"{from}: ks-installer pod {pod.Name} is gone.");
        if (log.Contains(KsNames.WelcomeLine, StringComparison.Ordinal))
            return Passed($"{from}: ks-installer pod {pod.Name} has finished (its log shows \"{KsNames.WelcomeLine}\").");
        return Failed($"{from}: ks-installer pod {pod.Namespace}/{pod.Name} ({pod.DisplayStatus}) is still working: its last {TailLines} log lines lack \"{KsNames.WelcomeLine}\".",
            $"Wait until ks-installer finishes (kubectl -n {pod.Namespace} logs -f {pod.Name}) and fix what it reports, then run Test-KsCluster again.",
            pod);
    }
}
