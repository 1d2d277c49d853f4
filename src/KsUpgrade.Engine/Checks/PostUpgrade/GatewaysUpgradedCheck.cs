using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Checks.PostUpgrade;

/// <summary>
/// Gateways still on the v3 charts: a `kubesphere-router-&lt;ns&gt;-ingress` release (ingress-nginx 4.2.x) still present, or
/// a `kubesphere-router-&lt;ns&gt;` release still on chart `gateway` 0.1.x (domain-facts.md §6).
/// </summary>
public sealed class GatewaysUpgradedCheck : ClusterCheck
{
    public override string Id => "GatewaysUpgraded";
    public override string Title => "Gateways are upgraded";
    public override KsCheckPhase[] Phases => PostUpgradeOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var releases = await ctx.GatewayReleases.ConfigureAwait(false);
        if (!releases.IsOk)
            return CannotRead(releases, KsCheckStatus.Warning);
        var latest = releases.Value
            .GroupBy(r => (r.Namespace, r.Name))
            .Select(g => g.OrderBy(r => r.Revision).Last())
            .Where(r => r.Status is not ("uninstalled" or "uninstalling"))
            .ToList();
        var gateways = latest.GroupBy(r => GatewayName(r.Name)).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (gateways.Count == 0)
            return Passed("No gateway helm releases (kubesphere-router-*) found.");
        var onV3 = new List<GatewayReleaseState>();
        foreach (var g in gateways)
        {
            var legacy = g.Where(IsV3).ToList();
            if (legacy.Count > 0)
                onV3.Add(new GatewayReleaseState(g.Key, legacy[0].Namespace, string.Join(", ", legacy.Select(r => $"{r.Name} ({r.ChartName}-{r.ChartVersion}, {r.Status})"))));
        }
        if (onV3.Count == 0)
            return Passed($"All {gateways.Count} gateways are on the v4 gateway chart: {NameList(gateways.Select(g => g.Key))}.");
        return Warning($"{onV3.Count} of {gateways.Count} gateways are still on v3 charts: {NameList(onV3.Select(s => s.Gateway))}.",
            $"Upgrade them one at a time (traffic through each is interrupted): Update-KsGateway -Name {string.Join(",", onV3.Select(s => s.Gateway))}; then Remove-KsLegacyGateway.",
            onV3.Cast<object>().ToArray());
    }

    /// <summary>Display name: the release name without a trailing "-ingress".</summary>
    public static string GatewayName(string release) =>
        release.EndsWith("-ingress", StringComparison.Ordinal) ? release[..^"-ingress".Length] : release;

    private static bool IsV3(HelmRelease r)
    {
        if (r.Name.EndsWith("-ingress", StringComparison.Ordinal))
            return true; // the v3 Nginx CR's ingress-nginx release; v4 keeps only kubesphere-router-<ns>
        if (r.ChartName == "gateway")
            return true; // v3 chart gateway 0.1.0
        return r.ChartName == "ingress-nginx" && LooseVersion.TryParse(r.ChartVersion, out var v) && v < new LooseVersion(4, 12, 0);
    }
}

/// <summary>A gateway still on v3, with the releases that show it.</summary>
public sealed record GatewayReleaseState(string Gateway, string Namespace, string Releases);
