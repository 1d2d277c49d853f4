using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Undo;

/// <summary>
/// Complete-KsUpgrade: declares a finished upgrade final. The journal is kept (Test-KsCluster reads it) and ended with
/// the fact <see cref="JournalFacts.Completed"/>; from then on Undo-KsUpgrade refuses (ErrorIds.UpgradeCompleted).
/// </summary>
public static class UpgradeCompletion
{
    /// <summary>The journal as it will be ended, for ShouldProcess; refuses an unfinished upgrade (ErrorIds.UpgradeNotFinished).</summary>
    public static async Task<JournalState> CheckAsync(IKubeApi api, CancellationToken ct)
    {
        var journal = await UpgradeJournal.ReadAsync(api, ct).ConfigureAwait(false)
            ?? throw new KsUpgradeException(ErrorIds.UpgradeNotFinished, KsErrorCategory.ObjectNotFound,
                $"There is no upgrade journal {KsNames.KubeSphereSystem}/{UpgradeJournal.ConfigMapName} in cluster {api.Context}: no KsUpgrade upgrade to complete.", UpgradeJournal.ConfigMapName)
            { Remedy = "Run Invoke-KsHostUpgrade (or Invoke-KsMemberUpgrade) first." };
        if (!journal.State.Finished)
            throw new KsUpgradeException(ErrorIds.UpgradeNotFinished, KsErrorCategory.InvalidOperation,
                $"The upgrade of cluster {api.Context} has not finished (it stopped at {journal.State.StoppedAt?.Name ?? "its start"}); only a finished upgrade is made final.", UpgradeJournal.ConfigMapName)
            { Remedy = "Re-run the upgrade with the same parameters to finish it, or Undo-KsUpgrade to go back to 3.4." };
        return journal.State;
    }

    /// <summary>Ends the journal (an already ended journal keeps its first time).</summary>
    public static async Task<KsUpgradeCompletion> CompleteAsync(IKubeApi api, IEngineLog log, CancellationToken ct)
    {
        await CheckAsync(api, ct).ConfigureAwait(false);
        var journal = (await UpgradeJournal.ReadAsync(api, ct).ConfigureAwait(false))!;
        DateTimeOffset completed;
        if (journal.State.Facts.TryGetValue(JournalFacts.Completed, out var already) && DateTimeOffset.TryParse(already, out var when))
        {
            log.Verbose($"The upgrade was already declared final on {when:u}.");
            completed = when;
        }
        else
        {
            completed = DateTimeOffset.UtcNow;
            await journal.UpdateAsync(s => s.Facts[JournalFacts.Completed] = completed.ToString("o"), ct).ConfigureAwait(false);
            log.Information($"The upgrade of {api.Context} is final: Undo-KsUpgrade no longer applies to it.", ClusterUndo.StepTag);
        }
        return new KsUpgradeCompletion
        {
            Cluster = api.Context,
            Completed = completed,
            FromVersion = journal.State.Facts.GetValueOrDefault(Upgrade.UpgradeContext.FactFromVersion),
            ToVersion = journal.State.Facts.GetValueOrDefault(Upgrade.UpgradeContext.FactToVersion),
            BackupPath = journal.State.BackupPath,
        };
    }

    /// <summary>Complete-KsUpgrade on a connected cluster.</summary>
    public static Task<KsUpgradeCompletion> CompleteAsync(KsCluster cluster, IEngineLog log, CancellationToken ct) =>
        CompleteAsync(KubeApi.For(cluster, log.Verbose), log, ct);

    /// <summary>The check alone, on a connected cluster (before the cmdlet asks ShouldProcess).</summary>
    public static async Task<bool> CheckAsync(KsCluster cluster, IEngineLog log, CancellationToken ct)
    {
        await CheckAsync(KubeApi.For(cluster, log.Verbose), ct).ConfigureAwait(false);
        return true;
    }
}
