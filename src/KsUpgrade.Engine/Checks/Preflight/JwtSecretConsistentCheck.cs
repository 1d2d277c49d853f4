namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// With the other clusters of the setup (-MemberCluster on a host, -HostCluster on a member): each member's
/// kubesphere-config jwtSecret equals the host's, or the host cannot proxy to the member with its tokens
/// (upgrade-painpoints.md §1.3, §2 item 17 and the post-upgrade gate). The secret is compared, never shown.
/// </summary>
public sealed class JwtSecretConsistentCheck : ClusterCheck
{
    public override string Id => "JwtSecretConsistent";
    public override string Title => "jwtSecret is the same on the host and its members";
    public override KsCheckPhase[] Phases => new[] { KsCheckPhase.Preflight, KsCheckPhase.PostUpgrade };

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var peers = ctx.Request.Peers;
        if (peers.Count == 0)
            return Skipped("No other cluster given (-MemberCluster on a host, -HostCluster on a member).");
        var mine = await ctx.KubeSphereConfig.ConfigureAwait(false);
        if (!mine.IsOk) return CannotRead(mine);
        var own = KubeSphereConfigFile.JwtSecret(mine.Value);
        var self = ctx.Request.Cluster?.Context ?? "this cluster";
        var rows = new List<JwtSecretComparison>();
        var unreadable = new List<string>();
        foreach (var peer in peers)
        {
            var read = await ctx.PeerKubeSphereConfig(peer).ConfigureAwait(false);
            if (!read.IsOk)
            {
                unreadable.Add($"{peer.Name} ({read.Error})");
                continue;
            }
            var theirs = KubeSphereConfigFile.JwtSecret(read.Value);
            rows.Add(new JwtSecretComparison(peer.Name, peer.Role, theirs is null ? "missing" : own is not null && theirs == own ? "equal" : "differs"));
        }
        const string remedy = "Give every member the host's jwtSecret: on 3.4 set spec.authentication.jwtSecret in the member's cc ks-installer and let ks-installer write kubesphere-config; "
                              + "on 4.x set authentication.issuer.jwtSecret in the member's ks-core values and upgrade it again. Then run Test-KsCluster with -MemberCluster (or -HostCluster) again.";
        if (own is null)
            return Failed($"{self} has no jwtSecret in kubesphere-config (authentication.jwtSecret or authentication.issuer.jwtSecret).", remedy, rows.Cast<object>().ToArray());
        var bad = rows.Where(r => r.Verdict != "equal").ToList();
        if (bad.Count > 0)
            return Failed($"jwtSecret of {NameList(bad.Select(r => $"{r.Cluster} {r.Verdict}"))} from {self}'s: the host cannot proxy to such a member with its tokens.",
                remedy, rows.Cast<object>().ToArray());
        if (unreadable.Count > 0)
            return Warning($"Could not verify: the kubesphere-config of {NameList(unreadable)} could not be read; {(rows.Count == 0 ? "no other cluster was compared" : $"equal on {NameList(rows.Select(r => r.Cluster))}")}.",
                "Run Test-KsCluster with identities that may get ConfigMap kubesphere-system/kubesphere-config on every cluster.", rows.Cast<object>().ToArray());
        return Passed($"jwtSecret is equal on {self} and {NameList(rows.Select(r => r.Cluster))}.", rows.Cast<object>().ToArray());
    }
}

/// <summary>One peer compared: equal, differs, or missing (never the secret).</summary>
public sealed record JwtSecretComparison(string Cluster, KsClusterRole Role, string Verdict);
