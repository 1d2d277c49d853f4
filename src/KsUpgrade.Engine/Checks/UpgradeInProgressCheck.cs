using KsUpgrade.Engine.Journal;

namespace KsUpgrade.Engine.Checks;

/// <summary>
/// No upgrade is half done: the journal Invoke-KsHostUpgrade/Invoke-KsMemberUpgrade keep in ConfigMap
/// kubesphere-system/ks-upgrade-journal either does not exist or records a finished upgrade (PostCheck done). An
/// unfinished one is Failed, with the way on: re-run the upgrade with the same parameters, which resumes after its last
/// completed step (the opposite of rolling ks-core back). Both phases; Skipped inside the upgrade itself.
/// </summary>
public sealed class UpgradeInProgressCheck : ClusterCheck
{
    public const string CheckId = "UpgradeInProgress";
    private static readonly KsCheckPhase[] BothPhases = { KsCheckPhase.Preflight, KsCheckPhase.PostUpgrade };

    public override string Id => CheckId;
    public override string Title => "No upgrade is left half done";
    public override KsCheckPhase[] Phases => BothPhases;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        if (ctx.Request.RunByUpgrade)
            return Skipped("Checked by the upgrade itself: it resumes from its journal or refuses different parameters.");
        var read = await ctx.UpgradeJournal.ConfigureAwait(false);
        if (!read.IsOk)
            return CannotRead(read);
        var journal = read.Value;
        if (journal is null)
            return Passed($"No upgrade journal ({KsNames.KubeSphereSystem}/{UpgradeJournal.ConfigMapName}): no upgrade was started with KsUpgrade here.");
        var target = journal.Parameters.GetValueOrDefault("Tag");
        if (journal.Finished)
            return Passed($"The upgrade recorded in {KsNames.KubeSphereSystem}/{UpgradeJournal.ConfigMapName}{(target is null ? "" : $" (to {target})")} finished on {journal.Step("PostCheck")!.Finished ?? journal.Updated:u}.");

        var at = journal.StoppedAt;
        string message;
        if (at is null)
            message = $"An upgrade was started on {journal.Created:u} and recorded no step";
        else if (at.Status == JournalStatus.Running)
            message = $"An upgrade is running, or stopped without recording its end, at step {at.Name} (started on {at.Started ?? journal.Updated:u})";
        else if (JournalStatus.IsDone(at.Status))
            message = $"An upgrade stopped after step {at.Name} on {at.Finished ?? journal.Updated:u}";
        else
            message = $"An upgrade stopped at step {at.Name} on {at.Finished ?? journal.Updated:u} ({at.Status}{(string.IsNullOrEmpty(at.Detail) ? "" : ": " + FirstLine(at.Detail))})";
        message += $"{(target is null ? "" : $"; it was upgrading to {target}")}; journal {KsNames.KubeSphereSystem}/{UpgradeJournal.ConfigMapName}.";
        return Failed(message, ResumeRemedy(journal));
    }

    /// <summary>The advice for an unfinished journal: resume with the same parameters (the backup named when there is one).</summary>
    internal static string ResumeRemedy(JournalState journal) =>
        $"Re-run {ResumeCommand(journal)} with the same parameters (the same values file and chart content) to resume: it goes on after the last completed step"
        + (journal.BackupPath is null ? "" : $" and keeps the backup in {journal.BackupPath}")
        + $". Do not roll ks-core back by hand. To abandon the upgrade instead, delete ConfigMap {UpgradeJournal.ConfigMapName} in {KsNames.KubeSphereSystem}.";

    /// <summary>The cmdlet that wrote the journal (by its Role parameter).</summary>
    internal static string ResumeCommand(JournalState journal) => journal.Parameters.GetValueOrDefault("Role") switch
    {
        "host" => "Invoke-KsHostUpgrade",
        "member" => "Invoke-KsMemberUpgrade",
        _ => "Invoke-KsHostUpgrade or Invoke-KsMemberUpgrade",
    };

    private static string FirstLine(string text)
    {
        var line = text.Split('\n')[0].TrimEnd('\r');
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
