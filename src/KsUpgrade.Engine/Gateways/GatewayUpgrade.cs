using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Gateways;

/// <summary>
/// Update-KsGateway: upgrades 3.4 gateways with ks-upgrade's dynamic-upgrade job (upgrade.sh gateway), strictly one at a time.
/// </summary>
public static class GatewayUpgrade
{
    public const string V2Group = "gateway.kubesphere.io";
    public const string V2Version = "v2alpha1";
    public const string V2Plural = "gateways";
    /// <summary>The v2 Gateway ks-upgrade's job creates (namespaced).</summary>
    public static readonly ResourceKind V2Kind = new(V2Group, V2Version, V2Plural, "Gateway", true);

    // One dynamic-upgrade job name per cluster: never run two in this process (other sessions are caught by the busy check).
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>
    /// Upgrades the named gateways one at a time — project gateways first, then workspace gateways, the cluster gateway last
    /// (ks-upgrade gives the cluster gateway every Ingress still without a class, so it must come after the narrower ones) —
    /// writing each result through <paramref name="log"/>.Output as soon as it is ready and returning all of them.
    /// A gateway that fails (or is not verified) does not stop the others, except the cluster gateway, which waits for
    /// every narrower one: it is returned as NotRun naming the gateway it waits for.
    /// Preconditions (<see cref="GatewayPreconditions"/>) are checked once, before the first gateway that needs the job, and throw.
    /// </summary>
    public static async Task<IReadOnlyList<KsGatewayUpgradeResult>> UpdateAsync(KsCluster cluster, IReadOnlyList<string> names,
        GatewayUpgradeOptions options, IEngineLog log, CancellationToken ct)
    {
        ValidateImages(options);
        var results = new List<KsGatewayUpgradeResult>();
        var catalog = await GatewayCatalog.ReadAllAsync(cluster, KubeApi.For(cluster, log.Verbose), ct).ConfigureAwait(false);
        var gateways = names.Select(GatewayNames.GatewayOf).Distinct(StringComparer.Ordinal)
            .Select(n => catalog.FirstOrDefault(g => g.Name == n) ?? throw NotFound(cluster, n, catalog))
            .OrderBy(g => ScopeOrder(g.Scope)).ToList();
        Task? preconditions = null;
        Task Ensure() => preconditions ??= GatewayPreconditions.CheckAsync(cluster, options, log, ct);
        var failedNarrower = new List<string>();
        for (var i = 0; i < gateways.Count; i++)
        {
            var gateway = gateways[i];
            log.Progress(61, "Upgrading gateways", $"{gateway.Name} ({i + 1}/{gateways.Count})", gateways.Count == 0 ? -1 : i * 100 / gateways.Count);
            var result = gateway.Scope == KsGatewayScope.Cluster && failedNarrower.Count > 0 && !gateway.Upgraded
                ? new KsGatewayUpgradeResult
                {
                    Gateway = gateway,
                    Outcome = KsGatewayUpgradeOutcome.NotRun,
                    Detail = $"Not attempted: the cluster gateway takes every Ingress that has no ingressClassName yet, so it waits for {string.Join(", ", failedNarrower)}, which did not upgrade.",
                    Remedy = $"Fix {string.Join(", ", failedNarrower)} (see its error), then run Update-KsGateway -Name {gateway.Name}.",
                }
                : await UpdateOneCoreAsync(cluster, gateway.Name, options, Ensure, log, ct).ConfigureAwait(false);
            if (gateway.Scope != KsGatewayScope.Cluster && result.ErrorId is not null) failedNarrower.Add(gateway.Name);
            results.Add(result);
            log.Output(result);
        }
        log.Progress(61, "Upgrading gateways", "done", 100, completed: true);
        return results;
    }

    private static int ScopeOrder(KsGatewayScope scope) => scope switch
    {
        KsGatewayScope.Project => 0,
        KsGatewayScope.Workspace => 1,
        _ => 2,
    };

    /// <summary>
    /// Upgrades one gateway (GatewayNotFound for an unknown name; the preconditions are checked when the job is needed).
    /// Returns the result; does not write it to Output.
    /// </summary>
    public static Task<KsGatewayUpgradeResult> UpdateOneAsync(KsCluster cluster, string name, GatewayUpgradeOptions options, IEngineLog log, CancellationToken ct) =>
        UpdateOneCoreAsync(cluster, GatewayNames.GatewayOf(name), options, () => GatewayPreconditions.CheckAsync(cluster, options, log, ct), log, ct);

    /// <summary>Registry and tags are checked before the cluster is read, so a hostile value fails first, whatever the cluster's state.</summary>
    private static void ValidateImages(GatewayUpgradeOptions options) =>
        new Helm.KsCoreImageSettings { Tag = options.Tag, ImageRegistry = options.ImageRegistry, UpgradeImageTag = options.UpgradeImageTag }.Validate();

    /// <summary>The --set values of upgrade-reference §4 for one gateway (the helm layer's list; it validates registry, tag and name).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> DynamicJobSets(string gatewayName, GatewayUpgradeOptions options) =>
        Helm.KsCoreChartValues.DynamicSets(new Helm.KsCoreImageSettings
            {
                Tag = options.Tag,
                ImageRegistry = options.ImageRegistry,
                UpgradeImageTag = options.UpgradeImageTag,
            }, gatewayName)
            .Select(s => new KeyValuePair<string, string>(s.Key, s.Value)).ToList();

    /// <summary>The preconditions of <see cref="GatewayPreconditions"/> (kept for callers of the earlier name).</summary>
    public static Task CheckPreconditionsAsync(KsCluster cluster, GatewayUpgradeOptions options, CancellationToken ct) =>
        GatewayPreconditions.CheckAsync(cluster, options, NullEngineLog.Instance, ct);

    private static async Task<KsGatewayUpgradeResult> UpdateOneCoreAsync(KsCluster cluster, string name, GatewayUpgradeOptions options,
        Func<Task> preconditions, IEngineLog log, CancellationToken ct)
    {
        try
        {
            return await RunAsync(cluster, name, options, preconditions, log, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not KsUpgradeException)
        {
            throw ApiErrors.Map(e, cluster.Context, cluster.Server, $"upgrading gateway '{name}'", ct);
        }
    }

    private static async Task<KsGatewayUpgradeResult> RunAsync(KsCluster cluster, string name, GatewayUpgradeOptions options,
        Func<Task> preconditions, IEngineLog log, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var api = KubeApi.For(cluster, log.Verbose);
        var gateway = await GatewayCatalog.GetAsync(cluster, api, name, ct).ConfigureAwait(false);
        var evidence = await GatewayEvidence.ReadAsync(cluster, api, gateway.Name, ct).ConfigureAwait(false);

        if (evidence.Complete)
        {
            log.Information($"Gateway '{gateway.Name}' is already upgraded (v2 Gateway, release {evidence.Release!.Name} on {evidence.Release.ChartName}-{evidence.Release.ChartVersion}, {evidence.ControllerState}, IngressClass {evidence.IngressClassName}); skipped.", "KsUpgrade.Unchanged");
            var done = new KsGatewayUpgradeResult { Gateway = gateway, Outcome = KsGatewayUpgradeOutcome.AlreadyUpgraded, Succeeded = true, Duration = watch.Elapsed, Detail = "Already upgraded: the cluster shows the v4 gateway." };
            return options.RepointIngressClass ? await RepointEarlierAsync(cluster, api, done, evidence, watch, log, ct).ConfigureAwait(false) : done;
        }
        if (evidence.V2Gateway)
        {
            // The job ran before (it is not idempotent: a second run fails with AlreadyExists); what is left is the
            // extension controller's work, waited for and verified like after a job.
            // the preconditions name a missing extension or a tainted member at once, instead of after the whole wait
            await preconditions().ConfigureAwait(false);
            log.Information($"Gateway '{gateway.Name}' has its {V2Group}/{V2Version} Gateway already; the dynamic-upgrade job is not run again. Waiting for the gateway extension to finish it.", "KsUpgrade.Unchanged");
            var waited = await WaitForEvidenceAsync(cluster, api, gateway, options, log, ct).ConfigureAwait(false);
            var refreshed = await GatewayCatalog.GetAsync(cluster, api, gateway.Name, ct).ConfigureAwait(false);
            if (waited.Complete)
            {
                var done = new KsGatewayUpgradeResult { Gateway = refreshed, Outcome = KsGatewayUpgradeOutcome.AlreadyUpgraded, Succeeded = true, Duration = watch.Elapsed, Detail = "Already upgraded by an earlier run: the cluster now shows the v4 gateway." };
                return options.RepointIngressClass ? await RepointEarlierAsync(cluster, api, done, waited, watch, log, ct).ConfigureAwait(false) : done;
            }
            return NotVerified(refreshed, watch, waited, options, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), "The dynamic-upgrade job ran earlier (the v2 Gateway exists).");
        }

        var pending = gateway.Releases.FirstOrDefault(r => Helm.HelmReleaseStatus.IsPending(r.Status));
        if (pending is not null)
            return await PendingResultAsync(api, gateway, pending, watch, ct).ConfigureAwait(false);

        var interrupted = evidence.IngressRelease is null;
        await preconditions().ConfigureAwait(false);
        if (gateway.Scope == KsGatewayScope.Workspace && await WorkspaceRefusalAsync(api, gateway, watch, log, ct).ConfigureAwait(false) is { } refused)
            return refused;
        if (gateway.Scope == KsGatewayScope.Cluster)
        {
            var narrower = (await GatewayCatalog.ReadAllAsync(cluster, api, ct).ConfigureAwait(false))
                .Where(g => g.Scope != KsGatewayScope.Cluster && !g.Upgraded).Select(g => g.Name).ToList();
            if (narrower.Count > 0)
                log.Warning($"Project/workspace gateways are still on v3 ({string.Join(", ", narrower)}): upgrading the cluster gateway first gives it every Ingress that has no ingressClassName yet, including theirs. Upgrade them first (Update-KsGateway -All orders them so).");
        }
        if (interrupted)
            log.Warning($"Gateway '{gateway.Name}' was interrupted: its release {GatewayNames.IngressReleaseOf(gateway.Name)} is gone but no {V2Group}/{V2Version} Gateway exists (a dynamic-upgrade job failed after its uninstall), so the gateway has no controller. Running the job again (it tolerates the missing release).");
        log.Warning($"Upgrading gateway '{gateway.Name}' restarts its ingress controller: traffic through it is interrupted until the new controller is ready, and Ingresses without an ingressClassName stop being served by it.");
        if (!await log.ShouldProcessAsync($"Gateway '{gateway.Name}' ({gateway.Scope}, {gateway.Namespace}) on {cluster.Context}",
                "Upgrade to the KubeSphere 4 gateway with job dynamic-upgrade (the ingress controller restarts)" +
                (options.RepointIngressClass
                    ? $", then point the Ingresses the job gives a class no IngressClass has (ks-upgrade v4.1.3: {GatewayNames.ClusterGatewayIngressClass}) at the gateway's IngressClass (-RepointIngressClass)"
                    : "")).ConfigureAwait(false))
            return new KsGatewayUpgradeResult { Gateway = gateway, Outcome = KsGatewayUpgradeOutcome.NotRun, Duration = watch.Elapsed, Detail = "Not run (-WhatIf or declined)." };

        // The per-cluster gate (one dynamic-upgrade job at a time) is taken after the answer, never across the question:
        // a prompt left open in one runspace must not hold another's upgrade. What the question was about is judged again
        // once the gate is held: another session may have upgraded the gateway meanwhile.
        var gate = Gates.GetOrAdd(cluster.Server + "|" + cluster.Context, _ => new SemaphoreSlim(1, 1));
        try
        {
            // a stop while waiting for the gate is a stop too (Stopped, not a bare cancellation)
            await gate.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            throw ApiErrors.Map(e, cluster.Context, cluster.Server, $"waiting to upgrade gateway '{gateway.Name}'", ct);
        }
        try
        {
            var now = await GatewayEvidence.ReadAsync(cluster, api, gateway.Name, ct).ConfigureAwait(false);
            if (!now.Complete && !now.V2Gateway)
                return await UpgradeApprovedAsync(cluster, gateway, watch, api, options, log, ct).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
        log.Verbose($"Gateway '{gateway.Name}' changed while the question was open (another session upgraded it): judging it again.");
        return await RunAsync(cluster, gateway.Name, options, preconditions, log, ct).ConfigureAwait(false);
    }

    /// <summary>The approved upgrade of one gateway, under the cluster's gate: the job rendered, run and verified.</summary>
    private static async Task<KsGatewayUpgradeResult> UpgradeApprovedAsync(KsCluster cluster, KsGateway gateway, Stopwatch watch, IKubeApi api,
        GatewayUpgradeOptions options, IEngineLog log, CancellationToken ct)
    {
        log.Information($"Upgrading gateway '{gateway.Name}'.", "KsUpgrade.Step");
        var before = await IngressSnapshot.TakeAsync(api, ct).ConfigureAwait(false);
        var adopted = await DynamicUpgradeJob.UnfinishedJobGatewayAsync(api, log, ct).ConfigureAwait(false) == gateway.Name;
        if (adopted)
        {
            // An earlier run was stopped (or lost the API server) while its job upgraded this very gateway: that job is
            // the upgrade asked for, so it is waited for rather than refused as busy or run a second time (the dynamic
            // upgrade is not idempotent). Ingresses it re-classed before this run started are not in NewIngresses.
            log.Warning($"Job {KsNames.KubeSphereSystem}/{DynamicUpgradeJob.JobName} of an earlier run is still upgrading gateway '{gateway.Name}': waiting for it instead of starting another.");
        }
        else
        {
            var renderer = options.Renderer ?? HelmTemplateRenderer.Instance;
            var yaml = await renderer.RenderAsync(new DynamicJobRenderRequest
            {
                Chart = options.Chart,
                GatewayName = gateway.Name,
                Namespace = KsNames.KubeSphereSystem,
                Sets = DynamicJobSets(gateway.Name, options),
                HelmPath = options.HelmPath,
            }, ct).ConfigureAwait(false);
            await DynamicUpgradeJob.DeleteExistingAsync(api, log, options.PollInterval, ct).ConfigureAwait(false);
            await DynamicUpgradeJob.ApplyAsync(api, yaml, log, ct).ConfigureAwait(false);
        }
        var run = await DynamicUpgradeJob.WaitAsync(api, options.JobTimeout, options.PollInterval, log, ct).ConfigureAwait(false);

        if (!run.Succeeded)
        {
            var after = await GatewayCatalog.GetAsync(cluster, api, gateway.Name, ct).ConfigureAwait(false);
            var changed = IngressSnapshot.Changed(before, await IngressSnapshot.TakeAsync(api, ct).ConfigureAwait(false));
            var now = await GatewayEvidence.ReadAsync(cluster, api, gateway.Name, ct).ConfigureAwait(false);
            return new KsGatewayUpgradeResult
            {
                Gateway = after,
                Outcome = KsGatewayUpgradeOutcome.Failed,
                Duration = watch.Elapsed,
                NewIngresses = changed,
                JobLog = run.LogLines,
                ErrorId = run.Outcome == DynamicJobOutcome.PhaseSkipped ? ErrorIds.UpgradePhaseSkipped : ErrorIds.GatewayUpgradeFailed,
                Detail = $"{run.Summary} Releases now: {now.OldReleases(gateway)}; v2 Gateway {(now.V2Gateway ? "exists" : "absent")}.{Tail(run.LogLines)}",
                Remedy = now.IngressRelease is null && !now.V2Gateway
                    ? $"The job removed {GatewayNames.IngressReleaseOf(gateway.Name)} and created no v2 Gateway: the gateway has no controller. Fix the cause in the job's log, then run Update-KsGateway -Name {gateway.Name} again (it re-runs the job)."
                    : $"Fix the cause in the job's log (kubectl -n {KsNames.KubeSphereSystem} logs job/{DynamicUpgradeJob.JobName}), then run Update-KsGateway -Name {gateway.Name} again.",
            };
        }

        var verified = await WaitForEvidenceAsync(cluster, api, gateway, options, log, ct).ConfigureAwait(false);
        var updated = await GatewayCatalog.GetAsync(cluster, api, gateway.Name, ct).ConfigureAwait(false);
        var ingressesNow = await IngressSnapshot.TakeAsync(api, ct).ConfigureAwait(false);
        var reclassed = IngressSnapshot.Changed(before, ingressesNow);
        // repointed only once the gateway is verified (its IngressClass exists): the Ingresses this run's job re-classed from
        // no class to a class no IngressClass has; when the job was an earlier run's (adopted above), the snapshot came after
        // part of its work, so the cluster gateway's Ingresses on the hard-coded class count too
        // the IngressClasses are read once for this verification: the repoint's candidates and the served/unserved split share them
        var repointing = options.RepointIngressClass && verified.Complete;
        var classes = repointing || reclassed.Count > 0 ? await IngressRepoint.ClassNamesAsync(api, ct).ConfigureAwait(false) : new HashSet<string>(StringComparer.Ordinal);
        var repoint = repointing
            ? IngressRepoint.ReclassedByThisRun(before, ingressesNow, classes)
            : Array.Empty<IngressRepoint.Candidate>();
        if (repointing && adopted)
            repoint = repoint.Concat(await IngressRepoint.CarryingHardCodedClassAsync(api, updated, classes, ct).ConfigureAwait(false))
                .DistinctBy(c => c.Name).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var (served, unserved) = ClassifyIngresses(reclassed, ingressesNow, classes, verified, gateway, warn: repoint.Count == 0, log);
        if (!verified.Complete)
            return NotVerified(updated, watch, verified, options, served, unserved, run.LogLines, run.Summary);
        log.Information($"Gateway '{gateway.Name}' upgraded in {watch.Elapsed.TotalSeconds:0.#} s; {served.Count} Ingress(es) re-classed or created.", "KsUpgrade.Step");
        var result = new KsGatewayUpgradeResult
        {
            Gateway = updated,
            Outcome = KsGatewayUpgradeOutcome.Upgraded,
            Succeeded = true,
            Duration = watch.Elapsed,
            NewIngresses = served,
            UnservedIngresses = unserved,
            JobLog = run.LogLines,
            Detail = $"{run.Summary} Release {verified.Release!.Name} is deployed on {verified.Release.ChartName}-{verified.Release.ChartVersion}; {verified.ControllerState}; IngressClass {verified.IngressClassName} exists.",
        };
        if (repoint.Count == 0) return result;
        // the upgrade's question covered the repoint (its action names it): not asked again
        var outcome = await IngressRepoint.RunAsync(api, repoint, verified.IngressClassName, log, ct).ConfigureAwait(false);
        // every Ingress the upgrade re-classed or created, judged again as the cluster shows it now
        // (the IngressClasses as the repoint read them after its patches: the second verification)
        var (servedNow, unservedNow) = ClassifyIngresses(reclassed.Union(repoint.Select(c => c.Name)).OrderBy(n => n, StringComparer.Ordinal).ToList(), await IngressSnapshot.TakeAsync(api, ct).ConfigureAwait(false), outcome.Classes, verified, gateway, warn: false, log);
        return Repointed(result with { NewIngresses = servedNow, UnservedIngresses = unservedNow }, outcome, verified, log);
    }

    /// <summary>
    /// -RepointIngressClass on a gateway already upgraded (by an earlier run or by hand): the cluster gateway's Ingresses
    /// whose class is exactly ks-upgrade's hard-coded kubesphere-router-cluster, when no IngressClass has that name
    /// (<see cref="IngressRepoint.CarryingHardCodedClassAsync"/>), after a ShouldProcess question of their own.
    /// </summary>
    private static async Task<KsGatewayUpgradeResult> RepointEarlierAsync(KsCluster cluster, IKubeApi api, KsGatewayUpgradeResult done, GatewayEvidence evidence,
        Stopwatch watch, IEngineLog log, CancellationToken ct)
    {
        var candidates = await IngressRepoint.CarryingHardCodedClassAsync(api, done.Gateway, await IngressRepoint.ClassNamesAsync(api, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        if (candidates.Count == 0)
        {
            log.Verbose($"-RepointIngressClass: no Ingress on {GatewayNames.ClusterGatewayIngressClass} without such an IngressClass{(done.Gateway.Scope == KsGatewayScope.Cluster ? "" : $" ({done.Gateway.Name} is not the cluster gateway)")}; nothing to repoint.");
            return done;
        }
        var names = candidates.Select(c => c.Name).ToList();
        if (!await log.ShouldProcessAsync($"Gateway '{done.Gateway.Name}' ({done.Gateway.Scope}, {done.Gateway.Namespace}) on {cluster.Context}",
                IngressRepoint.Describe(candidates, evidence.IngressClassName)).ConfigureAwait(false))
            return done with
            {
                UnservedIngresses = names,
                Duration = watch.Elapsed,
                Detail = $"{done.Detail} Not repointed (-WhatIf or declined): {string.Join(", ", names)} carry {GatewayNames.ClusterGatewayIngressClass}, which names no IngressClass.",
            };
        var outcome = await IngressRepoint.RunAsync(api, candidates, evidence.IngressClassName, log, ct).ConfigureAwait(false);
        return Repointed(done with { UnservedIngresses = outcome.Unserved, Duration = watch.Elapsed }, outcome, evidence, log);
    }

    /// <summary>The result after a repoint: the Ingresses repointed, and a failure (IngressRepointFailed) when a patch failed.</summary>
    private static KsGatewayUpgradeResult Repointed(KsGatewayUpgradeResult result, IngressRepoint.Outcome outcome, GatewayEvidence evidence, IEngineLog log)
    {
        if (outcome.Repointed.Count > 0)
            log.Information($"Gateway '{result.Gateway.Name}': {outcome.Repointed.Count} Ingress(es) now point at IngressClass {evidence.IngressClassName}: {string.Join(", ", outcome.Repointed)}.", "KsUpgrade.Step");
        var detail = $"{result.Detail} Repointed to IngressClass {evidence.IngressClassName}: {(outcome.Repointed.Count == 0 ? "none" : string.Join(", ", outcome.Repointed))}.";
        if (outcome.Failures.Count == 0)
            return result with { RepointedIngresses = outcome.Repointed, Detail = detail };
        return result with
        {
            RepointedIngresses = outcome.Repointed,
            Succeeded = false,
            ErrorId = ErrorIds.IngressRepointFailed,
            Detail = $"{detail} Not repointed: {string.Join("; ", outcome.Failures)}",
            Remedy = IngressRepoint.Remedy(result.Gateway.Name, result.UnservedIngresses, evidence.IngressClassName, outcome.Forbidden),
        };
    }

    /// <summary>
    /// Polls the evidence until it is complete or <see cref="GatewayUpgradeOptions.VerifyTimeout"/> passes, with a Progress
    /// record naming what is still missing. A pending-* release is helm at work: in progress, not failed.
    /// </summary>
    private static async Task<GatewayEvidence> WaitForEvidenceAsync(KsCluster cluster, IKubeApi api, KsGateway gateway,
        GatewayUpgradeOptions options, IEngineLog log, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + options.VerifyTimeout;
        var started = DateTime.UtcNow;
        while (true)
        {
            var evidence = await GatewayEvidence.ReadAsync(cluster, api, gateway.Name, ct).ConfigureAwait(false);
            if (evidence.Complete || DateTime.UtcNow >= deadline)
            {
                log.Progress(62, $"Waiting for the v4 gateway {gateway.Name}", "done", 100, completed: true, parentId: 61);
                return evidence;
            }
            var elapsed = DateTime.UtcNow - started;
            log.Progress(62, $"Waiting for the v4 gateway {gateway.Name}",
                $"{(evidence.ReleasePending ? $"release {evidence.Release!.Name} is {evidence.Release.Status} (in progress); " : "")}missing: {evidence.Missing(gateway)}",
                (int)Math.Min(99, elapsed.TotalSeconds * 100 / Math.Max(1, options.VerifyTimeout.TotalSeconds)), parentId: 61);
            await Task.Delay(options.PollInterval, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Splits the Ingresses the upgrade created or re-classed into those whose ingressClassName names an existing
    /// IngressClass (<paramref name="classes"/>, read once by the verification) and those whose class does not exist (no
    /// controller serves them), warning with the remedy for the latter.
    /// </summary>
    private static (IReadOnlyList<string> Served, IReadOnlyList<string> Unserved) ClassifyIngresses(
        IReadOnlyList<string> changed, IReadOnlyDictionary<string, (string Name, string? Class)> now, IReadOnlySet<string> classes, GatewayEvidence evidence, KsGateway gateway, bool warn,
        IEngineLog log)
    {
        if (changed.Count == 0) return (changed, Array.Empty<string>());
        var byName = now.Values.GroupBy(v => v.Name).ToDictionary(g => g.Key, g => g.First().Class, StringComparer.Ordinal);
        var unserved = changed.Where(n => byName.TryGetValue(n, out var cls) && cls is not null && !classes.Contains(cls)).ToList();
        foreach (var group in unserved.GroupBy(n => byName[n]!).Where(_ => warn))
        {
            var list = group.ToList();
            var first = list[0].Split('/', 2);
            log.Warning($"{list.Count} Ingress(es) were given ingressClassName '{group.Key}', which names no IngressClass, so no controller serves them: {string.Join(", ", list)}. " +
                        $"(ks-upgrade v4.1.3 gives the cluster gateway's Ingresses the hard-coded class {GatewayNames.ClusterGatewayIngressClass}.) Point them at the gateway's class: " +
                        (group.Key == GatewayNames.ClusterGatewayIngressClass && evidence.Complete ? $"Update-KsGateway -Name {gateway.Name} -RepointIngressClass, or by hand, e.g. " : "e.g. ") +
                        $"kubectl -n {first[0]} patch ingress {first[^1]} --type merge -p '{{\"spec\":{{\"ingressClassName\":\"{evidence.IngressClassName}\"}}}}'; Test-KsCluster -Phase PostUpgrade reports any left (IngressClassesExist).");
        }
        return (changed.Except(unserved, StringComparer.Ordinal).ToList(), unserved);
    }

    /// <summary>
    /// ks-upgrade v4.1.3 treats every gateway that is not the cluster gateway as a project gateway and reads the namespace
    /// named after it (workspace-&lt;ws&gt;): for a workspace gateway there is none, so the job fails after it uninstalled
    /// &lt;gw&gt;-ingress, leaving no controller. Refused here, before anything changes, unless such a namespace exists.
    /// </summary>
    private static async Task<KsGatewayUpgradeResult?> WorkspaceRefusalAsync(IKubeApi api, KsGateway gateway, Stopwatch watch, IEngineLog log, CancellationToken ct)
    {
        var looked = gateway.Name.StartsWith(KsNames.GatewayReleasePrefix + "-", StringComparison.Ordinal) ? gateway.Name[(KsNames.GatewayReleasePrefix.Length + 1)..] : gateway.Name;
        if (await api.GetAsync(ResourceKind.Namespaces, null, looked, ct).ConfigureAwait(false) is not null)
        {
            log.Verbose($"Workspace gateway '{gateway.Name}': a namespace '{looked}' exists, so ks-upgrade's lookup succeeds.");
            return null;
        }
        return new KsGatewayUpgradeResult
        {
            Gateway = gateway,
            Outcome = KsGatewayUpgradeOutcome.Failed,
            Duration = watch.Elapsed,
            ErrorId = ErrorIds.GatewayWorkspaceUnsupported,
            Detail = $"Not run: '{gateway.Name}' is a workspace gateway. ks-upgrade v4.1.3 treats it as a project gateway and reads namespace '{looked}', which does not exist, so its job would fail after uninstalling {GatewayNames.IngressReleaseOf(gateway.Name)}, leaving the workspace without a gateway. Nothing was changed.",
            Remedy = $"Upgrade it by hand (Get-Help Update-KsGateway -Full, 'Workspace gateways'): after the other gateways, create a gateway for the workspace in the KubeSphere 4 console (Gateway extension) with the old settings, move its Ingresses to the new IngressClass, then helm uninstall {GatewayNames.IngressReleaseOf(gateway.Name)} -n {gateway.ReleaseNamespace}.",
        };
    }

    private static KsGatewayUpgradeResult NotVerified(KsGateway gateway, Stopwatch watch, GatewayEvidence evidence, GatewayUpgradeOptions options,
        IReadOnlyList<string> served, IReadOnlyList<string> unserved, IReadOnlyList<string> jobLog, string summary) => new()
    {
        Gateway = gateway,
        Outcome = KsGatewayUpgradeOutcome.NotVerified,
        Duration = watch.Elapsed,
        NewIngresses = served,
        UnservedIngresses = unserved,
        JobLog = jobLog,
        ErrorId = ErrorIds.GatewayNotVerified,
        Detail = $"{summary} But after {options.VerifyTimeout.TotalSeconds:0} s the cluster does not show the v4 gateway: {evidence.Missing(gateway)}. Releases: {evidence.OldReleases(gateway)}.",
        Remedy = "The gateway extension's controller installs the v4 release from the v2 Gateway: check InstallPlan gateway (kubectl get installplan gateway -o yaml) and the extension's pods; on a member, that it has no Schedulable condition on the host (Remove-KsMemberTaint). " +
                 $"Then run Update-KsGateway -Name {gateway.Name} again (it does not re-run the job; it waits up to -Timeout and verifies).",
    };

    private static async Task<KsGatewayUpgradeResult> PendingResultAsync(IKubeApi api, KsGateway gateway,
        KsGatewayRelease pending, Stopwatch watch, CancellationToken ct)
    {
        var history = (await Helm.HelmReleaseReader.HistoryAsync(api, pending.Namespace, pending.Name, ct).ConfigureAwait(false)).Select(GatewayCatalog.View).ToList();
        var target = RollbackTarget(history, pending.Revision);
        var remedy = target is null
            ? $"No earlier deployed revision of {pending.Name} exists: uninstall it (helm uninstall {pending.Name} -n {pending.Namespace}) or delete secret {pending.Namespace}/sh.helm.release.v1.{pending.Name}.v{pending.Revision}, then retry."
            : $"Roll it back: helm rollback {pending.Name} {target.Revision} -n {pending.Namespace}; then retry.";
        return new KsGatewayUpgradeResult
        {
            Gateway = gateway,
            Outcome = KsGatewayUpgradeOutcome.ReleasePending,
            Duration = watch.Elapsed,
            PendingRelease = pending.Name,
            RollbackRevision = target?.Revision,
            ErrorId = ErrorIds.ReleasePending,
            Detail = $"Release {pending.Namespace}/{pending.Name} is {pending.Status} (revision {pending.Revision}); gateway not touched. {remedy}",
            Remedy = remedy,
        };
    }

    /// <summary>
    /// The revision to roll a pending release back to: the newest deployed revision older than the pending one; when none
    /// is marked deployed, the newest superseded one.
    /// </summary>
    public static KsGatewayRelease? RollbackTarget(IReadOnlyList<KsGatewayRelease> history, int pendingRevision)
    {
        var older = history.Where(r => r.Revision < pendingRevision).OrderByDescending(r => r.Revision).ToList();
        return older.FirstOrDefault(r => r.Status == "deployed") ?? older.FirstOrDefault(r => r.Status == "superseded");
    }

    private static string Tail(IReadOnlyList<string> lines) =>
        lines.Count == 0 ? " The job printed no log." : " Last log lines:" + Environment.NewLine + string.Join(Environment.NewLine, lines.TakeLast(10));

    private static KsUpgradeException NotFound(KsCluster cluster, string name, IReadOnlyList<KsGateway> known) =>
        new(ErrorIds.GatewayNotFound, KsErrorCategory.ObjectNotFound,
            $"No gateway '{name}' on '{cluster.Context}'. Known gateways: {(known.Count == 0 ? "(none)" : string.Join(", ", known.Select(g => g.Name)))}.", name);
}
