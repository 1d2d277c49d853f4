using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;

namespace KsUpgrade.Engine.Gateways;

/// <summary>
/// Update-KsGateway: upgrades 3.4 gateways with ks-upgrade's dynamic-upgrade job (upgrade.sh gateway), strictly one at a time.
/// </summary>
public static class GatewayUpgrade
{
    public const string V2Group = "gateway.kubesphere.io";
    public const string V2Version = "v2alpha1";
    public const string V2Plural = "gateways";

    // One dynamic-upgrade job name per cluster: never run two in this process (other sessions are caught by the busy check).
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>
    /// Upgrades the named gateways one at a time — project gateways first, then workspace gateways, the cluster gateway last
    /// (ks-upgrade gives the cluster gateway every Ingress still without a class, so it must come after the narrower ones) —
    /// writing each result through <paramref name="log"/>.Output as soon
    /// as it is ready and returning all of them. A Failed gateway stops the run: the rest are returned as NotRun.
    /// Preconditions (PVC, cluster on v4) are checked once, before the first gateway that needs the job, and throw.
    /// </summary>
    public static async Task<IReadOnlyList<KsGatewayUpgradeResult>> UpdateAsync(KsCluster cluster, IReadOnlyList<string> names,
        GatewayUpgradeOptions options, IEngineLog log, CancellationToken ct)
    {
        ValidateImages(options);
        var results = new List<KsGatewayUpgradeResult>();
        var catalog = await GatewayCatalog.ReadAllAsync(cluster, Store(options), ct).ConfigureAwait(false);
        var gateways = names.Select(GatewayNames.GatewayOf).Distinct(StringComparer.Ordinal)
            .Select(n => catalog.FirstOrDefault(g => g.Name == n) ?? throw NotFound(cluster, n, catalog))
            .OrderBy(g => ScopeOrder(g.Scope)).ToList();
        Task? preconditions = null;
        Task Ensure() => preconditions ??= CheckPreconditionsAsync(cluster, options, ct);
        string? stoppedBy = null;
        for (var i = 0; i < gateways.Count; i++)
        {
            var gateway = gateways[i];
            log.Progress(61, "Upgrading gateways", $"{gateway.Name} ({i + 1}/{gateways.Count})", gateways.Count == 0 ? -1 : i * 100 / gateways.Count);
            var result = stoppedBy is not null
                ? new KsGatewayUpgradeResult { Gateway = gateway, Outcome = KsGatewayUpgradeOutcome.NotRun, Detail = $"Not attempted: the upgrade of '{stoppedBy}' failed." }
                : await UpdateOneCoreAsync(cluster, gateway.Name, options, Ensure, log, ct).ConfigureAwait(false);
            if (result.Outcome == KsGatewayUpgradeOutcome.Failed) stoppedBy = gateway.Name;
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
        UpdateOneCoreAsync(cluster, GatewayNames.GatewayOf(name), options, () => CheckPreconditionsAsync(cluster, options, ct), log, ct);

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

    /// <summary>PVC ks-upgrade in kubesphere-system, and the ks-core release on appVersion v4.*.</summary>
    public static async Task CheckPreconditionsAsync(KsCluster cluster, GatewayUpgradeOptions options, CancellationToken ct)
    {
        var client = ClusterConnector.Client(cluster);
        try
        {
            await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(options.PersistenceVolumeName, DynamicUpgradeJob.Namespace, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            throw new KsUpgradeException(GatewayErrorIds.UpgradePvcMissing, KsErrorCategory.ResourceUnavailable,
                $"PVC {DynamicUpgradeJob.Namespace}/{options.PersistenceVolumeName} is missing on '{cluster.Context}': it holds the gateway backup the dynamic upgrade converts.",
                options.PersistenceVolumeName)
            { Remedy = "The gateway backup is written by the gateway job of the cluster upgrade (jobs.gateway.enabled) into this PVC; without it the gateways cannot be converted. Restore the PVC, or re-create the gateways on v4 by hand." };
        }
        catch (Exception e) when (e is not KsUpgradeException)
        {
            throw ApiErrors.Map(e, cluster.Context, cluster.Server, "reading the ks-upgrade PVC", ct);
        }
        KsCoreReleaseInfo? core;
        try { core = await KsCoreRelease.TryReadLatestAsync(client, ct).ConfigureAwait(false); }
        catch (Exception e) when (e is not KsUpgradeException)
        {
            throw ApiErrors.Map(e, cluster.Context, cluster.Server, "reading the ks-core release", ct);
        }
        if (core?.AppVersion is null || !core.AppVersion.StartsWith("v4.", StringComparison.OrdinalIgnoreCase))
            throw new KsUpgradeException(GatewayErrorIds.ClusterNotUpgraded, KsErrorCategory.InvalidOperation,
                $"The ks-core release of '{cluster.Context}' is {(core is null ? "missing" : $"on appVersion {core.AppVersion ?? "?"} (revision {core.Revision}, {core.Status})")}: gateways are upgraded only after the cluster is on KubeSphere 4.",
                cluster.Context)
            { Remedy = "Upgrade the cluster first (Invoke-KsHostUpgrade / Invoke-KsMemberUpgrade); the host before its members." };
    }

    private static async Task<KsGatewayUpgradeResult> UpdateOneCoreAsync(KsCluster cluster, string name, GatewayUpgradeOptions options,
        Func<Task> preconditions, IEngineLog log, CancellationToken ct)
    {
        var gate = Gates.GetOrAdd(cluster.Server + "|" + cluster.Context, _ => new SemaphoreSlim(1, 1));
        try
        {
            // a stop while waiting for the gate is a stop too (Stopped, not a bare cancellation)
            await gate.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            throw ApiErrors.Map(e, cluster.Context, cluster.Server, $"waiting to upgrade gateway '{name}'", ct);
        }
        try
        {
            return await RunAsync(cluster, name, options, preconditions, log, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not KsUpgradeException)
        {
            throw ApiErrors.Map(e, cluster.Context, cluster.Server, $"upgrading gateway '{name}'", ct);
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task<KsGatewayUpgradeResult> RunAsync(KsCluster cluster, string name, GatewayUpgradeOptions options,
        Func<Task> preconditions, IEngineLog log, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var client = ClusterConnector.Client(cluster);
        var store = Store(options);
        var gateway = await GatewayCatalog.GetAsync(cluster, name, ct, store).ConfigureAwait(false);

        var pending = gateway.Releases.FirstOrDefault(r => GatewayCatalog.IsPending(r.Status));
        if (pending is not null)
            return await PendingResultAsync(client, store, gateway, pending, watch, ct).ConfigureAwait(false);

        var ingressRelease = gateway.Releases.FirstOrDefault(r => r.Name == GatewayNames.IngressReleaseOf(gateway.Name));
        var v2Exists = await V2GatewayExistsAsync(client, gateway, ct).ConfigureAwait(false);
        if (ingressRelease is null || v2Exists)
        {
            var why = ingressRelease is null ? $"its release {GatewayNames.IngressReleaseOf(gateway.Name)} is gone" : $"a {V2Group}/{V2Version} Gateway {gateway.ReleaseNamespace}/{gateway.Name} exists";
            log.Information($"Gateway '{gateway.Name}' is already upgraded ({why}); skipped.", "KsUpgrade.Unchanged");
            return new KsGatewayUpgradeResult { Gateway = gateway, Outcome = KsGatewayUpgradeOutcome.AlreadyUpgraded, Succeeded = true, Duration = watch.Elapsed, Detail = $"Already upgraded: {why}." };
        }

        await preconditions().ConfigureAwait(false);
        if (gateway.Scope == KsGatewayScope.Cluster)
        {
            var narrower = (await GatewayCatalog.ReadAllAsync(cluster, store, ct).ConfigureAwait(false))
                .Where(g => g.Scope != KsGatewayScope.Cluster && !g.Upgraded).Select(g => g.Name).ToList();
            if (narrower.Count > 0)
                log.Warning($"Project/workspace gateways are still on v3 ({string.Join(", ", narrower)}): upgrading the cluster gateway first gives it every Ingress that has no ingressClassName yet, including theirs. Upgrade them first (Update-KsGateway -All orders them so).");
        }
        log.Warning($"Upgrading gateway '{gateway.Name}' restarts its ingress controller: traffic through it is interrupted until the new controller is ready, and Ingresses without an ingressClassName stop being served by it.");
        if (!await log.ShouldProcessAsync($"Gateway '{gateway.Name}' ({gateway.Scope}, {gateway.Namespace}) on {cluster.Context}",
                "Upgrade to the KubeSphere 4 gateway with job dynamic-upgrade (the ingress controller restarts)").ConfigureAwait(false))
            return new KsGatewayUpgradeResult { Gateway = gateway, Outcome = KsGatewayUpgradeOutcome.NotRun, Duration = watch.Elapsed, Detail = "Not run (-WhatIf or declined)." };

        log.Information($"Upgrading gateway '{gateway.Name}'.", "KsUpgrade.Step");
        var before = await IngressSnapshot.TakeAsync(client, ct).ConfigureAwait(false);
        if (await DynamicUpgradeJob.UnfinishedJobGatewayAsync(client, log, ct).ConfigureAwait(false) == gateway.Name)
        {
            // An earlier run was stopped (or lost the API server) while its job upgraded this very gateway: that job is
            // the upgrade asked for, so it is waited for rather than refused as busy or run a second time (the dynamic
            // upgrade is not idempotent). Ingresses it re-classed before this run started are not in NewIngresses.
            log.Warning($"Job {DynamicUpgradeJob.Namespace}/{DynamicUpgradeJob.JobName} of an earlier run is still upgrading gateway '{gateway.Name}': waiting for it instead of starting another.");
        }
        else
        {
            var renderer = options.Renderer ?? HelmTemplateRenderer.Instance;
            var yaml = await renderer.RenderAsync(new DynamicJobRenderRequest
            {
                Chart = options.Chart,
                GatewayName = gateway.Name,
                Namespace = DynamicUpgradeJob.Namespace,
                Sets = DynamicJobSets(gateway.Name, options),
                HelmPath = options.HelmPath,
            }, ct).ConfigureAwait(false);
            await DynamicUpgradeJob.DeleteExistingAsync(client, log, options.PollInterval, ct).ConfigureAwait(false);
            await DynamicUpgradeJob.ApplyAsync(client, yaml, log, ct).ConfigureAwait(false);
        }
        var run = await DynamicUpgradeJob.WaitAsync(client, options.JobTimeout, options.PollInterval, log, ct).ConfigureAwait(false);

        var after = await GatewayCatalog.ReadAllAsync(cluster, store, ct).ConfigureAwait(false);
        var updated = after.FirstOrDefault(g => g.Name == gateway.Name) ?? gateway;
        var newIngresses = IngressSnapshot.Changed(before, await IngressSnapshot.TakeAsync(client, ct).ConfigureAwait(false));
        if (!run.Succeeded)
            return Failed(updated, watch, newIngresses, run.LogLines, run.Summary + Tail(run.LogLines));

        var problem = VerifyRelease(updated, after);
        if (problem is not null)
            return Failed(updated, watch, newIngresses, run.LogLines, $"{run.Summary} But {problem}");
        log.Information($"Gateway '{gateway.Name}' upgraded in {watch.Elapsed.TotalSeconds:0.#} s; {newIngresses.Count} Ingress(es) re-classed or created.", "KsUpgrade.Step");
        return new KsGatewayUpgradeResult
        {
            Gateway = updated,
            Outcome = KsGatewayUpgradeOutcome.Upgraded,
            Succeeded = true,
            Duration = watch.Elapsed,
            NewIngresses = newIngresses,
            JobLog = run.LogLines,
            Detail = $"{run.Summary} Release {gateway.Name} is deployed.",
        };
    }

    /// <summary>Null when the gateway's own release is deployed and its -ingress release is gone; else what is wrong.</summary>
    private static string? VerifyRelease(KsGateway gateway, IReadOnlyList<KsGateway> all)
    {
        // A v1 cluster gateway labelled kubesphere.io/gateway-type=cluster is released as kubesphere-router-cluster.
        var alt = gateway.Scope == KsGatewayScope.Cluster
            ? all.FirstOrDefault(g => g.Name == GatewayNames.ClusterGatewayAltName)?.Releases.FirstOrDefault(r => r.Name == GatewayNames.ClusterGatewayAltName && r.Status == "deployed")
            : null;
        var own = alt ?? gateway.Releases.FirstOrDefault(r => r.Name == gateway.Name);
        if (own is null) return $"release {gateway.Name} is missing afterwards.";
        if (own.Status != "deployed") return $"release {own.Name} is {own.Status} (revision {own.Revision}), not deployed.";
        var ingress = gateway.Releases.FirstOrDefault(r => r.Name == GatewayNames.IngressReleaseOf(gateway.Name));
        if (ingress is not null) return $"release {ingress.Name} still exists ({ingress.Status}); the job did not convert the gateway.";
        return null;
    }

    private static async Task<KsGatewayUpgradeResult> PendingResultAsync(IKubernetes client, IGatewayReleaseStore store, KsGateway gateway,
        KsGatewayRelease pending, Stopwatch watch, CancellationToken ct)
    {
        var history = await store.HistoryAsync(client, pending.Name, pending.Namespace, ct).ConfigureAwait(false);
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
            Detail = $"Release {pending.Namespace}/{pending.Name} is {pending.Status} (revision {pending.Revision}); gateway not touched. {remedy}",
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

    private static async Task<bool> V2GatewayExistsAsync(IKubernetes client, KsGateway gateway, CancellationToken ct)
    {
        try
        {
            await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>(V2Group, V2Version, gateway.ReleaseNamespace, V2Plural, gateway.Name, ct).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private static KsGatewayUpgradeResult Failed(KsGateway gateway, Stopwatch watch, IReadOnlyList<string> newIngresses, IReadOnlyList<string> log, string detail) => new()
    {
        Gateway = gateway,
        Outcome = KsGatewayUpgradeOutcome.Failed,
        Duration = watch.Elapsed,
        NewIngresses = newIngresses,
        JobLog = log,
        Detail = detail,
    };

    private static string Tail(IReadOnlyList<string> lines) =>
        lines.Count == 0 ? " The job printed no log." : " Last log lines:" + Environment.NewLine + string.Join(Environment.NewLine, lines.TakeLast(10));

    private static IGatewayReleaseStore Store(GatewayUpgradeOptions options) => options.ReleaseStore ?? ReleaseSecretStore.Instance;

    private static KsUpgradeException NotFound(KsCluster cluster, string name, IReadOnlyList<KsGateway> known) =>
        new(ErrorIds.GatewayNotFound, KsErrorCategory.ObjectNotFound,
            $"No gateway '{name}' on '{cluster.Context}'. Known gateways: {(known.Count == 0 ? "(none)" : string.Join(", ", known.Select(g => g.Name)))}.", name);
}
