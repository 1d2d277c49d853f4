using KsUpgrade.Engine.Helm;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Backup;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Members;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Engine.Upgrade.Wiring;

namespace KsUpgrade.Engine.Undo;

/// <summary>Undo-KsUpgrade's options.</summary>
public sealed record UndoOptions
{
    /// <summary>The backup to restore from (null: the one the upgrade journal names).</summary>
    public string? BackupPath { get; init; }
    /// <summary>The default of helm's --timeout for the rollback (Undo-KsUpgrade -Timeout).</summary>
    public static readonly TimeSpan DefaultHelmTimeout = TimeSpan.FromMinutes(10);
    /// <summary>helm's --timeout for the rollback.</summary>
    public TimeSpan HelmTimeout { get; init; } = DefaultHelmTimeout;
    /// <summary>For a member: the host, where its Schedulable condition is put back before anything else (required for a member's Undo).</summary>
    public KsCluster? Host { get; init; }
    /// <summary>For a member: its name in the host's cluster list (null: its context name).</summary>
    public string? MemberName { get; init; }
    /// <summary>-ProbeImages: pull the backup's 3.4 images with a short-lived Job at Preflight; one that cannot be pulled refuses Undo.</summary>
    public bool ProbeImages { get; init; }
    /// <summary>How long the image probe waits for the kubelet.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>For a member: how long Finish waits for the host's cluster controller to stop showing the member on v4 (a Warning after).</summary>
    public TimeSpan HostViewTimeout { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>How long a CRD deletion may take before Undo gives up (finalizers of its objects).</summary>
    public TimeSpan CrdDeleteTimeout { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>How long Undo waits for a CRD it wrote to be Established serving the version helm rollback needs.</summary>
    public TimeSpan CrdEstablishTimeout { get; init; } = TimeSpan.FromMinutes(2);
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>-HelmPath (null: PATH and the usual places).</summary>
    public string? HelmPath { get; init; }
}

/// <summary>
/// Undo-KsUpgrade: takes a cluster the upgrade changed (finished, or stopped at any step) back to the state its backup
/// recorded, from evidence: the journal (which steps landed, the ks-core revision before helm upgrade), the backup
/// (objects, CRD definitions, webhook configurations, release history) and the live cluster (what differs now). Every
/// step plans from what the cluster shows when it runs, so a stopped Undo re-run finishes it; the steps are journaled in
/// ConfigMap kubesphere-system/ks-upgrade-undo-journal, which also keeps the upgrade's journal until Undo has finished.
/// </summary>
public sealed class ClusterUndo
{
    public const string StepTag = "KsUpgrade.Step";
    /// <summary>Undo's journal fact: the ks-core revision helm rolled back to.</summary>
    private const string FactRollbackRevision = "helmRollbackRevision";
    private const int ProgressId = 3;
    private const string Ns = KsNames.KubeSphereSystem;
    private readonly IKubeApi _api;
    private readonly IUpgradeHelm _helm;
    private readonly IEngineLog _log;
    private readonly UndoOptions _options;

    /// <summary>For a member: the host's access layer (from <see cref="UndoOptions.Host"/>, or given), where its Schedulable condition is put back.</summary>
    private readonly IKubeApi? _hostApi;

    public ClusterUndo(IKubeApi api, IUpgradeHelm helm, IEngineLog log, UndoOptions options, IKubeApi? hostApi = null)
    {
        _api = api;
        _helm = helm;
        _log = log;
        _options = options;
        _hostApi = hostApi ?? (options.Host is { } host ? KubeApi.For(host, log.Verbose) : null);
    }

    /// <summary>Whether the journal is a member upgrade's (its role parameter).</summary>
    private bool IsMember => _upgrade.Parameters.GetValueOrDefault("Role") == "member";

    /// <summary>The member's name in the host's cluster list.</summary>
    private string MemberName => _options.MemberName ?? _api.Context;

    /// <summary>For a connected cluster, with the real helm.</summary>
    public static ClusterUndo For(KsCluster cluster, UndoOptions options, IEngineLog log) =>
        new(KubeApi.For(cluster, log.Verbose), HelmClientUpgradeHelm.For(cluster, options.HelmPath), log, options);

    public static IReadOnlyList<string> StepNames => Enum.GetNames<UndoStepId>();

    /// <summary>What one step would do: one line per change, and how to do it.</summary>
    private sealed record Plan(string Target, List<string> Actions, Func<CancellationToken, Task<string>> Run, string? Nothing = null)
    {
        public string Describe() => Actions.Count == 0 ? Nothing ?? "nothing to do" : string.Join(Environment.NewLine, Actions);
    }

    private UndoBackup _backup = null!;
    private JournalState _upgrade = null!;
    private UpgradeJournal? _undoJournal;
    private readonly List<string> _notRestored = new();
    private int? _rollbackRevision;

    public async Task<KsUndoResult> RunAsync(CancellationToken ct)
    {
        var records = StepNames.Select(n => new KsUpgradeStep(n)).ToArray();
        var plans = new List<string>();
        KsUpgradeException? failure = null;
        var live = false;
        var declined = false;
        JournalState? undoState = null;
        for (var i = 0; i < records.Length && failure is null; i++)
        {
            var id = (UndoStepId)i;
            var record = records[i];
            var label = $"Step {i + 1} of {records.Length}: {id}";
            record.Started = DateTimeOffset.Now;
            var clock = Stopwatch.StartNew();
            _log.Progress(ProgressId, "Undo of the KubeSphere upgrade", label, 100 * i / records.Length);
            _log.Information($"{label} started.", StepTag);
            try
            {
                if (id == UndoStepId.Preflight)
                {
                    undoState = await PreflightAsync(ct).ConfigureAwait(false);
                    if (undoState?.Facts.GetValueOrDefault(FactRollbackRevision) is { } revisionText && int.TryParse(revisionText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var rolledBack))
                        _rollbackRevision = rolledBack; // an earlier run rolled back
                    // the whole plan, read-only, from the cluster as it is now (each step re-plans when it runs)
                    foreach (var step in new[] { UndoStepId.TaintMemberOnHost, UndoStepId.HelmRollback, UndoStepId.RestoreCrds, UndoStepId.RestoreObjects, UndoStepId.RestoreWebhooks, UndoStepId.Finish })
                    {
                        var p = await PlanAsync(step, ct).ConfigureAwait(false);
                        plans.AddRange(p.Actions.Select(a => $"{step}: {a}"));
                    }
                    record.Status = KsUpgradeStepStatus.Succeeded;
                    record.Detail = $"backup {_backup.Path} (taken {_backup.Created:u}, KubeSphere {_backup.KubeSphereVersion}); {plans.Count} changes planned";
                    continue;
                }
                if (undoState?.Step(id.ToString()) is { } done && JournalStatus.IsDone(done.Status))
                {
                    record.Status = KsUpgradeStepStatus.Skipped;
                    record.Detail = $"done by an earlier run ({done.Finished:u}): {done.Detail}";
                    continue;
                }
                var plan = await PlanAsync(id, ct).ConfigureAwait(false);
                if (declined)
                {
                    record.Status = KsUpgradeStepStatus.WhatIf;
                    record.Detail = plan.Describe();
                    continue;
                }
                if (plan.Actions.Count == 0 && id != UndoStepId.Finish)
                {
                    record.Status = KsUpgradeStepStatus.Skipped;
                    record.Detail = plan.Describe();
                    if (live) await _undoJournal!.StepFinishedAsync(id.ToString(), JournalStatus.Skipped, record.Detail).ConfigureAwait(false);
                    continue;
                }
                foreach (var line in plan.Actions) _log.Verbose($"{id}: {line}");
                if (!await _log.ShouldProcessAsync(plan.Target, $"{id}:{Environment.NewLine}{plan.Describe()}").ConfigureAwait(false))
                {
                    record.Status = KsUpgradeStepStatus.WhatIf;
                    record.Detail = plan.Describe();
                    declined = true;
                    continue;
                }
                live = true;
                await EnsureUndoJournalAsync(ct).ConfigureAwait(false);
                record.Status = KsUpgradeStepStatus.Running;
                await _undoJournal!.StepStartedAsync(id.ToString(), ct).ConfigureAwait(false);
                record.Detail = await plan.Run(ct).ConfigureAwait(false);
                record.Status = KsUpgradeStepStatus.Succeeded;
                if (id != UndoStepId.Finish)
                    await _undoJournal.StepFinishedAsync(id.ToString(), JournalStatus.Succeeded, record.Detail, s =>
                    {
                        if (id == UndoStepId.HelmRollback && _rollbackRevision is { } r) s.Facts[FactRollbackRevision] = r.ToString(CultureInfo.InvariantCulture);
                    }).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                failure = Map(e, id.ToString(), ct);
                record.Status = KsUpgradeStepStatus.Failed;
                record.Detail = failure.Message;
                if (live && _undoJournal is { Exists: true })
                {
                    try
                    {
                        await _undoJournal.StepFinishedAsync(id.ToString(), failure.ErrorId == ErrorIds.Stopped ? JournalStatus.Stopped : JournalStatus.Failed, failure.Message).ConfigureAwait(false);
                    }
                    catch (Exception je) when (je is KsUpgradeException or OperationCanceledException or KubeConflictException)
                    {
                        _log.Warning($"Undo's journal could not record the failure of step {id}: {je.Message}");
                    }
                }
            }
            finally
            {
                record.Duration = clock.Elapsed;
                _log.Information($"{label} {record.Status.ToString().ToLowerInvariant()}{(string.IsNullOrEmpty(record.Detail) ? "" : ": " + FirstLine(record.Detail))}", StepTag);
            }
        }
        _log.Progress(ProgressId, "Undo of the KubeSphere upgrade", "done", 100, completed: true);
        var result = new KsUndoResult
        {
            Cluster = _api.Context,
            BackupPath = _backup?.Path,
            ToVersion = _backup?.KubeSphereVersion,
            HelmRevision = _rollbackRevision,
            Steps = records,
            Plan = plans.ToArray(),
            NotRestored = _notRestored.Distinct().ToArray(),
            Succeeded = failure is null && records.All(r => r.Status is KsUpgradeStepStatus.Succeeded or KsUpgradeStepStatus.Skipped),
        };
        _log.Output(result);
        if (failure is not null) throw failure;
        return result;
    }

    // ---------------------------------------------------------------- Preflight

    /// <summary>Reads the journals and the backup and refuses what Undo must not do. Returns Undo's own journal state (null: none yet).</summary>
    private async Task<JournalState?> PreflightAsync(CancellationToken ct)
    {
        var undo = await UpgradeJournal.ReadAsync(_api, UpgradeJournal.UndoConfigMapName, ct).ConfigureAwait(false);
        if (undo is not null && undo.State.Facts.TryGetValue(JournalFacts.UndoneUpgrade, out var kept))
        {
            _undoJournal = undo;
            _upgrade = JsonSerializer.Deserialize<JournalState>(kept, JournalJson)!;
            _log.Information($"Resuming the Undo recorded in {Ns}/{UpgradeJournal.UndoConfigMapName}: steps already done are skipped.", StepTag);
        }
        else
        {
            var journal = await UpgradeJournal.ReadAsync(_api, ct).ConfigureAwait(false)
                ?? throw new KsUpgradeException(ErrorIds.NothingToUndo, KsErrorCategory.ObjectNotFound,
                    $"There is no upgrade journal {Ns}/{UpgradeJournal.ConfigMapName} in cluster {_api.Context}: no KsUpgrade upgrade to undo.", UpgradeJournal.ConfigMapName)
                { Remedy = "Run Test-KsCluster to see the cluster's state; Undo-KsUpgrade only undoes an upgrade Invoke-KsHostUpgrade or Invoke-KsMemberUpgrade journaled." };
            _upgrade = journal.State;
        }
        if (_upgrade.Completed)
            throw new KsUpgradeException(ErrorIds.UpgradeCompleted, KsErrorCategory.InvalidOperation,
                $"The upgrade of cluster {_api.Context} was declared final by Complete-KsUpgrade on {_upgrade.Facts[JournalFacts.Completed]}; it is not undone.", UpgradeJournal.ConfigMapName)
            { Remedy = "Going back now means restoring the cluster from your own etcd snapshot or Velero backup; fix forward with Test-KsCluster -Phase PostUpgrade." };

        var path = _options.BackupPath ?? _upgrade.BackupPath
            ?? throw new KsUpgradeException(ErrorIds.BackupNotUsableForUndo, KsErrorCategory.ObjectNotFound,
                "The upgrade journal names no backup (the upgrade stopped before its Backup step).", UpgradeJournal.ConfigMapName)
            { Remedy = "Nothing was changed before the backup: delete ConfigMap ks-upgrade-journal in kubesphere-system, or pass -BackupPath." };
        _backup = UndoBackup.Read(path, ct);

        if (IsMember)
            await CheckHostOfMemberAsync(ct).ConfigureAwait(false);
        else
        {
            var clusterKind = await _api.FindByPluralAsync("cluster.kubesphere.io", "clusters", ct).ConfigureAwait(false);
            if (clusterKind is not null)
            {
                var upgraded = ClusterObject.ParseAll(await _api.ListAllAsync(clusterKind, null, null, ct).ConfigureAwait(false), null)
                    .Where(m => m.Role == KsClusterRole.Member).Select(m => (m.Name, Evidence: UpgradedMemberEvidence(m))).Where(m => m.Evidence is not null)
                    .Select(m => $"{m.Name} ({m.Evidence})").ToList();
                if (upgraded.Count > 0)
                    throw new KsUpgradeException(ErrorIds.MembersUpgraded, KsErrorCategory.InvalidOperation,
                        $"Members of host {_api.Context} are already on KubeSphere 4: {string.Join(", ", upgraded)}. A 3.4 host cannot manage them.", _api.Context)
                    { Remedy = "Run Undo-KsUpgrade on each of those members first (Undo-KsUpgrade -Cluster <member> -HostCluster <host>), then on the host once Get-KsMemberCluster shows them on 3.4." };
            }
        }
        await RefuseConvertedGatewaysAsync(ct).ConfigureAwait(false);
        if (_options.ProbeImages) await ProbeImagesAsync(ct).ConfigureAwait(false);
        return undo?.State;
    }

    /// <summary>
    /// Gateways Update-KsGateway converted (or began to convert) are not given back: their dynamic-upgrade job uninstalled
    /// the 3.4 &lt;gw&gt;-ingress release with its history and created a v2alpha1 Gateway, the gateway extension upgraded
    /// the gateway's release to the v4 chart and Ingresses were given an ingressClassName. Rolling ks-core back under
    /// them would leave v4 gateways that no 3.4 controller serves, so Undo refuses before any change (GatewaysUpgraded),
    /// naming each gateway with what the cluster shows of it.
    /// </summary>
    private async Task RefuseConvertedGatewaysAsync(CancellationToken ct)
    {
        var evidence = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string gateway, string seen)
        {
            if (!evidence.TryGetValue(gateway, out var list)) evidence[gateway] = list = new List<string>();
            list.Add(seen);
        }
        var releases = await HelmReleaseReader.ListLatestAsync(_api, null,
            name => name.StartsWith(KsNames.GatewayReleasePrefix, StringComparison.Ordinal), ct: ct).ConfigureAwait(false);
        foreach (var gateway in GatewayCatalog.Merge(releases.Select(GatewayCatalog.View).ToList(), null))
        {
            var own = gateway.Releases.FirstOrDefault(r => r.Name == gateway.Name);
            if (own is null) continue;
            if (gateway.Releases.All(r => r.Name != GatewayNames.IngressReleaseOf(gateway.Name)))
                Add(gateway.Name, $"its 3.4 release {GatewayNames.IngressReleaseOf(gateway.Name)} uninstalled");
            if (GatewayCatalog.IsV4Chart(own))
                Add(gateway.Name, $"release {own.Namespace}/{own.Name} {own.Status} on chart {own.ChartName}-{own.ChartVersion}");
        }
        if (await _api.KindOfAsync($"{GatewayUpgrade.V2Group}/{GatewayUpgrade.V2Version}", GatewayUpgrade.V2Kind.Kind, ct).ConfigureAwait(false) is { } v2)
            foreach (var g in await _api.ListAllAsync(v2, null, null, ct).ConfigureAwait(false))
                Add(g.Name(), $"{GatewayUpgrade.V2Group}/{GatewayUpgrade.V2Version} Gateway {KubeJson.Ref(g.Namespace(), g.Name())}");
        if (evidence.Count == 0) return;
        throw new KsUpgradeException(ErrorIds.GatewaysUpgraded, KsErrorCategory.InvalidOperation,
            $"Gateways of cluster {_api.Context} were converted to KubeSphere 4 by Update-KsGateway: " +
            string.Join("; ", evidence.Select(e => $"{e.Key} ({string.Join(", ", e.Value)})")) +
            ". Undo-KsUpgrade does not give converted gateways back (the 3.4 -ingress releases and their history are gone, the v4 releases belong to the gateway extension, Ingresses were re-classed), " +
            "and a 3.4 KubeSphere under v4 gateways would serve no Ingress through them. Nothing was changed.", _api.Context)
        {
            Remedy = "Stay on KubeSphere 4 and fix forward: Test-KsCluster -Phase PostUpgrade names what is wrong, then Complete-KsUpgrade once it passes. " +
                     "Going back to 3.4 now needs your own etcd snapshot or Velero backup taken before Update-KsGateway.",
        };
    }

    /// <summary>
    /// What the host's own Cluster object shows of a member upgraded to KubeSphere 4, or null: the version its cluster
    /// controller last saw, or — before that controller has caught up — the conditions: the host upgrade gave every
    /// member KSCoreReady and the Schedulable taint, and only an upgraded member has the taint removed (by
    /// Invoke-KsMemberUpgrade, or Remove-KsMemberTaint, which refuses a member not on v4 unless -Force).
    /// </summary>
    private static string? UpgradedMemberEvidence(KsMemberCluster m)
    {
        if (m.KubeSphereVersion is { } v && v.TrimStart('v').StartsWith('4')) return v;
        if (m.Conditions.Any(c => c.Type == "KSCoreReady") && !m.Tainted)
            return $"shown on {m.KubeSphereVersion ?? "no version"} yet, but its Schedulable condition was removed: its upgrade finished";
        return null;
    }

    /// <summary>
    /// A member's Undo needs its host: the member upgrade removed (or, re-run, would remove) the member's Schedulable
    /// condition there, and a member back on 3.4 without it gets the v4 host's extension agents. Refused before any change
    /// without -HostCluster, with the member itself as host, or with a name the host does not list as a member.
    /// </summary>
    private async Task CheckHostOfMemberAsync(CancellationToken ct)
    {
        if (_hostApi is null)
            throw new KsUpgradeException(ErrorIds.HostClusterRequired, KsErrorCategory.InvalidArgument,
                $"'{_api.Context}' was upgraded as a member: its upgrade removes its Schedulable condition on the host, and a member back on KubeSphere 3.4 without it gets the v4 host's extension agents scheduled onto it. Without -HostCluster Undo cannot put the condition back. Nothing was changed.",
                _api.Context)
            { Remedy = "Pass the host: Undo-KsUpgrade -Cluster <member> -HostCluster (Connect-KsCluster -Context <host>) [-MemberName <its name on the host>]." };
        if (string.Equals(_hostApi.Server.TrimEnd('/'), _api.Server.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            throw new KsUpgradeException(ErrorIds.RoleMismatch, KsErrorCategory.InvalidArgument,
                "-HostCluster is the member cluster itself: give the host's KsCluster.", _api.Context);
        await MemberClusters.EnsureMemberAsync(_hostApi, MemberName, ct).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- Preflight: -ProbeImages

    private IReadOnlyList<string>? _probedImages;

    /// <summary>
    /// The images Undo brings back: those of the backed-up workloads (Deployments, StatefulSets, DaemonSets) that the
    /// cluster no longer runs as the backup recorded them (missing, or other images now), with their pull secrets.
    /// </summary>
    private async Task<(List<string> Images, List<string> PullSecrets)> ImagesToRestoreAsync(CancellationToken ct)
    {
        var images = new SortedSet<string>(StringComparer.Ordinal);
        var secrets = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (source, objects) in _backup.Sets.Where(s => s.Source.Group == "apps" && s.Source.Plural is "deployments" or "statefulsets" or "daemonsets"))
        {
            var kind = await _api.FindByPluralAsync(source.Group, source.Plural, ct).ConfigureAwait(false);
            foreach (var b in objects)
            {
                var recorded = PodImages(b);
                var live = kind is null ? null : await _api.GetAsync(kind, b.Namespace(), b.Name(), ct).ConfigureAwait(false);
                if (live is not null && recorded.SequenceEqual(PodImages(live))) continue;
                images.UnionWith(recorded);
                foreach (var s in (b.At("spec", "template", "spec", "imagePullSecrets") as JsonArray ?? new JsonArray()).OfType<JsonObject>())
                    if (s.Str("name") is { Length: > 0 } n) secrets.Add(n);
            }
        }
        return (images.ToList(), secrets.ToList());
    }

    /// <summary>The images a workload's pods run (the one reader, PodTemplates; backed-up and live objects both carry their kind).</summary>
    private static List<string> PodImages(JsonObject workload) =>
        PodTemplates.Images(workload).Select(i => i.Image).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// -ProbeImages: the 3.4 images Undo brings back pulled by the cluster (the one image probe: a short-lived Job, the
    /// kubelet's errors, the Job deleted whatever happens), before any change. One that cannot be pulled refuses Undo
    /// (UndoImagesNotPullable): rolling back to images the nodes cannot pull leaves KubeSphere down on both versions.
    /// </summary>
    private async Task ProbeImagesAsync(CancellationToken ct)
    {
        var (images, secrets) = await ImagesToRestoreAsync(ct).ConfigureAwait(false);
        if (images.Count == 0)
        {
            _log.Verbose("-ProbeImages: every backed-up workload already runs the images the backup recorded; nothing to pull.");
            _probedImages = images;
            return;
        }
        if (!await _log.ShouldProcessAsync($"Job {ImagePullProbe.Namespace}/{ImagePullProbe.JobName}",
                $"Create it to pull the {images.Count} 3.4 images Undo brings back ({string.Join(", ", images)}), then delete it").ConfigureAwait(false))
            return;
        var probe = await ImagePullProbe.RunAsync(_api, _log, images.Select((image, i) => ($"image-{i}", image)).ToList(), secrets,
            _options.ProbeTimeout, _options.PollInterval, ct).ConfigureAwait(false);
        var failed = probe.Images.Where(i => !i.Pulled).ToList();
        if (failed.Count > 0)
            throw new KsUpgradeException(ErrorIds.UndoImagesNotPullable, KsErrorCategory.ResourceUnavailable,
                $"{failed.Count} of the {images.Count} KubeSphere 3.4 images Undo would bring back cannot be pulled by cluster {_api.Context}: " +
                string.Join("; ", failed.Select(f => $"{f.Image} ({f.Reason}{(string.IsNullOrEmpty(f.Message) ? "" : ": " + f.Message)})")) +
                ". The restored workloads would stay in ImagePullBackOff. Nothing was changed.", _api.Context)
            {
                Remedy = "Mirror those images to a registry the nodes can pull from (a registry mirror in the container runtime's configuration, or the images loaded on the nodes), " +
                         "then run Undo-KsUpgrade -ProbeImages again. Without -ProbeImages Undo does not check them (they are listed in NotRestored).",
            };
        _probedImages = images;
    }

    private async Task EnsureUndoJournalAsync(CancellationToken ct)
    {
        if (_undoJournal is { Exists: true }) return;
        _undoJournal = UpgradeJournal.New(_api, new SortedDictionary<string, string>(StringComparer.Ordinal) { ["BackupPath"] = _backup.Path },
            name: UpgradeJournal.UndoConfigMapName);
        await _undoJournal.UpdateAsync(s =>
        {
            s.BackupPath = _backup.Path;
            s.Facts[JournalFacts.UndoneUpgrade] = JsonSerializer.Serialize(_upgrade, JournalJson);
        }, ct).ConfigureAwait(false);
    }

    private static readonly JsonSerializerOptions JournalJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private Task<Plan> PlanAsync(UndoStepId id, CancellationToken ct) => id switch
    {
        UndoStepId.TaintMemberOnHost => PlanTaintAsync(ct),
        UndoStepId.HelmRollback => PlanRollbackAsync(ct),
        UndoStepId.RestoreCrds => PlanCrdsAsync(ct),
        UndoStepId.RestoreObjects => PlanObjectsAsync(ct),
        UndoStepId.RestoreWebhooks => PlanWebhooksAsync(ct),
        UndoStepId.Finish => PlanFinishAsync(ct),
        _ => throw new ArgumentOutOfRangeException(nameof(id)),
    };

    // ---------------------------------------------------------------- TaintMemberOnHost

    /// <summary>
    /// A member's Schedulable condition back on the host first (before its 3.4 ks-core comes back), as the host upgrade left
    /// it before the member's upgrade removed it; kept when the member upgrade stopped before removing it.
    /// </summary>
    private async Task<Plan> PlanTaintAsync(CancellationToken ct)
    {
        if (!IsMember) return new Plan("host", new(), _ => Task.FromResult(""), "a host's Undo: no member condition to put back");
        var name = MemberName;
        var target = $"Cluster {name} on host {_hostApi!.Context}";
        var current = await MemberClusters.EnsureMemberAsync(_hostApi, name, ct).ConfigureAwait(false);
        if (ClusterObject.IndexOfCondition(current, ClusterObject.SchedulableCondition) >= 0)
            return new Plan(target, new(), _ => Task.FromResult(""), $"Cluster {name} on host {_hostApi.Context} still has its Schedulable condition: the host schedules no extension agent onto it");
        var action = $"Add condition Schedulable=False to Cluster {name} on host {_hostApi.Context} (reason {MemberClusters.UpgradeTaintReason}, as the host upgrade set it): " +
                     "the v4 host then schedules no extension agent onto the member going back to 3.4; Invoke-KsMemberUpgrade -HostCluster removes it after the next upgrade";
        return new Plan(target, new() { action }, async c =>
        {
            await MemberClusters.AddTaintAsync(_hostApi, name, _log, c).ConfigureAwait(false);
            return $"Cluster {name} on host {_hostApi.Context}: Schedulable=False ({MemberClusters.UpgradeTaintReason})";
        });
    }

    /// <summary>
    /// For a member, after Finish: waits (at most <see cref="UndoOptions.HostViewTimeout"/>) until the host's cluster
    /// controller no longer shows the member on v4 (status.kubeSphereVersion, what the host's Undo judges its members by).
    /// Returns what the host shows; a host still showing v4 then is a Warning, not a failure (the controller catches up).
    /// </summary>
    private async Task<string> WaitForHostViewAsync(CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + _options.HostViewTimeout;
        while (true)
        {
            var current = await MemberClusters.EnsureMemberAsync(_hostApi!, MemberName, ct).ConfigureAwait(false);
            var seen = ClusterObject.ToMember(current, false, null);
            if (seen.KubeSphereVersion?.StartsWith("v4", StringComparison.OrdinalIgnoreCase) != true)
                return $"the host {_hostApi!.Context} shows {MemberName} on KubeSphere {seen.KubeSphereVersion ?? "(no version)"}, {(seen.Tainted ? "tainted (Schedulable condition)" : "not tainted")}";
            if (DateTimeOffset.UtcNow >= deadline)
            {
                _log.Warning($"The host {_hostApi!.Context} still shows member {MemberName} on KubeSphere {seen.KubeSphereVersion} after {_options.HostViewTimeout.TotalSeconds:0} s: its cluster controller updates the version at its next resync. " +
                             "Until then Undo-KsUpgrade on the host refuses (KsUpgrade.MembersUpgraded); check with Get-KsMemberCluster.");
                return $"the host {_hostApi.Context} still shows {MemberName} on {seen.KubeSphereVersion} (its cluster controller has not resynced yet)";
            }
            await Task.Delay(_options.PollInterval, ct).ConfigureAwait(false);
        }
    }

    // ---------------------------------------------------------------- HelmRollback

    private async Task<Plan> PlanRollbackAsync(CancellationToken ct)
    {
        var target = $"helm release {Ns}/{KsNames.KsCoreRelease}";
        var before = _backup.Deployed;
        if (before is null) return new Plan(target, new(), _ => Task.FromResult(""), "the backup records no deployed ks-core revision");
        // the journal's revision (HelmUpgrade recorded it before it ran) when the backup shows it deployed; else the backup's
        var fromJournal = _upgrade.Facts.TryGetValue(InterruptedHelmUpgrade.FactRevisionBefore, out var text) && int.TryParse(text, out var r) ? r : (int?)null;
        var revision = fromJournal is { } j && _backup.Releases.Any(x => x.Revision == j && x.Status == "deployed") ? j : before.Revision;
        var history = await HelmReleaseReader.HistoryAsync(_api, Ns, KsNames.KsCoreRelease, ct).ConfigureAwait(false);
        var latest = history.LastOrDefault();
        if (latest is null)
            throw new KsUpgradeException(ErrorIds.NothingToUndo, KsErrorCategory.ObjectNotFound,
                $"Helm release {KsNames.KsCoreRelease} has no revisions in {Ns}: there is nothing to roll back to.", KsNames.KsCoreRelease)
            { Remedy = "Reinstall KubeSphere 3.4 with helm, then restore the backup's objects." };
        var interrupted = latest.IsPending ? Interrupted(latest, revision, before) : null;
        if (latest.Status == "deployed" && latest.ChartVersion == before.ChartVersion && latest.AppVersion == before.AppVersion)
            return new Plan(target, new(), _ => Task.FromResult(""),
                $"release {KsNames.KsCoreRelease} revision {latest.Revision} is deployed with chart {before.ChartVersion} (app {before.AppVersion}), as before the upgrade");
        if (history.All(h => h.Revision != revision))
            throw new KsUpgradeException(ErrorIds.BackupNotUsableForUndo, KsErrorCategory.ObjectNotFound,
                $"Helm no longer keeps revision {revision} of {KsNames.KsCoreRelease} (its history was trimmed): it cannot roll back to it.", KsNames.KsCoreRelease)
            { Remedy = "Restore the release Secret sh.helm.release.v1.ks-core.v" + revision + " from your own backup, then run Undo-KsUpgrade again." };
        _rollbackRevision = revision;
        var call = new HelmRollbackCall(KsNames.KsCoreRelease, Ns, revision, _options.HelmTimeout);
        var actions = new List<string>();
        if (interrupted is not null)
            actions.Add($"Mark ks-core revision {interrupted.Revision} failed (left {interrupted.Status} by the interrupted {(interrupted.Status == HelmReleaseStatus.PendingRollback ? "helm rollback of an earlier Undo" : "helm upgrade of the upgrade")}; helm records an interrupted operation so)");
        var action = $"helm rollback {KsNames.KsCoreRelease} to revision {revision} (chart {before.ChartVersion}, app {before.AppVersion}; now revision {latest.Revision}, {latest.Status}, chart {latest.ChartVersion}): {_helm.DescribeRollback(call)}";
        var targetRelease = history.Single(h => h.Revision == revision);
        // helm builds every object of both manifests before it changes anything: the kinds the cluster no longer serves
        // get their backed-up definitions first (or Undo refuses here, before any change)
        var definitions = await DefinitionsForRollbackAsync(targetRelease, latest, ct).ConfigureAwait(false);
        actions.AddRange(definitions.Select(d => d.Action));
        // helm rolls back from the latest manifest: a live object of the target's manifest that the latest one lacks
        // stops it (an upgrade interrupted in helm never removed it); helm re-creates it from the target's manifest
        var blocking = await OnlyInFirstManifestAsync(targetRelease, latest, helmOwned: false, ct).ConfigureAwait(false);
        foreach (var (_, o) in blocking)
            actions.Add($"Delete {UndoObjects.Ref(o)}: it is in revision {revision}'s manifest and not in revision {latest.Revision}'s (the interrupted upgrade never removed it), "
                        + $"and helm rollback refuses an object the release's latest manifest does not hold; the rollback re-creates it from revision {revision}'s manifest");
        // the record of an earlier Undo's rollback that did not finish (failed, or pending and marked failed) already holds
        // the target's manifest, so helm would no longer delete what the revision before it added: those objects of
        // ks-core's are deleted here, as that rollback would have
        if (latest.Status is HelmReleaseStatus.PendingRollback or HelmReleaseStatus.Failed && UnfinishedRollbackOfOurs(latest, revision, before)
            && history.LastOrDefault(h => h.Revision < latest.Revision) is { } prior)
            foreach (var (kind, o) in await OnlyInFirstManifestAsync(prior, targetRelease, helmOwned: true, ct).ConfigureAwait(false))
            {
                actions.Add($"Delete {UndoObjects.Ref(o)}: ks-core's in revision {prior.Revision}'s manifest and not in revision {revision}'s (the unfinished rollback had not removed it)");
                blocking.Add((kind, o));
            }
        actions.Add(action);
        return new Plan(target, actions, async c =>
        {
            foreach (var (_, restore) in definitions) await restore(c).ConfigureAwait(false);
            if (interrupted is not null) await interrupted.MarkFailedAsync(_api, c).ConfigureAwait(false);
            foreach (var (kind, o) in blocking)
                await _api.DeleteAsync(kind, kind.Namespaced ? o.Namespace() : null, o.Name(), "Background", c).ConfigureAwait(false);
            await _helm.RollbackAsync(call, c).ConfigureAwait(false);
            return (definitions.Count == 0 ? "" : $"{definitions.Count} CustomResourceDefinitions served again for helm from the backup; ")
                   + (interrupted is null ? "" : $"revision {interrupted.Revision} ({interrupted.Status}) marked failed; ")
                   + (blocking.Count == 0 ? "" : $"{blocking.Count} objects an interrupted helm left deleted (the ones of revision {revision} helm re-creates); ")
                   + $"rolled back to revision {revision} (chart {before.ChartVersion})";
        });
    }

    /// <summary>
    /// helm rollback builds every object of the latest manifest and of the target revision's before it changes anything,
    /// and stops on a kind the API server does not serve ("no matches for kind"). After the upgrade deleted or changed
    /// CRDs (the gateway job deletes the v1alpha1 gateway CRD; the iam job deletes rolebases; the 4.1 CRDs drop versions
    /// 3.4 served), a kind of the 3.4 manifest may be one. Its definition comes back from the backup first: a CRD the
    /// upgrade deleted is re-created as backed up; a live CRD that no longer serves the version gets the backed-up version
    /// added, served and not stored (it keeps every version it has, so the latest manifest's kinds stay served;
    /// RestoreCrds puts the whole backed-up definition back afterwards). A kind neither the cluster nor a backed-up CRD can
    /// serve, or a kind of the latest manifest the cluster does not serve, refuses Undo before any change.
    /// </summary>
    private async Task<List<(string Action, Func<CancellationToken, Task> Restore)>> DefinitionsForRollbackAsync(HelmRelease target, HelmRelease latest, CancellationToken ct)
    {
        var restores = new List<(string, Func<CancellationToken, Task>)>();
        var unserved = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var planned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (release, isTarget) in new[] { (latest, false), (target, true) })
            foreach (var doc in YamlJson.ReadDocuments(release.Manifest))
            {
                var apiVersion = doc.Str("apiVersion") ?? "";
                var kindName = doc.Str("kind") ?? "";
                if (!seen.Add($"{release.Revision}|{apiVersion}|{kindName}")) continue;
                if (await _api.KindOfAsync(apiVersion, kindName, ct).ConfigureAwait(false) is not null) continue;
                var (group, version) = ResourceKind.SplitApiVersion(apiVersion);
                var what = $"{kindName} {apiVersion} ({KubeJson.Ref(doc.Namespace(), doc.Name())}, revision {release.Revision}'s manifest";
                var crd = isTarget
                    ? _backup.Crds.FirstOrDefault(c => c.Str("spec", "group") == group && c.Str("spec", "names", "kind") == kindName
                        && (c["spec"]?["versions"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Any(v => v.Str("name") == version && v.Bool("served") != false))
                    : null;
                if (crd is null)
                {
                    unserved.Add(what + (isTarget ? "; the backup holds no definition serving it)" : ", the release's latest)"));
                    continue;
                }
                var name = crd.Name();
                if (!planned.Add($"{name}|{version}")) continue;
                var why = $"revision {target.Revision}'s manifest holds {kindName} {apiVersion}, which the cluster no longer serves, and helm rollback builds every object before it changes any";
                var live = await _api.GetAsync(ResourceKind.CustomResourceDefinitions, null, name, ct).ConfigureAwait(false);
                if (live is null)
                    restores.Add(($"Re-create CustomResourceDefinition {name} (versions {Versions(crd)}) before the rollback: {why}",
                        async c =>
                        {
                            if (await _api.GetAsync(ResourceKind.CustomResourceDefinitions, null, name, c).ConfigureAwait(false) is null)
                                await _api.CreateAsync(ResourceKind.CustomResourceDefinitions, null, UndoObjects.ForCreate(crd, Empty), c).ConfigureAwait(false);
                            await WaitServedAsync(name, version, c).ConfigureAwait(false);
                        }));
                else
                {
                    var backedUp = (crd["spec"]!["versions"] as JsonArray)!.OfType<JsonObject>().First(v => v.Str("name") == version);
                    restores.Add(($"Serve {version} of CustomResourceDefinition {name} again before the rollback, as the backup defines it (served, not stored; now {Versions(live)}): {why}",
                        c => ServeVersionAsync(name, backedUp, c)));
                }
            }
        if (unserved.Count > 0)
            throw new KsUpgradeException(ErrorIds.RollbackKindsNotServed, KsErrorCategory.ObjectNotFound,
                $"helm rollback of {KsNames.KsCoreRelease} to revision {target.Revision} would stop before it changes anything: it builds every object of the release's latest manifest and of revision {target.Revision}'s, " +
                $"and cluster {_api.Context} does not serve {string.Join("; ", unserved)}. Nothing was changed.", KsNames.KsCoreRelease)
            {
                Remedy = "Install the CustomResourceDefinition that serves each kind named (from the chart or operator that owns it: kubectl apply -f <its CRD>), then run Undo-KsUpgrade again.",
            };
        return restores;
    }

    /// <summary>Adds a backed-up version to a live CRD (served, not stored), or serves it again, then waits until the CRD serves it.</summary>
    private async Task ServeVersionAsync(string name, JsonObject backedUpVersion, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var live = await _api.GetAsync(ResourceKind.CustomResourceDefinitions, null, name, ct).ConfigureAwait(false)
                ?? throw new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.ObjectNotFound, $"CustomResourceDefinition {name} disappeared while Undo was serving {backedUpVersion.Str("name")} again.", name)
                { Remedy = "Run Undo-KsUpgrade again: it plans from what the cluster shows." };
            var versions = live["spec"]?["versions"] as JsonArray ?? new JsonArray();
            var existing = versions.OfType<JsonObject>().FirstOrDefault(v => v.Str("name") == backedUpVersion.Str("name"));
            if (existing is not null && existing.Bool("served") != false) break;
            if (existing is not null) existing["served"] = true;
            else
            {
                var added = (JsonObject)backedUpVersion.DeepClone();
                added["served"] = true;
                added["storage"] = false;
                versions.Add(added);
            }
            try
            {
                await _api.ReplaceAsync(ResourceKind.CustomResourceDefinitions, null, live, ct).ConfigureAwait(false);
                break;
            }
            catch (KubeConflictException) when (attempt < RestoreAttempts)
            {
                // changed since it was read: read it again (a lasting conflict ends the step: Map makes it ApiError, ResourceBusy)
            }
        }
        await WaitServedAsync(name, backedUpVersion.Str("name")!, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits (up to CrdEstablishTimeout) until a CRD just written is Established and serves the version: read from the CRD
    /// itself, not from discovery (the access layer caches discovery until the next CRD write, and helm, which runs next,
    /// discovers on its own).
    /// </summary>
    private async Task WaitServedAsync(string name, string version, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + _options.CrdEstablishTimeout;
        while (true)
        {
            var crd = await _api.GetAsync(ResourceKind.CustomResourceDefinitions, null, name, ct).ConfigureAwait(false);
            var established = (crd?["status"]?["conditions"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Any(c => c.Str("type") == "Established" && c.Str("status") == "True");
            if (established && VersionNames(crd!).Contains(version)
                && (crd!["spec"]!["versions"] as JsonArray)!.OfType<JsonObject>().First(v => v.Str("name") == version).Bool("served") != false) return;
            if (DateTimeOffset.UtcNow > deadline)
                throw new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.OperationTimeout,
                    $"CustomResourceDefinition {name} is not established serving {version} {_options.CrdEstablishTimeout.TotalSeconds:0} s after Undo wrote it (the CRD establish timeout ran out).", name)
                { Remedy = $"Check its conditions (kubectl get crd {name} -o yaml: NamesAccepted, Established), then run Undo-KsUpgrade again." };
            await Task.Delay(_options.PollInterval, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The live objects of <paramref name="first"/>'s manifest that <paramref name="second"/>'s manifest does not hold
    /// (<paramref name="helmOwned"/>: only those helm's annotations give to ks-core). helm rollback refuses such objects of
    /// the target's manifest when the latest manifest lacks them ("no &lt;Kind&gt; with the name ... found"): after a
    /// finished upgrade there are none (helm deleted what the new chart dropped); an upgrade stopped or killed in helm
    /// leaves them (helm had not got to its deletions).
    /// </summary>
    private async Task<List<(ResourceKind Kind, JsonObject Object)>> OnlyInFirstManifestAsync(HelmRelease first, HelmRelease second, bool helmOwned, CancellationToken ct)
    {
        var found = new List<(ResourceKind, JsonObject)>();
        if (first.Revision == second.Revision) return found;
        static string Key(JsonObject o) => $"{ResourceKind.SplitApiVersion(o.Str("apiVersion") ?? "").Group}/{o.Str("kind")}/{(string.IsNullOrEmpty(o.Namespace()) ? Ns : o.Namespace())}/{o.Name()}";
        var inSecond = YamlJson.ReadDocuments(second.Manifest).Select(Key).ToHashSet(StringComparer.Ordinal);
        foreach (var doc in YamlJson.ReadDocuments(first.Manifest))
        {
            if (inSecond.Contains(Key(doc))) continue;
            var kind = await _api.KindOfAsync(doc.Str("apiVersion") ?? "", doc.Str("kind") ?? "", ct).ConfigureAwait(false);
            if (kind is null) continue; // not served: nothing of it in the cluster
            var live = await _api.GetAsync(kind, kind.Namespaced ? (string.IsNullOrEmpty(doc.Namespace()) ? Ns : doc.Namespace()) : null, doc.Name(), ct).ConfigureAwait(false);
            if (live is null || (helmOwned && live.Str("metadata", "annotations", "meta.helm.sh/release-name") != KsNames.KsCoreRelease)) continue;
            found.Add((kind, live));
        }
        return found;
    }

    /// <summary>An earlier run of this Undo started its helm rollback and did not finish it, and <paramref name="latest"/> is that rollback's record (after the target, with its chart).</summary>
    private bool UnfinishedRollbackOfOurs(HelmRelease latest, int revision, BackedUpRevision before) =>
        _undoJournal?.State.Step(nameof(UndoStepId.HelmRollback)) is { } step && !JournalStatus.IsDone(step.Status)
        && latest.Revision > revision && latest.ChartVersion == before.ChartVersion && latest.AppVersion == before.AppVersion;

    /// <summary>
    /// The latest ks-core revision is pending (helm refuses every operation on such a release). It is marked failed and
    /// rolled back from only when the evidence says it was left by an interrupted helm of ours: pending-upgrade, by the
    /// upgrade Undo undoes (its journal records step HelmUpgrade started and not finished, and the revision is the one after
    /// the revision it noted before running helm); pending-rollback, by an earlier run of this Undo (Undo's journal records
    /// step HelmRollback started and not finished, and the revision carries the chart of the revision rolled back to).
    /// Anything else may be another helm client still at work: ReleasePending.
    /// </summary>
    private InterruptedHelmUpgrade Interrupted(HelmRelease latest, int revision, BackedUpRevision before)
    {
        var ours = latest.Status switch
        {
            HelmReleaseStatus.PendingUpgrade =>
                _upgrade.Step(nameof(UpgradeStepId.HelmUpgrade)) is { } step && !JournalStatus.IsDone(step.Status)
                && _upgrade.Facts.TryGetValue(InterruptedHelmUpgrade.FactRevisionBefore, out var text)
                && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var noted) && latest.Revision == noted + 1,
            HelmReleaseStatus.PendingRollback => UnfinishedRollbackOfOurs(latest, revision, before),
            _ => false,
        };
        if (!ours)
            throw new KsUpgradeException(ErrorIds.ReleasePending, KsErrorCategory.ResourceBusy,
                $"ks-core revision {latest.Revision} is {latest.Status} (chart {latest.ChartVersion}), and neither the upgrade's journal nor Undo's shows it was left by KsUpgrade's own helm: another helm operation may still be running.", KsNames.KsCoreRelease)
            { Remedy = $"Wait for that helm operation to end (helm history {KsNames.KsCoreRelease} -n {Ns}), then run Undo-KsUpgrade again." };
        return new InterruptedHelmUpgrade(latest.Revision, latest.SecretName, latest.ChartVersion, latest.Status);
    }

    // ---------------------------------------------------------------- RestoreCrds

    private async Task<Plan> PlanCrdsAsync(CancellationToken ct)
    {
        var actions = new List<string>();
        var work = new List<Func<CancellationToken, Task>>();
        var backedUp = _backup.Crds.ToDictionary(c => c.Name(), StringComparer.Ordinal);
        var liveCrds = (await _api.ListAllAsync(ResourceKind.CustomResourceDefinitions, null, null, ct).ConfigureAwait(false)).ToDictionary(c => c.Name(), StringComparer.Ordinal);
        foreach (var (name, crd) in backedUp.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            var versions = Versions(crd);
            if (!liveCrds.TryGetValue(name, out var now))
            {
                actions.Add($"Re-create CustomResourceDefinition {name} (versions {versions})");
                work.Add(c => _api.CreateAsync(ResourceKind.CustomResourceDefinitions, null, UndoObjects.ForCreate(crd, Empty), c));
                continue;
            }
            if (JsonNode.DeepEquals(crd["spec"], now["spec"])) continue;
            var stored = (now["status"]?["storedVersions"] as JsonArray ?? new JsonArray()).Select(v => v?.GetValue<string>()).OfType<string>().ToList();
            var served = VersionNames(crd);
            var lost = stored.Where(v => !served.Contains(v)).ToList();
            if (lost.Count == 0)
            {
                actions.Add($"Restore CustomResourceDefinition {name} to versions {versions} (now {Versions(now)})");
                work.Add(async c =>
                {
                    var current = await _api.GetAsync(ResourceKind.CustomResourceDefinitions, null, name, c).ConfigureAwait(false);
                    var body = UndoObjects.ForCreate(crd, Empty);
                    body.Obj("metadata")["resourceVersion"] = current?.ResourceVersion();
                    await _api.ReplaceAsync(ResourceKind.CustomResourceDefinitions, null, body, c).ConfigureAwait(false);
                });
            }
            else
            {
                // objects stored in a version the 3.4 definition does not serve: re-create the CRD and restore its objects
                // from the backup (RestoreObjects) instead of trusting a conversion
                actions.Add($"Re-create CustomResourceDefinition {name} with versions {versions} (now {Versions(now)}; objects stored in {string.Join(", ", lost)}): "
                            + "its objects are deleted with it and restored from the backup");
                work.Add(c => RecreateCrdAsync(crd, c));
            }
        }
        foreach (var (name, crd) in liveCrds.Where(k => !backedUp.ContainsKey(k.Key) && BackupPlan.IsKubeSphereGroup(k.Value.Str("spec", "group"))).OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            if (!UndoObjects.CreatedSince(crd, _backup.Created))
            {
                _notRestored.Add($"CustomResourceDefinition {name}: not in the backup but older than it; left as it is");
                continue;
            }
            actions.Add($"Delete CustomResourceDefinition {name} and its objects (added by the upgrade)");
            work.Add(c => DeleteCrdAsync(crd, c));
        }
        return new Plan($"{actions.Count} CustomResourceDefinitions", actions, async c =>
        {
            foreach (var w in work) await w(c).ConfigureAwait(false);
            return $"{work.Count} CustomResourceDefinitions restored or removed";
        }, "every KubeSphere CRD is as the backup recorded it");
    }

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    private static List<string> VersionNames(JsonObject crd) =>
        (crd["spec"]?["versions"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Select(v => v.Str("name")).OfType<string>().ToList();

    private static string Versions(JsonObject crd) =>
        string.Join(", ", (crd["spec"]?["versions"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
            .Select(v => v.Str("name") + (v.Bool("storage") == true ? " (storage)" : "") + (v.Bool("served") == false ? " (not served)" : "")));

    private async Task RecreateCrdAsync(JsonObject backedUp, CancellationToken ct)
    {
        var live = await _api.GetAsync(ResourceKind.CustomResourceDefinitions, null, backedUp.Name(), ct).ConfigureAwait(false);
        if (live is not null) await DeleteCrdAsync(live, ct).ConfigureAwait(false);
        await _api.CreateAsync(ResourceKind.CustomResourceDefinitions, null, UndoObjects.ForCreate(backedUp, Empty), ct).ConfigureAwait(false);
        _log.Verbose($"Re-created CustomResourceDefinition {backedUp.Name()}.");
    }

    /// <summary>
    /// Deletes a CRD: first the finalizers of its objects (nothing runs to clear them while KubeSphere is down) and the
    /// owner references Namespaces hold to them (else the garbage collector would delete those namespaces), then the
    /// CRD, then waits until it is gone.
    /// </summary>
    private async Task DeleteCrdAsync(JsonObject crd, CancellationToken ct)
    {
        var name = crd.Name();
        var group = crd.Str("spec", "group") ?? "";
        var plural = crd.Str("spec", "names", "plural") ?? "";
        var kindName = crd.Str("spec", "names", "kind") ?? "";
        var kind = await _api.FindByPluralAsync(group, plural, ct).ConfigureAwait(false);
        if (kind is not null)
        {
            foreach (var o in await _api.ListAllAsync(kind, null, null, ct).ConfigureAwait(false))
                if (o["metadata"]?["finalizers"] is JsonArray { Count: > 0 })
                    await _api.PatchAsync(kind, kind.Namespaced ? o.Namespace() : null, o.Name(), KubePatchType.Merge, """{"metadata":{"finalizers":null}}""", ct).ConfigureAwait(false);
            foreach (var nsObj in await _api.ListAllAsync(ResourceKind.Namespaces, null, null, ct).ConfigureAwait(false))
            {
                if (nsObj["metadata"]?["ownerReferences"] is not JsonArray refs) continue;
                var kept = refs.OfType<JsonObject>().Where(r => !(r.Str("kind") == kindName && (r.Str("apiVersion") ?? "").StartsWith(group + "/", StringComparison.Ordinal))).ToList();
                if (kept.Count == refs.Count) continue;
                var patch = new JsonObject { ["metadata"] = new JsonObject { ["ownerReferences"] = kept.Count == 0 ? null : new JsonArray(kept.Select(k => (JsonNode?)k.DeepClone()).ToArray()) } };
                await _api.PatchAsync(ResourceKind.Namespaces, null, nsObj.Name(), KubePatchType.Merge, patch.ToJsonString(), ct).ConfigureAwait(false);
            }
        }
        await _api.DeleteAsync(ResourceKind.CustomResourceDefinitions, null, name, "Background", ct).ConfigureAwait(false);
        var deadline = DateTimeOffset.UtcNow + _options.CrdDeleteTimeout;
        while (await _api.GetAsync(ResourceKind.CustomResourceDefinitions, null, name, ct).ConfigureAwait(false) is not null)
        {
            if (DateTimeOffset.UtcNow > deadline)
                throw new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.OperationTimeout,
                    $"CustomResourceDefinition {name} was not deleted within {_options.CrdDeleteTimeout.TotalSeconds:0} s (objects with finalizers?).", name)
                { Remedy = $"Check 'kubectl get {plural}.{group} -A' for objects with finalizers, then run Undo-KsUpgrade again." };
            await Task.Delay(_options.PollInterval, ct).ConfigureAwait(false);
        }
        _log.Verbose($"Deleted CustomResourceDefinition {name}.");
    }

    // ---------------------------------------------------------------- RestoreObjects / RestoreWebhooks

    /// <summary>The order objects are written back in: owners (workspaces) before namespaces before what lives in them.</summary>
    private static int Order(BackupSource s) => s.Group switch
    {
        BackupPlan.Tenant => 0,
        "" when s.Plural == "namespaces" => 1,
        BackupPlan.Iam => 2,
        BackupPlan.Rbac => 3,
        _ => 4,
    };

    private Task<Plan> PlanObjectsAsync(CancellationToken ct) =>
        PlanSetsAsync(_backup.Sets.Where(s => s.Source.Group is not ("apiextensions.k8s.io" or "admissionregistration.k8s.io"))
            .OrderBy(s => Order(s.Source)).ToList(), "KubeSphere objects", ct);

    private Task<Plan> PlanWebhooksAsync(CancellationToken ct) =>
        PlanSetsAsync(_backup.Sets.Where(s => s.Source.Group == "admissionregistration.k8s.io").ToList(), "webhook configurations", ct);

    /// <summary>Never restored nor deleted: helm's release records (helm rolls the release back) and KsUpgrade's journals.</summary>
    private static bool Untouched(JsonObject o) =>
        (o.Str("kind") == "Secret" && o.Str("type") == "helm.sh/release.v1")
        || (o.Str("kind") == "ConfigMap" && o.Namespace() == KsNames.KubeSphereSystem && UpgradeJournal.IsJournal(o.Name()));

    private async Task<Plan> PlanSetsAsync(IReadOnlyList<(BackupSource Source, IReadOnlyList<JsonObject> Objects)> sets, string what, CancellationToken ct)
    {
        var actions = new List<string>();
        var work = new List<Func<CancellationToken, Task>>();
        foreach (var (source, objects) in sets)
        {
            var kind = await _api.FindByPluralAsync(source.Group, source.Plural, ct).ConfigureAwait(false);
            if (kind is null)
            {
                if (objects.Count > 0)
                    _notRestored.Add($"{source.KindName}: {objects.Count} objects in the backup, but the cluster does not serve the kind (its CRD is missing)");
                continue;
            }
            var live = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            if (source.Name is not null)
            {
                if (await _api.GetAsync(kind, source.Namespace, source.Name, ct).ConfigureAwait(false) is { } one) live[Key(one)] = one;
            }
            else
                foreach (var o in await _api.ListAllAsync(kind, source.Namespace, null, ct).ConfigureAwait(false))
                    if (source.Filter is null || source.Filter(o)) live[Key(o)] = o;

            foreach (var b in objects.Where(o => !Untouched(o)))
            {
                live.TryGetValue(Key(b), out var now);
                var display = UndoObjects.Ref(b);
                if (kind.Kind == "Job")
                {
                    if (now is null) _notRestored.Add($"{display}: a Job is not re-created (it would run again)");
                    continue;
                }
                if (kind.Kind == "PersistentVolumeClaim")
                {
                    if (now is not null) continue;
                    actions.Add($"Re-create {display} empty");
                    _notRestored.Add($"{display}: re-created as a new, empty claim; the data of its old volume ({b.Str("spec", "volumeName") ?? "none"}) was deleted with it by the upgrade");
                    work.Add(async c => await _api.CreateAsync(kind, b.Namespace(), UndoObjects.NewClaim(b, await OwnerUidsAsync(c).ConfigureAwait(false)), c).ConfigureAwait(false));
                    continue;
                }
                if (now is null)
                {
                    actions.Add($"Re-create {display}{Note(b)}");
                    work.Add(c => RestoreAsync(kind, b, c));
                }
                else if (UndoObjects.Comparable(b) != UndoObjects.Comparable(now))
                {
                    actions.Add($"Restore {display}{Note(b)}");
                    work.Add(c => RestoreAsync(kind, b, c));
                }
            }
            var backedUp = objects.Select(Key).ToHashSet(StringComparer.Ordinal);
            foreach (var (key, o) in live.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                if (backedUp.Contains(key) || Untouched(o)) continue;
                if (o["metadata"]?["ownerReferences"] is JsonArray { Count: > 0 }) continue; // its owner's deletion takes it
                if (!UndoObjects.CreatedSince(o, _backup.Created))
                {
                    _notRestored.Add($"{UndoObjects.Ref(o)}: not in the backup but older than it; left as it is");
                    continue;
                }
                actions.Add($"Delete {UndoObjects.Ref(o)} (created since the backup)");
                work.Add(c => _api.DeleteAsync(kind, kind.Namespaced ? o.Namespace() : null, o.Name(), "Background", c));
            }
        }
        return new Plan(what, actions, async c =>
        {
            foreach (var w in work) await w(c).ConfigureAwait(false);
            _ownerUids = null;
            return $"{work.Count} {what} re-created, restored or deleted";
        }, $"every backed-up {what[..^1]} is as the backup recorded it");
    }

    /// <summary>What the plan says beside an object it writes back (the replicas of a Deployment, the cc's etcd endpoints).</summary>
    private static string Note(JsonObject b) => b.Str("kind") switch
    {
        "Deployment" => $" ({b.Long("spec", "replicas") ?? 1} replicas)",
        "ClusterConfiguration" => $" (spec.etcd.endpointIps '{b.Str("spec", "etcd", "endpointIps") ?? ""}')",
        _ => "",
    };

    private static string Key(JsonObject o) => $"{o.Str("kind")}/{o.Namespace()}/{o.Name()}";

    /// <summary>How often Undo reads an object again after a 409 (AlreadyExists on create, Conflict on replace) before the step fails (RestoreAsync, ServeVersionAsync).</summary>
    public const int RestoreAttempts = 5;

    private async Task RestoreAsync(ResourceKind listed, JsonObject backedUp, CancellationToken ct, int attempt = 1)
    {
        // written in the version the backup holds it in (the CRDs serve it again by now)
        backedUp = AtStorageVersion(backedUp);
        var kind = await _api.KindOfAsync(backedUp.Str("apiVersion") ?? "", backedUp.Str("kind") ?? "", ct).ConfigureAwait(false) ?? listed;
        var ns = kind.Namespaced ? backedUp.Namespace() : null;
        _log.Verbose($"Restoring {UndoObjects.Ref(backedUp)} as {kind}.");
        var now = await _api.GetAsync(kind, ns, backedUp.Name(), ct).ConfigureAwait(false);
        var body = UndoObjects.ForCreate(backedUp, await OwnerUidsAsync(ct).ConfigureAwait(false));
        if (now is null)
        {
            JsonObject created;
            try
            {
                created = await _api.CreateAsync(kind, ns, body, ct).ConfigureAwait(false);
            }
            catch (KubeConflictException) when (attempt < RestoreAttempts)
            {
                // AlreadyExists: created since it was read (a controller, helm, a person): read it again and write the backup over it
                await RestoreAsync(listed, backedUp, ct, attempt + 1).ConfigureAwait(false);
                return;
            }
            await RestoreStatusAsync(kind, backedUp, created, ct).ConfigureAwait(false);
            return;
        }
        if (kind.Kind == "Service" && now.Str("spec", "clusterIP") is { } ip && backedUp.Str("spec", "clusterIP") is { } was && ip != was)
        {
            // a Service's clusterIP cannot change: the one the backup recorded comes back with a new Service
            await _api.DeleteAsync(kind, ns, backedUp.Name(), "Background", ct).ConfigureAwait(false);
            await _api.CreateAsync(kind, ns, body, ct).ConfigureAwait(false);
            return;
        }
        body.Obj("metadata")["resourceVersion"] = now.ResourceVersion();
        try
        {
            await RestoreStatusAsync(kind, backedUp, await _api.ReplaceAsync(kind, ns, body, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        }
        catch (KubeConflictException) when (attempt < RestoreAttempts)
        {
            await RestoreAsync(listed, backedUp, ct, attempt + 1).ConfigureAwait(false); // changed since it was read: read again
        }
    }

    /// <summary>
    /// A custom resource whose kind has a status subresource loses its status on create and replace (a User's state: a
    /// disabled user must not come back active): the backed-up status is written to the status subresource. Built-in
    /// kinds' status is their controllers' (a Deployment's availability is observed, not restored).
    /// </summary>
    private async Task RestoreStatusAsync(ResourceKind kind, JsonObject backedUp, JsonObject written, CancellationToken ct)
    {
        if (backedUp["status"] is not JsonObject { Count: > 0 } status || kind.Group.Length == 0 || !kind.Group.Contains('.')
            || kind.Group.EndsWith(".k8s.io", StringComparison.Ordinal) || JsonNode.DeepEquals(status, written["status"])) return;
        var body = (JsonObject)written.DeepClone();
        body["status"] = status.DeepClone();
        await _api.ReplaceStatusAsync(kind, kind.Namespaced ? written.Namespace() : null, body, ct).ConfigureAwait(false);
    }

    private Dictionary<string, string>? _storageVersions;

    /// <summary>
    /// A custom resource is written back in the storage version its backed-up CRD declares (what etcd held before the
    /// upgrade), when that CRD converts by apiVersion alone (strategy None: every version has the same schema); the
    /// backup lists objects in the preferred version, which may be one the 3.4 CRD serves but never stored.
    /// </summary>
    private JsonObject AtStorageVersion(JsonObject backedUp)
    {
        _storageVersions ??= _backup.Crds
            .Where(c => (c.Str("spec", "conversion", "strategy") ?? "None") == "None")
            .Select(c => (Key: $"{c.Str("spec", "group")}/{c.Str("spec", "names", "kind")}",
                          Storage: (c["spec"]?["versions"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().FirstOrDefault(v => v.Bool("storage") == true)?.Str("name")))
            .Where(x => x.Storage is not null)
            .GroupBy(x => x.Key).ToDictionary(g => g.Key, g => g.First().Storage!, StringComparer.Ordinal);
        var (group, version) = ResourceKind.SplitApiVersion(backedUp.Str("apiVersion") ?? "");
        if (group.Length == 0 || !_storageVersions.TryGetValue($"{group}/{backedUp.Str("kind")}", out var storage) || storage == version) return backedUp;
        var copy = (JsonObject)backedUp.DeepClone();
        copy["apiVersion"] = $"{group}/{storage}";
        return copy;
    }

    private Dictionary<string, string>? _ownerUids;

    /// <summary>The uids of the live owners backed-up objects refer to ("Kind/name"): workspaces, workspace templates, users.</summary>
    private async Task<IReadOnlyDictionary<string, string>> OwnerUidsAsync(CancellationToken ct)
    {
        var uids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (group, plural) in new[] { (BackupPlan.Tenant, "workspaces"), (BackupPlan.Tenant, "workspacetemplates"), (BackupPlan.Iam, "users"), (BackupPlan.Iam, "globalroles"), (BackupPlan.Iam, "workspaceroles") })
        {
            var kind = await _api.FindByPluralAsync(group, plural, ct).ConfigureAwait(false);
            if (kind is null) continue;
            foreach (var o in await _api.ListAllAsync(kind, null, null, ct).ConfigureAwait(false))
                if (o.Str("metadata", "uid") is { } uid) uids[$"{kind.Kind}/{o.Name()}"] = uid;
        }
        return _ownerUids = uids;
    }

    // ---------------------------------------------------------------- Finish

    private Task<Plan> PlanFinishAsync(CancellationToken ct)
    {
        var images = _backup.Sets.Where(s => s.Source.Plural is "deployments" or "statefulsets" or "daemonsets")
            .SelectMany(s => s.Objects).SelectMany(PodImages)
            .Where(i => i.Contains("kubesphere", StringComparison.OrdinalIgnoreCase)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (images.Count > 0 && _probedImages is null)
            _notRestored.Add($"Images: the restored workloads run the 3.4 images the backup recorded ({string.Join(", ", images)}); Undo does not check they can still be pulled unless -ProbeImages is given (docker.io/kubesphere deleted its images in July 2025: mirror them)");
        var actions = new List<string>
        {
            $"Delete ConfigMap {Ns}/{UpgradeJournal.ConfigMapName} (the upgrade journal: the cluster can be upgraded again from the start)",
            $"Delete ConfigMap {Ns}/{UpgradeJournal.UndoConfigMapName} (Undo's journal)",
        };
        if (IsMember)
            actions.Add($"Wait up to {_options.HostViewTimeout.TotalSeconds:0} s for the host {_hostApi!.Context} to show member {MemberName} off KubeSphere 4 (its cluster controller's next resync)");
        return Task.FromResult(new Plan($"journals in {Ns}", actions, async c =>
        {
            await _api.DeleteAsync(ResourceKind.ConfigMaps, Ns, UpgradeJournal.ConfigMapName, "Background", c).ConfigureAwait(false);
            await _api.DeleteAsync(ResourceKind.ConfigMaps, Ns, UpgradeJournal.UndoConfigMapName, "Background", c).ConfigureAwait(false);
            var done = "the upgrade journal and Undo's journal removed";
            return IsMember ? $"{done}; {await WaitForHostViewAsync(c).ConfigureAwait(false)}" : done;
        }));
    }

    private KsUpgradeException Map(Exception e, string step, CancellationToken ct) => e switch
    {
        KsUpgradeException ks => ks,
        OperationCanceledException when ct.IsCancellationRequested => new KsUpgradeException(ErrorIds.Stopped, KsErrorCategory.OperationStopped,
            $"Stopped during Undo step {step}; Undo's journal records where.", step, e) { Remedy = "Run Undo-KsUpgrade again to finish it." },
        KubeConflictException => new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.ResourceBusy,
            $"Undo step {step} failed: {e.Message}", step, e) { Remedy = "Run Undo-KsUpgrade again: it continues from what the cluster shows." },
        IOException or UnauthorizedAccessException => new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.ReadError, $"Undo step {step} failed: {e.Message}", step, e),
        _ => new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.NotSpecified, $"Undo step {step} failed: {e.GetType().Name}: {e.Message}", step, e)
        { Remedy = "Run Undo-KsUpgrade again: it continues from what the cluster shows." },
    };

    private static string FirstLine(string s)
    {
        var nl = s.IndexOf('\n');
        return nl < 0 ? s : s[..nl].TrimEnd('\r') + " ...";
    }
}
