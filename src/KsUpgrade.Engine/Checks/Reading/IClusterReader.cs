using System.Text.Json.Nodes;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Checks;

/// <summary>
/// The read-only cluster operations Test-KsCluster needs, and nothing else: a read-only view of the access layer.
/// Implementations: KubeClusterReader (over IKubeApi; one paginated LIST per kind) and InMemoryClusterReader (tests).
/// Failures are thrown as <see cref="ClusterReadException"/>: Forbidden (403), NotFound (404: the kind is not served,
/// for LISTs and CRD-backed kinds), Other. A missing single object is returned as null, never thrown.
/// </summary>
public interface IClusterReader
{
    /// <summary>The server's gitVersion (GET /version), e.g. v1.26.15+k3s1.</summary>
    Task<string> GetServerVersionAsync(CancellationToken ct);

    Task<IReadOnlyList<NodeRow>> ListNodesAsync(CancellationToken ct);

    /// <summary>All pods of all namespaces (one paginated LIST).</summary>
    Task<IReadOnlyList<PodRow>> ListPodsAsync(CancellationToken ct);

    Task<IReadOnlyList<NamespaceRow>> ListNamespacesAsync(string? labelSelector, CancellationToken ct);

    Task<IReadOnlyList<StorageClassRow>> ListStorageClassesAsync(CancellationToken ct);

    /// <summary>True when the CustomResourceDefinition exists (e.g. clusterconfigurations.installer.kubesphere.io).</summary>
    Task<bool> CrdExistsAsync(string crdName, CancellationToken ct);

    /// <summary>One custom object, or null when it does not exist.</summary>
    Task<JsonObject?> GetCustomObjectAsync(CustomKind kind, string? @namespace, string name, CancellationToken ct);

    /// <summary>Every object of a custom kind (cluster-wide or in one namespace).</summary>
    Task<IReadOnlyList<JsonObject>> ListCustomObjectsAsync(CustomKind kind, string? @namespace, CancellationToken ct);

    /// <summary>An Endpoints object's addresses, or null when it does not exist.</summary>
    Task<EndpointsRow?> GetEndpointsAsync(string @namespace, string name, CancellationToken ct);

    /// <summary>The last lines of a pod's log (first container), or null when the pod is gone.</summary>
    Task<string?> ReadPodLogTailAsync(string @namespace, string pod, int tailLines, CancellationToken ct);

    /// <summary>Helm release revisions, decoded from the helm release secrets by the one release reader (without values or manifest).</summary>
    Task<IReadOnlyList<HelmRelease>> ListHelmReleasesAsync(HelmReleaseQuery query, CancellationToken ct);

    Task<IReadOnlyList<DeploymentRow>> ListDeploymentsAsync(string @namespace, CancellationToken ct);

    /// <summary>Every PersistentVolumeClaim (all namespaces, one paginated LIST): class and phase only.</summary>
    Task<IReadOnlyList<PvcRow>> ListPersistentVolumeClaimsAsync(CancellationToken ct);

    /// <summary>Every Ingress (all namespaces) with its spec.ingressClassName.</summary>
    Task<IReadOnlyList<IngressRow>> ListIngressesAsync(CancellationToken ct);

    /// <summary>The names of the IngressClasses.</summary>
    Task<IReadOnlyList<string>> ListIngressClassNamesAsync(CancellationToken ct);

    /// <summary>A ConfigMap's data, or null when it does not exist.</summary>
    Task<IReadOnlyDictionary<string, string>?> GetConfigMapDataAsync(string @namespace, string name, CancellationToken ct);

    /// <summary>The names of a namespace's ConfigMaps (one paginated LIST).</summary>
    Task<IReadOnlyList<string>> ListConfigMapNamesAsync(string @namespace, CancellationToken ct);

    /// <summary>The helm ownership metadata of an object a chart will create, or null when it does not exist.</summary>
    Task<ObjectOwnership?> GetOwnershipAsync(ChartResourceRef resource, CancellationToken ct);

    /// <summary>How many objects of a kind exist (cluster-wide), without holding them all.</summary>
    Task<long> CountAsync(CountedKind kind, CancellationToken ct);

    /// <summary>Every webhook of every Validating- and MutatingWebhookConfiguration (one paginated LIST of each kind).</summary>
    Task<IReadOnlyList<WebhookRow>> ListWebhooksAsync(CancellationToken ct);

    /// <summary>The service-account-token Secrets of a namespace (field selector on the type); token values are never returned.</summary>
    Task<IReadOnlyList<ServiceAccountTokenRow>> ListServiceAccountTokensAsync(string @namespace, CancellationToken ct);
}
