using KsUpgrade.Engine.Backup;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade.Steps;

namespace KsUpgrade.Engine.Upgrade;

/// <summary>
/// Link 3 of 4 (UpgradeRun → UpgradeWiring → ClusterUpgrade → StepExecutor): the host/member upgrade (Invoke-KsHostUpgrade, Invoke-KsMemberUpgrade): validates the input, reads the journal
/// (resume or refuse on a parameters mismatch), then runs the ten steps in order. Each step plans first, asks
/// ShouldProcess with its plan (mutating steps), and is journaled before and after. The result is written with
/// log.Output and returned; when a step failed, its KsUpgradeException is thrown after the result was written.
/// </summary>
public sealed class ClusterUpgrade
{
    public const string StepTag = "KsUpgrade.Step";
    internal const int ProgressId = 1;
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
        var sources = _p.Sources();
        var existing = await UpgradeJournal.ReadAsync(_api, ct).ConfigureAwait(false);
        if (existing is not null)
        {
            var diff = UpgradeJournal.Differences(existing.State, parameters, sources);
            if (diff is not null)
            {
                var contentChanged = existing.State.Parameters.ContainsKey(JournalInputs.ValuesKey)
                    && (existing.State.Parameters.GetValueOrDefault(JournalInputs.ValuesKey) != parameters[JournalInputs.ValuesKey]
                        || existing.State.Parameters.GetValueOrDefault(JournalInputs.ChartKey) != parameters[JournalInputs.ChartKey]);
                var backup = existing.State.BackupPath is null ? "" : $" (its backup is in {existing.State.BackupPath})";
                throw new KsUpgradeException(ErrorIds.JournalMismatch, KsErrorCategory.InvalidArgument,
                    $"An earlier upgrade run (journal {KsNames.KubeSphereSystem}/{UpgradeJournal.ConfigMapName}, updated {existing.State.Updated:u}) used different parameters: {diff}.",
                    UpgradeJournal.ConfigMapName)
                {
                    Remedy = contentChanged
                        ? "The earlier run already changed the cluster with the files as they were: put back the values file and chart it used "
                          + "(the same content resumes from any folder) and re-run with the same parameters to resume it" + backup
                          + $". To upgrade with the changed files instead, delete ConfigMap {UpgradeJournal.ConfigMapName} in {KsNames.KubeSphereSystem} and run again from the start."
                        : "Re-run with the same parameters to resume it" + backup + ", or delete that ConfigMap to start over.",
                };
            }
            _log.Information($"Resuming the upgrade recorded in {KsNames.KubeSphereSystem}/{UpgradeJournal.ConfigMapName}: steps already done are skipped.", StepTag);
        }
        else if (_p.Resume)
            _log.Warning($"-Resume: there is no journal {KsNames.KubeSphereSystem}/{UpgradeJournal.ConfigMapName} in the cluster; starting from the beginning.");

        var previous = existing?.State;
        var backupPath = previous?.BackupPath ?? (_p.BackupPath is null ? UpgradeParameters.DefaultBackupPath(DateTimeOffset.Now, _p.BackupBaseDirectory) : Path.GetFullPath(_p.BackupPath));
        if (previous?.BackupPath is not null && _p.BackupPath is not null && Path.GetFullPath(_p.BackupPath) != previous.BackupPath)
            _log.Warning($"The backup of this upgrade was taken into {previous.BackupPath} by an earlier run; -BackupPath {_p.BackupPath} is not used.");
        var backupOnDisk = previous is not null && !previous.IsDone(UpgradeStepId.Backup) && previous.Step(UpgradeStepId.Backup) is not null
                           && File.Exists(Path.Combine(backupPath, ClusterBackup.ManifestFileName));
        if (backupOnDisk)
            _log.Warning($"The journal does not record the end of the backup, but {backupPath} holds a complete one (manifest.json): it is kept, not retaken.");
        else if (previous is null || !previous.IsDone(UpgradeStepId.Backup)) ClusterBackup.CheckTarget(backupPath);

        var journal = existing ?? UpgradeJournal.New(_api, parameters, sources);
        var c = new UpgradeContext
        {
            Api = _api, Log = _log, Parameters = _p, Helm = _helm, Checks = _checks, ChartReader = _chart, HostApi = _hostApi,
            BackupPath = backupPath, Previous = previous, PollInterval = PollInterval,
            ValuesDigest = parameters[JournalInputs.ValuesKey] is { Length: > 0 } digest ? digest : null,
        };
        if (previous is not null) foreach (var (k, v) in previous.Facts) c.Facts[k] = v;

        var steps = Steps();
        var records = steps.Select(s => new KsUpgradeStep(s.Name)).ToArray();
        var executor = new StepExecutor(c, journal, steps, backupOnDisk);
        KsUpgradeException? failure = null;
        for (var i = 0; i < steps.Count && failure is null; i++)
            failure = await executor.RunAsync(i, records[i], ct).ConfigureAwait(false);
        _log.Progress(ProgressId, $"KubeSphere {_p.RoleName} upgrade to {_p.Tag}", "done", 100, completed: true);

        var helmDone = records.Any(r => r.Name == nameof(UpgradeStepId.HelmUpgrade)
            && (r.Status == KsUpgradeStepStatus.Succeeded || r.Status == KsUpgradeStepStatus.Skipped && previous?.IsDone(UpgradeStepId.HelmUpgrade) == true));
        var result = new KsUpgradeResult
        {
            Cluster = _api.Context,
            Role = _p.Role,
            Steps = records,
            BackupPath = journal.State.BackupPath ?? (records.Any(r => r.Name == nameof(UpgradeStepId.Backup) && r.Status == KsUpgradeStepStatus.Succeeded) ? c.BackupPath : null),
            FromVersion = c.Facts.GetValueOrDefault(UpgradeContext.FactFromVersion),
            HelmRevision = c.HelmRevision ?? HelmRevisionFrom(previous),
            Succeeded = failure is null && records.All(r => r.Status is KsUpgradeStepStatus.Succeeded or KsUpgradeStepStatus.Skipped),
            ToVersion = helmDone ? c.Facts.GetValueOrDefault(UpgradeContext.FactToVersion) : null, // the deployed release's app version
        };
        _log.Output(result);
        if (failure is not null) throw failure;
        return result;
    }

    private static int? HelmRevisionFrom(JournalState? previous) =>
        previous?.Facts.TryGetValue("helmRevision", out var v) == true && int.TryParse(v, out var r) ? r : null;
}
