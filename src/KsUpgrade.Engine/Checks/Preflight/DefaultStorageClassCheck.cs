namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>A default StorageClass exists (pre-check.sh parity; KubeSphere 4.1 requires one).</summary>
public sealed class DefaultStorageClassCheck : ClusterCheck
{
    public override string Id => "DefaultStorageClass";
    public override string Title => "A default StorageClass exists";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var classes = await ctx.StorageClasses.ConfigureAwait(false);
        if (!classes.IsOk)
            return CannotRead(classes);
        var defaults = classes.Value.Where(c => c.IsDefault).ToList();
        if (defaults.Count == 1)
            return Passed($"Default StorageClass: {defaults[0].Name}.");
        if (defaults.Count > 1)
            return Warning($"{defaults.Count} StorageClasses are marked default: {NameList(defaults.Select(d => d.Name))}; Kubernetes picks one of them.",
                "Keep the default annotation on one StorageClass only.", defaults.Cast<object>().ToArray());
        var names = classes.Value.Count == 0 ? "none exist" : "existing: " + NameList(classes.Value.Select(c => c.Name));
        return Failed($"No StorageClass is marked default ({names}).",
            $"Mark one StorageClass default: kubectl annotate storageclass <name> {KsNames.DefaultClassAnnotation}=true. KubeSphere 4.1 and the ks-upgrade PVC need it.",
            classes.Value.Cast<object>().ToArray());
    }
}
