using System.Text.Json.Nodes;
using k8s.Models;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Gateways;

/// <summary>
/// Remove-KsLegacyGateway: once no gateway is on v3, removes the finalizers of every nginxes.gateway.kubesphere.io object
/// (all namespaces), then deletes that CRD (ks-upgrade leaves both behind).
/// </summary>
public static class LegacyGatewayCleanup
{
    public const string Group = "gateway.kubesphere.io";
    public const string Plural = "nginxes";
    public const string CrdName = Plural + "." + Group;

    /// <summary>
    /// Refuses (LegacyGatewaysRemain, listing them) while gateways are still on v3, unless <paramref name="force"/>.
    /// Returns null when ShouldProcess declines. The CRD is deleted only after a re-list shows no Nginx object with finalizers.
    /// </summary>
    public static async Task<KsLegacyGatewayCleanupResult?> RemoveAsync(KsCluster cluster, bool force, IEngineLog log, CancellationToken ct,
        TimeSpan? crdDeletionTimeout = null)
    {
        try
        {
            return await RunAsync(cluster, force, log, crdDeletionTimeout ?? TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not KsUpgradeException)
        {
            throw ApiErrors.Map(e, cluster.Context, cluster.Server, $"removing {CrdName}", ct);
        }
    }

    private static async Task<KsLegacyGatewayCleanupResult?> RunAsync(KsCluster cluster, bool force, IEngineLog log, TimeSpan crdTimeout, CancellationToken ct)
    {
        var api = KubeApi.For(cluster, log.Verbose);
        var v3 = (await GatewayCatalog.ReadAllAsync(cluster, api, ct).ConfigureAwait(false)).Where(g => !g.Upgraded).Select(g => g.Name).ToList();
        if (v3.Count > 0)
        {
            if (!force)
                throw new KsUpgradeException(ErrorIds.LegacyGatewaysRemain, KsErrorCategory.InvalidOperation,
                    $"{v3.Count} gateway(s) on '{cluster.Context}' are still on v3: {string.Join(", ", v3)}. Their Nginx objects are still in use.", v3.ToArray())
                { Remedy = "Upgrade them first (Get-KsGateway | Update-KsGateway), or use -Force to remove the legacy objects anyway." };
            log.Warning($"-Force: removing the legacy gateway objects although {v3.Count} gateway(s) are still on v3: {string.Join(", ", v3)}.");
        }

        var crd = await TryReadCrdAsync(api, ct).ConfigureAwait(false);
        if (crd is null)
        {
            log.Information($"CRD {CrdName} is not present on '{cluster.Context}': nothing to clean up.", "KsUpgrade.Unchanged");
            return new KsLegacyGatewayCleanupResult { CrdAbsent = true, RemainingV3Gateways = v3 };
        }
        var version = crd.Spec.Versions.FirstOrDefault(v => v.Storage)?.Name ?? crd.Spec.Versions.First().Name;
        var objects = await ListAsync(api, version, ct).ConfigureAwait(false);
        if (!await log.ShouldProcessAsync($"CRD {CrdName} and its {objects.Count} object(s) on {cluster.Context}", "Remove the finalizers of every Nginx object, then delete the CRD").ConfigureAwait(false))
            return null;

        var cleared = new List<string>();
        foreach (var o in objects.Where(HasFinalizers))
        {
            var (ns, name) = Id(o);
            try
            {
                await api.PatchAsync(Nginxes(version), ns, name, KubePatchType.Merge, "{\"metadata\":{\"finalizers\":null}}", ct).ConfigureAwait(false);
                cleared.Add($"{ns}/{name}");
                log.Verbose($"Removed the finalizers of Nginx {ns}/{name}.");
            }
            catch (KsUpgradeException e) when (ApiErrors.IsNotFound(e)) { }
        }

        var left = (await ListAsync(api, version, ct).ConfigureAwait(false)).Where(HasFinalizers).Select(o => $"{Id(o).Ns}/{Id(o).Name}").ToList();
        if (left.Count > 0)
            throw new KsUpgradeException(ErrorIds.LegacyCleanupFailed, KsErrorCategory.InvalidResult,
                $"Nginx objects still carry finalizers after they were removed (a controller re-adds them?): {string.Join(", ", left)}. The CRD was not deleted.", left.ToArray());

        await api.DeleteAsync(ResourceKind.CustomResourceDefinitions, null, CrdName, "Background", ct).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + crdTimeout;
        while (await TryReadCrdAsync(api, ct).ConfigureAwait(false) is not null)
        {
            if (DateTime.UtcNow > deadline)
                throw new KsUpgradeException(ErrorIds.LegacyCleanupFailed, KsErrorCategory.OperationTimeout,
                    $"CRD {CrdName} was deleted but is still present after {crdTimeout.TotalSeconds:0} s.", CrdName);
            await Task.Delay(TimeSpan.FromMilliseconds(250), ct).ConfigureAwait(false);
        }
        log.Information($"Deleted CRD {CrdName} ({objects.Count} Nginx object(s), {cleared.Count} finalizer list(s) removed).", "KsUpgrade.Step");
        return new KsLegacyGatewayCleanupResult
        {
            CrdDeleted = true,
            FinalizersRemoved = cleared,
            NginxObjects = objects.Select(o => $"{Id(o).Ns}/{Id(o).Name}").ToList(),
            RemainingV3Gateways = v3,
        };
    }

    private static bool HasFinalizers(JsonObject o) => o["metadata"]?["finalizers"] is JsonArray { Count: > 0 };

    private static (string Ns, string Name) Id(JsonObject o) =>
        (o["metadata"]?["namespace"]?.GetValue<string>() ?? "", o["metadata"]?["name"]?.GetValue<string>() ?? "");

    private static ResourceKind Nginxes(string version) => new(Group, version, Plural, "Nginx", true);

    private static async Task<List<JsonObject>> ListAsync(IKubeApi api, string version, CancellationToken ct)
    {
        try
        {
            // A cluster-wide list of a namespaced kind: /apis/<group>/<version>/<plural> covers every namespace.
            return await api.ListAllAsync(Nginxes(version), null, null, ct).ConfigureAwait(false);
        }
        catch (KsUpgradeException e) when (ApiErrors.IsNotFound(e))
        {
            return new List<JsonObject>();
        }
    }

    private static async Task<V1CustomResourceDefinition?> TryReadCrdAsync(IKubeApi api, CancellationToken ct) =>
        (await api.GetAsync(ResourceKind.CustomResourceDefinitions, null, CrdName, ct).ConfigureAwait(false))?.As<V1CustomResourceDefinition>();
}
