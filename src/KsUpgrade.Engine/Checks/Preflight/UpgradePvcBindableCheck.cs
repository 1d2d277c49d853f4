namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// The ks-upgrade PVC (5Gi RWO, holding the upgrade's backups) can bind: the StorageClass named by
/// upgrade.persistenceVolume.storageClassName exists, or (when none is named) a default StorageClass does.
/// </summary>
public sealed class UpgradePvcBindableCheck : ClusterCheck
{
    public override string Id => "UpgradePvcBindable";
    public override string Title => "The ks-upgrade PVC can bind";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var classes = await ctx.StorageClasses.ConfigureAwait(false);
        if (!classes.IsOk)
            return CannotRead(classes);
        var values = ctx.Values;
        var pvc = values?.PvcName ?? KsNames.DefaultUpgradePvc;
        var named = values?.ParseError is null ? values?.StorageClassName : null;
        if (named is not null)
        {
            var sc = classes.Value.FirstOrDefault(c => c.Name == named);
            if (sc is not null)
                return Passed($"PVC {pvc} will use StorageClass {named} (upgrade.persistenceVolume.storageClassName).");
            return Failed($"upgrade.persistenceVolume.storageClassName names StorageClass {named}, which does not exist (existing: {NameList(classes.Value.Select(c => c.Name))}).",
                "Name an existing StorageClass in the values file, or leave storageClassName empty to use the default StorageClass.", named);
        }
        var def = classes.Value.FirstOrDefault(c => c.IsDefault);
        if (def is not null)
            return Passed($"PVC {pvc} will use the default StorageClass {def.Name}.");
        return Failed($"PVC {pvc} names no StorageClass and there is no default StorageClass: it would stay Pending and the upgrade jobs would hang.",
            "Mark a StorageClass default, or set upgrade.persistenceVolume.storageClassName in the values file (-ValuesPath).");
    }
}
