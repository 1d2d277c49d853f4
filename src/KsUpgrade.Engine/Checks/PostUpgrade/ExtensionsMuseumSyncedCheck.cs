namespace KsUpgrade.Engine.Checks.PostUpgrade;

/// <summary>
/// On a host: Repository extensions-museum has synced (status.lastSyncTime set). Until it has, the Extension Center is
/// empty and no ExtensionVersion exists for the InstallPlans (upgrade-painpoints.md §1.2, §1.6, kubesphere#6489).
/// </summary>
public sealed class ExtensionsMuseumSyncedCheck : ClusterCheck
{
    public override string Id => "ExtensionsMuseumSynced";
    public override string Title => "The extensions museum has synced";
    public override KsCheckPhase[] Phases => PostUpgradeOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var role = await ctx.Role.ConfigureAwait(false);
        if (role == KsClusterRole.Member)
            return Skipped("A member has no extensions museum (the host's serves it).");
        var repo = await ctx.ExtensionsMuseum.ConfigureAwait(false);
        if (!repo.IsOk)
            return CannotRead(repo);
        const string remedy = "Check the museum: kubectl describe repository extensions-museum, kubectl -n kubesphere-system get pods -l app=extensions-museum (image pulled? running?) and that extensions-museum.kubesphere-system.svc resolves from pods; then run Test-KsCluster -Phase PostUpgrade again.";
        if (repo.Value is null)
            return Failed($"Repository {KsNames.ExtensionsMuseum} (repositories.kubesphere.io) does not exist: the chart creates it on a host.", remedy);
        var synced = ClusterConfigurationInfo.Str(repo.Value["status"]?["lastSyncTime"]);
        if (string.IsNullOrEmpty(synced) || synced == "null")
            return Failed($"Repository {KsNames.ExtensionsMuseum} has not synced yet (no status.lastSyncTime): the Extension Center stays empty and no extension can be installed.", remedy);
        return Passed($"Repository {KsNames.ExtensionsMuseum} synced at {synced}.");
    }
}
