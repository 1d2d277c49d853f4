using System.Collections.Concurrent;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Checks;

/// <summary>
/// Everything a check may read, each read made at most once per run and shared (the checks run concurrently, so
/// independent LISTs go out concurrently too).
/// </summary>
public sealed class CheckContext
{
    private readonly ConcurrentDictionary<string, Lazy<Task<object>>> _reads = new();
    private readonly CancellationToken _runToken;
    private readonly Lazy<ValuesFindings?> _values;

    public CheckContext(IClusterReader reader, CheckRequest request, CancellationToken runToken)
    {
        Reader = reader;
        Request = request;
        _runToken = runToken;
        _values = new Lazy<ValuesFindings?>(() =>
            request.Values ?? (request.ValuesPath is { Length: > 0 } p ? LocalValuesInspector.Inspect(p) : null));
    }

    public IClusterReader Reader { get; }
    public CheckRequest Request { get; }

    /// <summary>The phase being checked (set by the engine before the checks run).</summary>
    public KsCheckPhase Phase { get; internal set; }

    /// <summary>Values findings, from the request or read from ValuesPath; null when no values file was given.</summary>
    public ValuesFindings? Values => _values.Value;

    public Task<ReadResult<string>> ServerVersion => Shared("server version", ct => Reader.GetServerVersionAsync(ct));
    public Task<ReadResult<IReadOnlyList<NodeRow>>> Nodes => Shared("nodes", ct => Reader.ListNodesAsync(ct));
    public Task<ReadResult<IReadOnlyList<PodRow>>> Pods => Shared("pods", ct => Reader.ListPodsAsync(ct));
    public Task<ReadResult<IReadOnlyList<StorageClassRow>>> StorageClasses => Shared("storageclasses", ct => Reader.ListStorageClassesAsync(ct));
    public Task<ReadResult<IReadOnlyList<WebhookRow>>> Webhooks => Shared("webhook configurations", ct => Reader.ListWebhooksAsync(ct));
    public Task<ReadResult<IReadOnlyList<ServiceAccountTokenRow>>> KubeSphereServiceAccountTokens =>
        Shared("service-account-token secrets in kubesphere-system", ct => Reader.ListServiceAccountTokensAsync(KsNames.KubeSphereSystem, ct));

    public Task<ReadResult<IReadOnlyList<NamespaceRow>>> SystemNamespaces =>
        Shared("system-workspace namespaces", ct => Reader.ListNamespacesAsync(KsNames.SystemWorkspaceSelector, ct));

    /// <summary>cc ks-installer: NotServed when the ClusterConfiguration kind is not served; Ok(null) when the object is missing.</summary>
    public Task<ReadResult<ClusterConfigurationInfo?>> ClusterConfiguration => Shared("clusterconfigurations", async ct =>
    {
        var kind = CustomKind.ClusterConfiguration;
        bool served;
        try
        {
            served = await Reader.CrdExistsAsync(kind.CrdName, ct).ConfigureAwait(false);
        }
        catch (ClusterReadException ex) when (ex.Failure == ClusterReadFailure.Forbidden)
        {
            served = true; // may not read CRDs: ask for the object itself (a kind that is not served then reads as missing)
        }
        if (!served)
            throw ClusterReadException.NotServed("ClusterConfiguration not served (clusterconfigurations.installer.kubesphere.io)");
        var cc = await Reader.GetCustomObjectAsync(kind, KsNames.KubeSphereSystem, KsNames.InstallerCcName, ct).ConfigureAwait(false);
        return cc is null ? null : ClusterConfigurationInfo.From(cc);
    });

    /// <summary>Every revision of release ks-core in kubesphere-system, newest last.</summary>
    public Task<ReadResult<IReadOnlyList<HelmRelease>>> KsCoreReleases => Shared("helm release secrets of ks-core in kubesphere-system", async ct =>
    {
        var rows = await Reader.ListHelmReleasesAsync(new HelmReleaseQuery(KsNames.KubeSphereSystem, KsNames.KsCoreRelease), ct).ConfigureAwait(false);
        return (IReadOnlyList<HelmRelease>)rows.OrderBy(r => r.Revision).ToList();
    });

    /// <summary>Every revision of every `kubesphere-router*` release, all namespaces.</summary>
    public Task<ReadResult<IReadOnlyList<HelmRelease>>> GatewayReleases => Shared("helm release secrets of kubesphere-router releases", ct =>
        Reader.ListHelmReleasesAsync(new HelmReleaseQuery(null, NamePrefix: KsNames.GatewayReleasePrefix), ct));

    public Task<ReadResult<IReadOnlyList<IngressRow>>> Ingresses => Shared("ingresses", ct => Reader.ListIngressesAsync(ct));

    public Task<ReadResult<IReadOnlyList<string>>> IngressClassNames => Shared("ingressclasses", ct => Reader.ListIngressClassNamesAsync(ct));

    /// <summary>clusters.cluster.kubesphere.io; NotServed when the kind is not served.</summary>
    public Task<ReadResult<IReadOnlyList<KsClusterInfo>>> KubeSphereClusters => Shared("clusters.cluster.kubesphere.io", async ct =>
    {
        var items = await Reader.ListCustomObjectsAsync(CustomKind.KubeSphereCluster, null, ct).ConfigureAwait(false);
        return (IReadOnlyList<KsClusterInfo>)Members.ClusterObject.ParseAll(items, null).Select(Members.ClusterObject.ToInfo).ToList();
    });

    public Task<ReadResult<EndpointsRow?>> EtcdEndpoints =>
        Shared("endpoints kube-system/etcd", ct => Reader.GetEndpointsAsync(KsNames.KubeSystem, KsNames.EtcdEndpoints, ct));

    public Task<ReadResult<IReadOnlyList<DeploymentRow>>> KubeSphereSystemDeployments =>
        Shared("deployments in kubesphere-system", ct => Reader.ListDeploymentsAsync(KsNames.KubeSphereSystem, ct));

    /// <summary>ConfigMap kubesphere-system/kubesphere-config's data (read once: the role and the jwtSecret come from it); Ok(null) when missing.</summary>
    public Task<ReadResult<IReadOnlyDictionary<string, string>?>> KubeSphereConfig => Shared("configmap kubesphere-system/kubesphere-config", ct =>
        Reader.GetConfigMapDataAsync(KsNames.KubeSphereSystem, KsNames.KubeSphereConfig, ct));

    /// <summary>multicluster.clusterRole from ConfigMap kubesphere-config (the v4 role source).</summary>
    public async Task<ReadResult<KsClusterRole>> KubeSphereConfigRoleAsync()
    {
        var cm = await KubeSphereConfig.ConfigureAwait(false);
        return cm.IsOk ? ReadResult<KsClusterRole>.Ok(Checks.KubeSphereConfigFile.Role(cm.Value)) : ReadResult<KsClusterRole>.Failed(cm.Failure!.Value, cm.Error!);
    }

    /// <summary>A peer cluster's kubesphere-config data (read once per peer).</summary>
    public Task<ReadResult<IReadOnlyDictionary<string, string>?>> PeerKubeSphereConfig(PeerCluster peer) =>
        Shared($"configmap kubesphere-system/kubesphere-config on {peer.Name}", ct =>
            peer.Reader.GetConfigMapDataAsync(KsNames.KubeSphereSystem, KsNames.KubeSphereConfig, ct));

    /// <summary>The names of the ConfigMaps in kubesphere-system (one LIST; a member's extension chart ConfigMaps are among them).</summary>
    public Task<ReadResult<IReadOnlyList<string>>> KubeSphereSystemConfigMapNames => Shared("configmaps in kubesphere-system", ct =>
        Reader.ListConfigMapNamesAsync(KsNames.KubeSphereSystem, ct));

    /// <summary>Every PersistentVolumeClaim (class and phase).</summary>
    public Task<ReadResult<IReadOnlyList<PvcRow>>> Pvcs => Shared("persistentvolumeclaims", ct => Reader.ListPersistentVolumeClaimsAsync(ct));

    /// <summary>Repository extensions-museum (KubeSphere 4, host); Ok(null) when it does not exist or the kind is not served.</summary>
    public Task<ReadResult<System.Text.Json.Nodes.JsonObject?>> ExtensionsMuseum => Shared("repositories.kubesphere.io extensions-museum", ct =>
        Reader.GetCustomObjectAsync(CustomKind.Repository, null, KsNames.ExtensionsMuseum, ct));

    /// <summary>Every InstallPlan (KubeSphere 4); NotServed when the kind is not served.</summary>
    public Task<ReadResult<IReadOnlyList<System.Text.Json.Nodes.JsonObject>>> InstallPlans => Shared("installplans.kubesphere.io", ct =>
        Reader.ListCustomObjectsAsync(CustomKind.InstallPlan, null, ct));

    /// <summary>
    /// The upgrade journal (ConfigMap kubesphere-system/ks-upgrade-journal) Invoke-KsHostUpgrade/Invoke-KsMemberUpgrade
    /// keep: Ok(null) when there is none; a journal that cannot be decoded is a failed read.
    /// </summary>
    public Task<ReadResult<Journal.JournalState?>> UpgradeJournal => Shared($"configmap {KsNames.KubeSphereSystem}/{Journal.UpgradeJournal.ConfigMapName}", async ct =>
    {
        var data = await Reader.GetConfigMapDataAsync(KsNames.KubeSphereSystem, Journal.UpgradeJournal.ConfigMapName, ct).ConfigureAwait(false);
        return data is null ? null : Journal.UpgradeJournal.FromData(data);
    });

    /// <summary>The journal when it records an upgrade that has not finished (null: none, finished, or unreadable).</summary>
    public async Task<Journal.JournalState?> UnfinishedUpgradeAsync()
    {
        var read = await UpgradeJournal.ConfigureAwait(false);
        return read.IsOk && read.Value is { Finished: false, Steps.Count: > 0 } j ? j : null;
    }

    public Task<HelmProbeResult> Helm => SharedRaw("helm", ct => (Request.Helm ?? new ProcessHelmProbe()).ProbeAsync(ct));

    /// <summary>The newest ks-core revision with status deployed, or null.</summary>
    public async Task<HelmRelease?> LastDeployedKsCoreAsync()
    {
        var r = await KsCoreReleases.ConfigureAwait(false);
        return r.IsOk ? r.Value.LastOrDefault(x => x.Status == "deployed") : null;
    }

    /// <summary>The cluster's role: cc spec.multicluster.clusterRole when a cc exists, else kubesphere-config.</summary>
    public Task<KsClusterRole> Role => SharedRaw("role", async _ =>
    {
        var cc = await ClusterConfiguration.ConfigureAwait(false);
        if (Phase == KsCheckPhase.Preflight && cc.IsOk && cc.Value is { } info && info.Role != KsClusterRole.Unknown)
            return info.Role;
        var cm = await KubeSphereConfigRoleAsync().ConfigureAwait(false);
        if (cm.IsOk && cm.Value != KsClusterRole.Unknown)
            return cm.Value;
        return cc.IsOk && cc.Value is { } i ? i.Role : KsClusterRole.Unknown;
    });

    /// <summary>A read shared by every check; failures become a failed <see cref="ReadResult{T}"/>, never an exception.</summary>
    public Task<ReadResult<T>> Shared<T>(string what, Func<CancellationToken, Task<T>> read) =>
        SharedRaw(what, async ct =>
        {
            try
            {
                return ReadResult<T>.Ok(await read(ct).ConfigureAwait(false));
            }
            catch (ClusterReadException ex)
            {
                return ReadResult<T>.Failed(ex.Failure, ex.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_runToken.IsCancellationRequested)
            {
                // includes request timeouts (cancelled by the HTTP client, not by the caller)
                var why = ex is OperationCanceledException ? "the request timed out" : ex.Message;
                return ReadResult<T>.Failed(ClusterReadFailure.Other, $"could not read {what}: {why}");
            }
        });

    private async Task<T> SharedRaw<T>(string key, Func<CancellationToken, Task<T>> factory)
    {
        var lazy = _reads.GetOrAdd(key + "|" + typeof(T).FullName,
            _ => new Lazy<Task<object>>(async () => (object)(await factory(_runToken).ConfigureAwait(false))!));
        return (T)await lazy.Value.ConfigureAwait(false);
    }
}
