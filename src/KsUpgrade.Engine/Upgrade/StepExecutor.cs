using System.Diagnostics;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Upgrade;

/// <summary>
/// Link 4 of 4 (UpgradeRun → UpgradeWiring → ClusterUpgrade → StepExecutor): runs one step at a time: skip what the journal says is done, plan, ask ShouldProcess (mutating steps), journal
/// "running" before and the outcome after. The journal is only written once a mutating step was approved in this
/// run, so -WhatIf writes nothing.
/// </summary>
internal sealed class StepExecutor
{
    private readonly UpgradeContext _c;
    private readonly UpgradeJournal _journal;
    private readonly IReadOnlyList<IUpgradeStep> _steps;
    private bool _live;

    public StepExecutor(UpgradeContext c, UpgradeJournal journal, IReadOnlyList<IUpgradeStep> steps, bool backupOnDisk)
    {
        _c = c;
        _journal = journal;
        _steps = steps;
        BackupOnDisk = backupOnDisk;
    }

    /// <summary>A complete backup the journal did not record (the run died between its end and the journal write).</summary>
    public bool BackupOnDisk { get; }

    /// <summary>Runs step <paramref name="index"/> into <paramref name="record"/>; returns the failure, or null.</summary>
    public async Task<KsUpgradeException?> RunAsync(int index, KsUpgradeStep record, CancellationToken ct)
    {
        var step = _steps[index];
        var label = $"Step {index + 1} of {_steps.Count}: {step.Name}";
        record.Started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        _c.Log.Progress(ClusterUpgrade.ProgressId, $"KubeSphere {_c.Parameters.RoleName} upgrade to {_c.Parameters.Tag}", label, 100 * index / _steps.Count);
        _c.Log.Information($"{label} started.", ClusterUpgrade.StepTag);
        try
        {
            await RunCoreAsync(step, index, record, ct).ConfigureAwait(false);
            return null;
        }
        catch (Exception e)
        {
            var failure = Map(e, step.Name, ct);
            record.Status = KsUpgradeStepStatus.Failed;
            record.Detail = failure.Message;
            await RecordFailureAsync(step.Name, failure).ConfigureAwait(false);
            return failure;
        }
        finally
        {
            record.Duration = clock.Elapsed;
            _c.Log.Information($"{label} {record.Status.ToString().ToLowerInvariant()}{(string.IsNullOrEmpty(record.Detail) ? "" : ": " + FirstLine(record.Detail))}", ClusterUpgrade.StepTag);
        }
    }

    private bool _declined;

    private async Task RunCoreAsync(IUpgradeStep step, int index, KsUpgradeStep record, CancellationToken ct)
    {
        var previous = _c.Previous;
        if (previous?.Step(step.Name) is { } done && JournalStatus.IsDone(done.Status))
        {
            Skip(record, $"done by an earlier run ({done.Finished:u}): {done.Detail}");
            return;
        }
        if (step.Id == UpgradeStepId.Backup && BackupOnDisk)
        {
            Skip(record, $"complete backup found in {_c.BackupPath} (the run that took it stopped before recording it)");
            RecordInMemory(step.Name, record.Detail); // written with the next journal update
            _journal.State.BackupPath = _c.BackupPath;
            return;
        }
        if (step.Id == UpgradeStepId.Backup && previous is not null && _steps.Skip(index + 1).Any(s => s.Mutating && previous.Step(s.Name) is not null))
        {
            Skip(record, "not retaken: later steps of this upgrade already changed the cluster");
            _c.Log.Warning("The journal shows steps after the backup already ran; the backup is not retaken over a half-upgraded cluster.");
            return;
        }

        var plan = await step.PlanAsync(_c, ct).ConfigureAwait(false);
        if (plan.NothingToDo)
        {
            Skip(record, plan.Describe());
            // an earlier run started this step and was stopped or failed after its change landed: the cluster shows it
            // done, so the journal says so (else a finished upgrade's journal kept the step "stopped" for good)
            if (previous?.Step(step.Name) is { } unfinished && !JournalStatus.IsDone(unfinished.Status))
            {
                if (_live) await _journal.StepFinishedAsync(step.Name, JournalStatus.Succeeded, record.Detail, SyncFacts).ConfigureAwait(false);
                else RecordInMemory(step.Name, record.Detail);
            }
            return;
        }
        if (!step.Mutating && _declined)
        {
            // Under -WhatIf (or a declined step) the cluster was not changed: checking its outcome would only report that.
            record.Status = KsUpgradeStepStatus.WhatIf;
            record.Detail = plan.Describe() + " (not run: the steps before it were not performed)";
            return;
        }
        if (!step.Mutating)
        {
            record.Status = KsUpgradeStepStatus.Running;
            record.Detail = await step.RunAsync(_c, plan, ct).ConfigureAwait(false);
            record.Status = KsUpgradeStepStatus.Succeeded;
            if (_live) await _journal.StepFinishedAsync(step.Name, JournalStatus.Succeeded, record.Detail, SyncFacts).ConfigureAwait(false);
            else RecordInMemory(step.Name, record.Detail);
            return;
        }

        foreach (var line in plan.Actions) _c.Log.Verbose($"{step.Name}: {line}");
        if (!await _c.Log.ShouldProcessAsync(plan.Target, $"{step.Name}:{Environment.NewLine}{plan.Describe()}").ConfigureAwait(false))
        {
            record.Status = KsUpgradeStepStatus.WhatIf;
            record.Detail = plan.Describe();
            _declined = true;
            return;
        }
        _live = true;
        record.Status = KsUpgradeStepStatus.Running;
        await _journal.StepStartedAsync(step.Name, ct, s =>
        {
            SyncFacts(s); // facts found while planning (e.g. the helm revision before the upgrade) survive a killed run
            if (step.Id == UpgradeStepId.Backup) s.BackupPath = _c.BackupPath; // so a run killed mid-backup finds it again
        }).ConfigureAwait(false);
        record.Detail = await step.RunAsync(_c, plan, ct).ConfigureAwait(false);
        record.Status = KsUpgradeStepStatus.Succeeded;
        await _journal.StepFinishedAsync(step.Name, JournalStatus.Succeeded, record.Detail, s =>
        {
            SyncFacts(s);
            if (step.Id == UpgradeStepId.Backup) s.BackupPath = _c.BackupPath;
        }).ConfigureAwait(false);
    }

    private static void Skip(KsUpgradeStep record, string detail)
    {
        record.Status = KsUpgradeStepStatus.Skipped;
        record.Detail = detail;
    }

    private KsUpgradeException Map(Exception e, string step, CancellationToken ct) => e switch
    {
        KsUpgradeException ks => ks,
        OperationCanceledException when ct.IsCancellationRequested => new KsUpgradeException(ErrorIds.Stopped, KsErrorCategory.OperationStopped,
            $"Stopped during step {step}; the journal records where. Re-run with the same parameters to resume.", step, e),
        IOException or UnauthorizedAccessException => new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.WriteError, $"Step {step} failed: {e.Message}", step, e),
        KubeConflictException => new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.ResourceBusy,
            $"Step {step} failed: {e.Message} Another client kept changing the object; re-run with the same parameters to resume.", step, e),
        OperationCanceledException => ApiErrors.Map(e, _c.Api.Context, _c.Api.Server, $"step {step}", ct),
        _ => new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.NotSpecified, $"Step {step} failed: {e.GetType().Name}: {e.Message}", step, e),
    };

    private async Task RecordFailureAsync(string step, KsUpgradeException failure)
    {
        if (!_journal.Exists || !_live) return;
        try
        {
            var status = failure.ErrorId == ErrorIds.Stopped ? JournalStatus.Stopped : JournalStatus.Failed;
            await _journal.StepFinishedAsync(step, status, failure.Message, SyncFacts).ConfigureAwait(false);
        }
        catch (Exception je) when (je is KsUpgradeException or OperationCanceledException or KubeConflictException)
        {
            _c.Log.Warning($"The journal could not record the failure of step {step}: {je.Message}");
        }
    }

    private void SyncFacts(JournalState s)
    {
        foreach (var (k, v) in _c.Facts) s.Facts[k] = v;
    }

    /// <summary>A step done before the journal is written is recorded in memory and written with the next journal update.</summary>
    private void RecordInMemory(string step, string detail)
    {
        var s = _journal.State;
        var r = s.Step(step);
        if (r is null) { r = new JournalStepRecord { Name = step }; s.Steps.Add(r); }
        r.Status = JournalStatus.Succeeded;
        r.Started ??= DateTimeOffset.UtcNow;
        r.Finished = DateTimeOffset.UtcNow;
        r.Detail = detail;
    }

    private static string FirstLine(string s)
    {
        var nl = s.IndexOf('\n');
        return nl < 0 ? s : s[..nl].TrimEnd('\r') + " ...";
    }
}
