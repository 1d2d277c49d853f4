namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// On a host: a service-account-token Secret of ServiceAccount kubesphere exists in kubesphere-system and holds
/// data.token. KubeSphere 3.4's chart created it; Kubernetes 1.24 and later no longer create such Secrets by
/// themselves, and the upgrade's prepare phase fails without it (upgrade-painpoints.md §2, item 10).
/// </summary>
public sealed class KubeSphereServiceAccountTokenCheck : ClusterCheck
{
    public override string Id => "KubeSphereServiceAccountToken";
    public override string Title => "ServiceAccount kubesphere has a token Secret";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var role = await ctx.Role.ConfigureAwait(false);
        if (role != KsClusterRole.Host)
            return Skipped($"Not a host cluster (role {role}).");
        var secrets = await ctx.KubeSphereServiceAccountTokens.ConfigureAwait(false);
        if (!secrets.IsOk) return CannotRead(secrets);
        var mine = secrets.Value.Where(s => s.ServiceAccount == "kubesphere").ToList();
        const string remedy = "Create it: kubectl -n kubesphere-system apply -f a Secret named kubesphere-sa-token of type kubernetes.io/service-account-token with annotation kubernetes.io/service-account.name: kubesphere; the token controller fills data.token. Then run Test-KsCluster again.";
        if (mine.Count == 0)
            return Failed("No service-account-token Secret of ServiceAccount kubesphere in kubesphere-system: Kubernetes 1.24 and later do not create one, and the upgrade's prepare phase needs it.", remedy);
        var withToken = mine.Where(s => s.HasToken).ToList();
        if (withToken.Count == 0)
            return Failed($"The service-account-token Secret {NameList(mine.Select(s => s.Name))} of ServiceAccount kubesphere has no data.token.", remedy);
        return Passed($"Secret {withToken[0].Name} holds the token of ServiceAccount kubesphere.");
    }
}
