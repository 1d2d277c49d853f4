using System.Diagnostics;
using KsUpgrade.Engine.Backup;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade.Steps;

namespace KsUpgrade.Engine.Upgrade;

/// <summary>
/// The host/member upgrade (Invoke-KsHostUpgrade, Invoke-KsMemberUpgrade): validates the input, reads the journal
/// (resume or refuse on a parameters mismatch), then runs the ten steps in order. Each step plans first, asks
/// ShouldProcess with its plan (mutating steps), and is journaled before and after. The result is written with
/// log.Output and returned; when a step failed, its KsUpgradeException is thrown after the result was written.
/// </summary>
public sealed class ClusterUpgrade
{
    public const string StepTag = "KsUpgrade.Step";
    private const int ProgressId = 1;
    private readonly IKubeApi _api;
    private readonly UpgradeParameters _p;
    private readonly IUpgradeHelm _helm;
    private readonly IUpgradeChecks _checks;
    private readonly IUpgradeChart _chart;
    private readonly IEngineLog _log;
    private readonly IKubeApi? _hostApi;

    public ClusterUpgrade(IKubeApi api, UpgradeParameters parameters, IUpgradeHelm helm, IUpgradeChecks checks, IEngineLog log,
        IUpgradeChart? chart = null, IKubeApi? hostApi = null)
    {
        _api = api;
        _p = parameters;
        _helm = helm;
        _checks = checks;
        _log = log;
        _chart = chart ?? new LocalChartReader();
        _hostApi = hostApi;
    }

    /// <summary>For a connected cluster (and, for a member, its connected host).</summary>
    public static ClusterUpgrade For(KsCluster cluster, UpgradeParameters parameters, IUpgradeHelm helm, IUpgradeChecks checks, IEngineLog log,
        IUpgradeChart? chart = null, KsCluster? host = null) =>
        new(KubeApi.For(cluster, log.Verbose), parameters, helm, checks, log, chart, host is null ? null : KubeApi.For(host, log.Verbose));

    /// <summary>How often jobs are polled (tests shorten it).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The steps, in order.</summary>
    internal static IReadOnlyList<IUpgradeStep> Steps() => new IUpgradeStep[]
    {
        new PreflightStep(), new BackupStep(), new StopInstallerStep(), new EtcdEndpointsStep(), new RemoveOldRedisStep(),
        new RedisFlagsStep(), new PrepareJobStep(), new ApplyCrdsStep(), new HelmUpgradeStep(), new PostCheckStep(),
    };

    public static IReadOnlyList<string> StepNames => Steps().Select(s => s.Name).ToList();

    public async Task<KsUpgradeResult> RunAsync(CancellationToken ct)
    {
        await InputValidation.ValidateAsync(_p, _chart, ct).ConfigureAwait(false);
        var parameters = _p.Normalized();
        var existing = await UpgradeJournal.ReadAsync(_api, ct).ConfigureAwait(false);
        if (existing is not null)
        {
            var diff = UpgradeJournal.Differences(existing.State, parameters);
            if (diff is not null)
                throw new KsUpgradeException(UpgradeErrorIds.JournalMismatch, KsErrorCategory.InvalidArgument,
                    $"An earlier upgrade run (journal {UpgradeJournal.Namespace}/{UpgradeJournal.ConfigMapName}, updated {existing.State.Updated:u}) used different parameters: {diff}.",
                    UpgradeJournal.ConfigMapName)
                {
                    Remedy = "Re-run with the same parameters to resume it" + (existing.State.BackupPath is null ? "" : $" (its backup is in {existing.State.BackupPath})")
                             + ", or delete that ConfigMap to start over.",
                };
            _log.Information($"Resuming the upgrade recorded in {UpgradeJournal.Namespace}/{UpgradeJournal.ConfigMapName}: steps already done are skipped.", StepTag);
        }
        else if (_p.Resume)
            _log.Warning($"-Resume: there is no journal {UpgradeJournal.Namespace}/{UpgradeJournal.ConfigMapName} in the cluster; starting from the beginning.");

        var previous = existing?.State;
        var backupPath = previous?.BackupPath ?? (_p.BackupPath is null ? UpgradeParameters.DefaultBackupPath(DateTimeOffset.Now) : Path.GetFullPath(_p.BackupPath));
        if (previous?.BackupPath is not null && _p.BackupPath is not null && Path.GetFullPath(_p.BackupPath) != previous.BackupPath)
            _log.Warning($"The backup of this upgrade was taken into {previous.BackupPath} by an earlier run; -BackupPath {_p.BackupPath} is not used.");
        var backupOnDisk = previous is not null && !previous.IsDone("Backup") && previous.Step("Backup") is not null
                           && File.Exists(Path.Combine(backupPath, ClusterBackup.ManifestFileName));
        if (backupOnDisk)
            _log.Warning($"The journal does not record the end of the backup, but {backupPath} holds a complete one (manifest.json): it is kept, not retaken.");
        else if (previous is null || !previous.IsDone("Backup")) ClusterBackup.CheckTarget(backupPath);

        var journal = existing ?? UpgradeJournal.New(_api, parameters);
        var c = new UpgradeContext
        {
            Api = _api, Log = _log, Parameters = _p, Helm = _helm, Checks = _checks, ChartReader = _chart, HostApi = _hostApi,
            BackupPath = backupPath, Previous = previous, PollInterval = PollInterval,
        };
        if (previous is not null) foreach (var (k, v) in previous.Facts) c.Facts[k] = v;

        var steps = Steps();
        var records = steps.Select(s => new KsUpgradeStep(s.Name)).ToArray();
        var result = new KsUpgradeResult { Cluster = _api.Context, Role = _p.Role, Steps = records };
        KsUpgradeException? failure = null;
        var live = false; // a mutating step was approved in this run: from then on the journal is written
        for (var i = 0; i < steps.Count && failure is null; i++)
        {
            var step = steps[i];
            var record = records[i];
            var label = $"Step {i + 1} of {steps.Count}: {step.Name}";
            record.Started = DateTimeOffset.Now;
            var clock = Stopwatch.StartNew();
            _log.Progress(ProgressId, $"KubeSphere {_p.RoleName} upgrade to {_p.Tag}", label, 100 * i / steps.Count);
            _log.Information($"{label} started.", StepTag);
            try
            {
                if (previous?.Step(step.Name) is { } done && JournalStatus.IsDone(done.Status))
                {
                    record.Status = KsUpgradeStepStatus.Skipped;
                    record.Detail = $"done by an earlier run ({done.Finished:u}): {done.Detail}";
                    continue;
                }
                if (step.Name == "Backup" && backupOnDisk)
                {
                    record.Status = KsUpgradeStepStatus.Skipped;
                    record.Detail = $"complete backup found in {backupPath} (the run that took it stopped before recording it)";
                    RecordInMemory(journal, step.Name, record.Detail); // written with the next journal update
                    journal.State.BackupPath = backupPath;
                    continue;
                }
                if (step.Name == "Backup" && previous is not null && LaterStepStarted(previous, steps, i))
                {
                    record.Status = KsUpgradeStepStatus.Skipped;
                    record.Detail = "not retaken: later steps of this upgrade already changed the cluster";
                    _log.Warning("The journal shows steps after the backup already ran; the backup is not retaken over a half-upgraded cluster.");
                    continue;
                }
                var plan = await step.PlanAsync(c, ct).ConfigureAwait(false);
                if (plan.NothingToDo)
                {
                    record.Status = KsUpgradeStepStatus.Skipped;
                    record.Detail = plan.Describe();
                    continue;
                }
                if (!step.Mutating)
                {
                    record.Status = KsUpgradeStepStatus.Running;
                    record.Detail = await step.RunAsync(c, plan, ct).ConfigureAwait(false);
                    record.Status = KsUpgradeStepStatus.Succeeded;
                    if (live) await journal.StepFinishedAsync(step.Name, JournalStatus.Succeeded, record.Detail, s => SyncFacts(s, c)).ConfigureAwait(false);
                    else RecordInMemory(journal, step.Name, record.Detail);
                    continue;
                }
                foreach (var line in plan.Actions) _log.Verbose($"{step.Name}: {line}");
                if (!await _log.ShouldProcessAsync(plan.Target, $"{step.Name}:{Environment.NewLine}{plan.Describe()}").ConfigureAwait(false))
                {
                    record.Status = KsUpgradeStepStatus.WhatIf;
                    record.Detail = plan.Describe();
                    continue;
                }
                live = true;
                record.Status = KsUpgradeStepStatus.Running;
                await journal.StepStartedAsync(step.Name, ct, s =>
                {
                    if (step.Name == "Backup") s.BackupPath = c.BackupPath; // so a run killed mid-backup finds it again
                }).ConfigureAwait(false);
                record.Detail = await step.RunAsync(c, plan, ct).ConfigureAwait(false);
                record.Status = KsUpgradeStepStatus.Succeeded;
                await journal.StepFinishedAsync(step.Name, JournalStatus.Succeeded, record.Detail, s =>
                {
                    SyncFacts(s, c);
                    if (step.Name == "Backup") s.BackupPath = c.BackupPath;
                }).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                failure = e switch
                {
                    KsUpgradeException ks => ks,
                    OperationCanceledException when ct.IsCancellationRequested => new KsUpgradeException(ErrorIds.Stopped, KsErrorCategory.OperationStopped,
                        $"Stopped during step {step.Name}; the journal records where. Re-run with the same parameters to resume.", step.Name, e),
                    IOException or UnauthorizedAccessException => new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.WriteError, $"Step {step.Name} failed: {e.Message}", step.Name, e),
                    KubeConflictException or OperationCanceledException => ApiErrors.Map(e, _api.Context, _api.Server, $"step {step.Name}", ct),
                    _ => new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.NotSpecified, $"Step {step.Name} failed: {e.GetType().Name}: {e.Message}", step.Name, e),
                };
                record.Status = KsUpgradeStepStatus.Failed;
                record.Detail = failure.Message;
                if (journal.Exists && live)
                {
                    try
                    {
                        var status = failure.ErrorId == ErrorIds.Stopped ? JournalStatus.Stopped : JournalStatus.Failed;
                        await journal.StepFinishedAsync(step.Name, status, failure.Message, s => SyncFacts(s, c)).ConfigureAwait(false);
                    }
                    catch (Exception je) when (je is KsUpgradeException or OperationCanceledException or KubeConflictException)
                    {
                        _log.Warning($"The journal could not record the failure of step {step.Name}: {je.Message}");
                    }
                }
            }
            finally
            {
                record.Duration = clock.Elapsed;
                _log.Information($"{label} {record.Status.ToString().ToLowerInvariant()}{(string.IsNullOrEmpty(record.Detail) ? "" : ": " + FirstLine(record.Detail))}", StepTag);
            }
        }
        _log.Progress(ProgressId, $"KubeSphere {_p.RoleName} upgrade to {_p.Tag}", "done", 100, completed: true);

        result.BackupPath = journal.State.BackupPath ?? (records.Any(r => r.Name == "Backup" && r.Status == KsUpgradeStepStatus.Succeeded) ? c.BackupPath : null);
        result.FromVersion = c.Facts.GetValueOrDefault(UpgradeContext.FactFromVersion);
        result.HelmRevision = c.HelmRevision ?? HelmRevisionFrom(previous);
        result.Succeeded = failure is null && records.All(r => r.Status is KsUpgradeStepStatus.Succeeded or KsUpgradeStepStatus.Skipped);
        var helmDone = records.Any(r => r.Name == "HelmUpgrade" && (r.Status == KsUpgradeStepStatus.Succeeded || r.Status == KsUpgradeStepStatus.Skipped && previous?.IsDone("HelmUpgrade") == true));
        result.ToVersion = helmDone ? _p.Tag : null;
        _log.Output(result);
        if (failure is not null) throw failure;
        return result;
    }

    private static bool LaterStepStarted(JournalState previous, IReadOnlyList<IUpgradeStep> steps, int index) =>
        steps.Skip(index + 1).Any(s => s.Mutating && previous.Step(s.Name) is not null);

    private static void SyncFacts(JournalState s, UpgradeContext c)
    {
        foreach (var (k, v) in c.Facts) s.Facts[k] = v;
    }

    /// <summary>A non-mutating step done before the journal exists is recorded in memory and written with the first mutating step.</summary>
    private static void RecordInMemory(UpgradeJournal journal, string step, string detail)
    {
        var s = journal.State;
        var r = s.Step(step);
        if (r is null) { r = new JournalStepRecord { Name = step }; s.Steps.Add(r); }
        r.Status = JournalStatus.Succeeded;
        r.Started ??= DateTimeOffset.UtcNow;
        r.Finished = DateTimeOffset.UtcNow;
        r.Detail = detail;
    }

    private static int? HelmRevisionFrom(JournalState? previous) =>
        previous?.Facts.TryGetValue("helmRevision", out var v) == true && int.TryParse(v, out var r) ? r : null;

    private static string FirstLine(string s)
    {
        var nl = s.IndexOf('\n');
        return nl < 0 ? s : s[..nl].TrimEnd('\r') + " ...";
    }
}
