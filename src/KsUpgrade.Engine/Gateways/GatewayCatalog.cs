using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Members;

namespace KsUpgrade.Engine.Gateways;

/// <summary>
/// The gateways of a cluster: helm releases whose name starts with kubesphere-router (all namespaces, any status), read
/// natively from their release Secrets and merged by name without the trailing -ingress (as upgrade.sh does).
/// </summary>
public static class GatewayCatalog
{
    /// <summary>Chart of the KubeSphere 4 gateway (gateway extension), e.g. kubesphere-nginx-ingress 4.12.1, controller 1.12.1.</summary>
    public const string V4ChartName = "kubesphere-nginx-ingress";

    /// <summary>
    /// Lists the gateways whose name matches <paramref name="namePattern"/> (wildcards; null = all), ordered by name.
    /// A plain name that matches nothing throws GatewayNotFound listing the known gateways.
    /// </summary>
    public static async Task<IReadOnlyList<KsGateway>> ListAsync(KsCluster cluster, string? namePattern, IEngineLog log, CancellationToken ct)
    {
        var all = await ReadAllAsync(cluster, KubeApi.For(cluster, log.Verbose), ct).ConfigureAwait(false);
        var matched = all.Where(g => Wildcard.IsMatch(g.Name, namePattern)).ToList();
        if (matched.Count == 0 && !string.IsNullOrEmpty(namePattern) && !Wildcard.HasWildcard(namePattern))
            throw NotFound(cluster, namePattern, all);
        log.Verbose($"Found {all.Count} gateway(s) on '{cluster.Context}'{(namePattern is null ? "" : $", {matched.Count} matching '{namePattern}'")}.");
        return matched;
    }

    /// <summary>One gateway by exact name (a trailing -ingress is accepted and stripped); GatewayNotFound listing the known ones.</summary>
    public static Task<KsGateway> GetAsync(KsCluster cluster, string name, CancellationToken ct) => GetAsync(cluster, KubeApi.For(cluster), name, ct);

    internal static async Task<KsGateway> GetAsync(KsCluster cluster, IKubeApi api, string name, CancellationToken ct)
    {
        var all = await ReadAllAsync(cluster, api, ct).ConfigureAwait(false);
        var wanted = GatewayNames.GatewayOf(name);
        return all.FirstOrDefault(g => g.Name == wanted) ?? throw NotFound(cluster, name, all);
    }

    /// <summary>Gateway names, for tab completion of -Name.</summary>
    public static async Task<IReadOnlyList<string>> NamesAsync(KsCluster cluster, CancellationToken ct) =>
        (await ReadAllAsync(cluster, KubeApi.For(cluster), ct).ConfigureAwait(false)).Select(g => g.Name).ToList();

    /// <summary>The gateways of a cluster, from the latest revision of every kubesphere-router* release (the one release reader).</summary>
    internal static async Task<IReadOnlyList<KsGateway>> ReadAllAsync(KsCluster cluster, IKubeApi api, CancellationToken ct)
    {
        var releases = await HelmReleaseReader.ListLatestAsync(api, null,
            name => name.StartsWith(KsNames.GatewayReleasePrefix, StringComparison.Ordinal), ct: ct).ConfigureAwait(false);
        return Merge(releases.Select(View).ToList(), cluster);
    }

    /// <summary>The public view of a gateway's release revision (Get-KsGateway's Releases).</summary>
    public static KsGatewayRelease View(HelmRelease r) => new()
    {
        Name = r.Name,
        Namespace = r.Namespace,
        Revision = r.Revision,
        Status = r.Status,
        ChartName = r.ChartName,
        ChartVersion = r.ChartVersion,
        AppVersion = r.AppVersion,
    };

    /// <summary>Groups releases into gateways by name without -ingress.</summary>
    internal static IReadOnlyList<KsGateway> Merge(IReadOnlyList<KsGatewayRelease> releases, KsCluster? cluster) =>
        releases
            .Where(r => r.Status != "uninstalled")
            .GroupBy(r => GatewayNames.GatewayOf(r.Name), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Build(g.Key, g.OrderBy(r => r.Name, StringComparer.Ordinal).ToList(), cluster))
            .ToList();

    private static KsGateway Build(string name, IReadOnlyList<KsGatewayRelease> releases, KsCluster? cluster)
    {
        var own = releases.FirstOrDefault(r => r.Name == name);
        var ingress = releases.FirstOrDefault(r => r.Name == GatewayNames.IngressReleaseOf(name));
        var primary = own ?? ingress ?? releases[0];
        var pending = releases.FirstOrDefault(r => Helm.HelmReleaseStatus.IsPending(r.Status));
        var failed = releases.FirstOrDefault(r => r.Status == "failed");
        return new KsGateway
        {
            Name = name,
            Scope = GatewayNames.ScopeOf(name),
            Namespace = GatewayNames.ServedNamespaceOf(name),
            ReleaseNamespace = primary.Namespace,
            Releases = releases,
            Status = (pending ?? failed ?? primary).Status,
            ChartVersion = primary.ChartVersion,
            Upgraded = ingress is null && own is not null && IsV4Chart(own),
            Cluster = cluster,
        };
    }


    /// <summary>
    /// The v4 gateway chart: kubesphere-nginx-ingress, or an ingress-nginx chart 4.12+ / controller 1.12+ (what the gateway
    /// extension installs). The 3.4 charts are gateway 0.1.0 (appVersion 1.16.0, which says nothing about the controller) and
    /// ingress-nginx 4.2.5 (controller 1.3.1).
    /// </summary>
    public static bool IsV4Chart(KsGatewayRelease release)
    {
        if (release.ChartName == V4ChartName) return true;
        if (release.ChartName == "gateway") return false;
        if (TryMajorMinor(release.AppVersion, out var major, out var minor) && (major > 1 || (major == 1 && minor >= 12))) return true;
        return release.ChartName.Contains("ingress", StringComparison.Ordinal)
            && TryMajorMinor(release.ChartVersion, out major, out minor) && (major > 4 || (major == 4 && minor >= 12));
    }

    private static bool TryMajorMinor(string version, out int major, out int minor)
    {
        major = minor = 0;
        var parts = version.TrimStart('v', 'V').Split('.', '-', '+');
        return parts.Length >= 2 && int.TryParse(parts[0], out major) && int.TryParse(parts[1], out minor);
    }

    private static KsUpgradeException NotFound(KsCluster cluster, string name, IReadOnlyList<KsGateway> known)
    {
        var names = known.Select(g => g.Name).ToList();
        return new KsUpgradeException(ErrorIds.GatewayNotFound, KsErrorCategory.ObjectNotFound,
            $"No gateway '{name}' on '{cluster.Context}'. Known gateways: {(names.Count == 0 ? "(none)" : string.Join(", ", names))}.", name);
    }
}
