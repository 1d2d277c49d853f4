using KsUpgrade.Engine.Backup;

using KsUpgrade.Engine.Journal;

namespace KsUpgrade.Engine.Upgrade.Steps;

/// <summary>Step 2: the backup of everything upgrade.sh backs up.</summary>
internal sealed class BackupStep : IUpgradeStep
{
    public UpgradeStepId Id => UpgradeStepId.Backup;
    public bool Mutating => true;

    public async Task<StepPlan> PlanAsync(UpgradeContext c, CancellationToken ct)
    {
        ClusterBackup.CheckTarget(c.BackupPath);
        var files = await new ClusterBackup(c.Api, c.Log).PlanAsync(ct).ConfigureAwait(false);
        var actions = files.Select(f => $"Write {Path.Combine(c.BackupPath, f.FileName)} ({string.Join(", ", f.Sources.Select(s => s.Display))})")
            .Append($"Write {Path.Combine(c.BackupPath, ClusterBackup.ManifestFileName)} (object counts and SHA-256 per file)")
            .ToList();
        return new StepPlan(c.BackupPath, actions);
    }

    public async Task<string> RunAsync(UpgradeContext c, StepPlan plan, CancellationToken ct)
    {
        var result = await new ClusterBackup(c.Api, c.Log).RunAsync(new BackupOptions(c.BackupPath)
        {
            KubeSphereVersion = c.Facts.GetValueOrDefault(UpgradeContext.FactFromVersion),
            SecretsNoticeAsInformation = true, // expected and documented: not a Warning on every successful upgrade
        }, ct).ConfigureAwait(false);
        return $"{result.Files.Length} files, {result.ObjectCount} objects in {result.Path}"
               + (result.SkippedKinds.Length == 0 ? "" : $"; not served: {string.Join(", ", result.SkippedKinds)}");
    }
}
