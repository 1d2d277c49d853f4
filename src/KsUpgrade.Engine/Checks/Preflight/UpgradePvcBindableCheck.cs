namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// The ks-upgrade PVC (5Gi RWO, holding the upgrade's backups) can bind: the StorageClass named by
/// upgrade.persistenceVolume.storageClassName exists, or (when none is named) a default StorageClass does; and there is
/// evidence that its provisioner works: the PVC itself, or another PVC of that class, is Bound. The class's
/// volumeBindingMode is reported (WaitForFirstConsumer binds only when the job pod is scheduled). pre-check.sh only
/// asked whether a default class exists (upgrade-painpoints.md §1.1: "all ✅, then the upgrade hangs on a Pending PVC").
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
        StorageClassRow sc;
        string how;
        if (named is not null)
        {
            var found = classes.Value.FirstOrDefault(c => c.Name == named);
            if (found is null)
                return Failed($"upgrade.persistenceVolume.storageClassName names StorageClass {named}, which does not exist (existing: {NameList(classes.Value.Select(c => c.Name))}).",
                    "Name an existing StorageClass in the values file, or leave storageClassName empty to use the default StorageClass.", named);
            sc = found;
            how = $"StorageClass {named} (upgrade.persistenceVolume.storageClassName)";
        }
        else
        {
            var def = classes.Value.FirstOrDefault(c => c.IsDefault);
            if (def is null)
                return Failed($"PVC {pvc} names no StorageClass and there is no default StorageClass: it would stay Pending and the upgrade jobs would hang.",
                    "Mark a StorageClass default, or set upgrade.persistenceVolume.storageClassName in the values file (-ValuesPath).");
            sc = def;
            how = $"the default StorageClass {def.Name}";
        }
        var about = $"PVC {pvc} will use {how} (provisioner {sc.Provisioner ?? "not set"}, volumeBindingMode {sc.BindingMode}";
        var mode = sc.BindingMode == "WaitForFirstConsumer" ? "; it binds when the prepare job's pod is scheduled, on that pod's node" : "";

        var pvcs = await ctx.Pvcs.ConfigureAwait(false);
        if (!pvcs.IsOk)
            return Warning($"{about}{mode}). Could not verify that its provisioner works: {pvcs.Error}.",
                "Run Test-KsCluster with an identity that may list persistentvolumeclaims, or check by hand that a PVC of this class binds.", sc);
        var own = pvcs.Value.FirstOrDefault(c => c.Namespace == KsNames.KubeSphereSystem && c.Name == pvc);
        if (own is not null)
        {
            if (own.IsBound)
                return Passed($"{about}{mode}); {KsNames.KubeSphereSystem}/{pvc} already exists and is Bound.", sc, own);
            return Failed($"{about}{mode}); {KsNames.KubeSphereSystem}/{pvc} already exists and is {own.Phase ?? "not bound"}: the upgrade jobs would wait for it.",
                $"Find out why it does not bind (kubectl -n {KsNames.KubeSphereSystem} describe pvc {pvc}), fix the StorageClass or delete the PVC, then run Test-KsCluster again.", sc, own);
        }
        var bound = pvcs.Value.Where(c => c.IsBound && c.StorageClass == sc.Name).ToList();
        if (bound.Count > 0)
            return Passed($"{about}{mode}); its provisioner works: {bound.Count} PVC{(bound.Count == 1 ? " is" : "s are")} Bound with it (e.g. {bound[0].Namespace}/{bound[0].Name}).", sc);
        return Warning($"{about}{mode}), but no PVC of that class is Bound, so nothing shows that its provisioner works.",
            $"Prove it before the upgrade: create a 5Gi ReadWriteOnce PVC of class {sc.Name} and a pod that mounts it, check that both start, then delete them; or name a class that works in upgrade.persistenceVolume.storageClassName.", sc);
    }
}
