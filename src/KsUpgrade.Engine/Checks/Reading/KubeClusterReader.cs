using System.Text.Json.Nodes;
using k8s.Models;
using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Checks;

/// <summary>
/// <see cref="IClusterReader"/> over the access layer (<see cref="IKubeApi"/>): a read-only view of it. One paginated
/// LIST per kind (limit 500 + continue), only the fields the checks need are kept; no per-node or per-pod calls (the only
/// pod call is the ks-installer log tail). The access layer's errors become <see cref="ClusterReadException"/>s.
/// </summary>
public sealed class KubeClusterReader : IClusterReader
{
    private readonly IKubeApi _api;

    public KubeClusterReader(IKubeApi api)
    {
        _api = api ?? throw new ArgumentNullException(nameof(api));
    }

    private Task<List<TRow>> List<TRow>(string what, ResourceKind kind, string? ns, Action<JsonObject, List<TRow>> collect, CancellationToken ct,
        string? labelSelector = null, int pageSize = KubeListPager.PageSize, string? fieldSelector = null) =>
        KubeListPager.ListAllAsync(_api, what, kind, ns, labelSelector, collect, ct, pageSize, fieldSelector);

    public Task<string> GetServerVersionAsync(CancellationToken ct) =>
        KubeListPager.Call("server version", () => _api.GetServerVersionAsync(ct));

    public async Task<IReadOnlyList<NodeRow>> ListNodesAsync(CancellationToken ct) =>
        await List<NodeRow>("nodes", ResourceKind.Nodes, null, (o, rows) => rows.Add(ToRow(o.As<V1Node>())), ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<PodRow>> ListPodsAsync(CancellationToken ct) =>
        await List<PodRow>("pods", ResourceKind.Pods, null, (o, rows) =>
        {
            var p = o.As<V1Pod>();
            rows.Add(new PodRow(
                p.Metadata?.NamespaceProperty ?? "",
                p.Metadata?.Name ?? "",
                p.Spec?.NodeName,
                p.Status?.Phase ?? "Unknown",
                PodStatus.Display(p),
                p.Metadata?.Labels is { } lb && lb.TryGetValue("app", out var app) ? app : null,
                PodOwner.Of(p)));
        }, ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<NamespaceRow>> ListNamespacesAsync(string? labelSelector, CancellationToken ct) =>
        await List<NamespaceRow>("namespaces", ResourceKind.Namespaces, null, (o, rows) => rows.Add(new NamespaceRow(
            o.Name(), Strings(o.At("metadata", "labels")))), ct, labelSelector).ConfigureAwait(false);

    public async Task<IReadOnlyList<StorageClassRow>> ListStorageClassesAsync(CancellationToken ct) =>
        await List<StorageClassRow>("storageclasses", ResourceKind.StorageClasses, null, (o, rows) => rows.Add(new StorageClassRow(
            o.Name(),
            IsTrue(o.Annotation(KsNames.DefaultClassAnnotation)) || IsTrue(o.Annotation(KsNames.BetaDefaultClassAnnotation)),
            o.Str("provisioner"),
            o.Str("volumeBindingMode"))), ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<WebhookRow>> ListWebhooksAsync(CancellationToken ct)
    {
        var validating = List<WebhookRow>("validatingwebhookconfigurations", ResourceKind.ValidatingWebhookConfigurations, null, (o, rows) =>
        {
            var c = o.As<V1ValidatingWebhookConfiguration>();
            rows.AddRange((c.Webhooks ?? new List<V1ValidatingWebhook>()).Select(w => new WebhookRow(
                "ValidatingWebhookConfiguration", c.Metadata?.Name ?? "", w.Name, w.ClientConfig?.Url, w.ClientConfig?.Service?.NamespaceProperty, w.ClientConfig?.Service?.Name,
                ReleaseOf(c.Metadata), CaHash(w.ClientConfig?.CaBundle))));
        }, ct);
        var mutating = List<WebhookRow>("mutatingwebhookconfigurations", ResourceKind.MutatingWebhookConfigurations, null, (o, rows) =>
        {
            var c = o.As<V1MutatingWebhookConfiguration>();
            rows.AddRange((c.Webhooks ?? new List<V1MutatingWebhook>()).Select(w => new WebhookRow(
                "MutatingWebhookConfiguration", c.Metadata?.Name ?? "", w.Name, w.ClientConfig?.Url, w.ClientConfig?.Service?.NamespaceProperty, w.ClientConfig?.Service?.Name,
                ReleaseOf(c.Metadata), CaHash(w.ClientConfig?.CaBundle))));
        }, ct);
        return (await validating.ConfigureAwait(false)).Concat(await mutating.ConfigureAwait(false)).ToList();
    }

    public async Task<IReadOnlyList<ServiceAccountTokenRow>> ListServiceAccountTokensAsync(string @namespace, CancellationToken ct) =>
        await List<ServiceAccountTokenRow>($"service-account-token secrets in {@namespace}", ResourceKind.Secrets, @namespace, (o, rows) => rows.Add(new ServiceAccountTokenRow(
            o.Name(),
            o.Annotation("kubernetes.io/service-account.name"),
            o.Str("data", "token") is { Length: > 0 })), ct, fieldSelector: "type=kubernetes.io/service-account-token").ConfigureAwait(false);

    public async Task<IReadOnlyList<string>> ListConfigMapNamesAsync(string @namespace, CancellationToken ct) =>
        await List<string>($"configmaps in {@namespace}", ResourceKind.ConfigMaps, @namespace, (o, rows) => rows.Add(o.Name()), ct,
            pageSize: HelmReleaseReader.DefaultPageSize).ConfigureAwait(false); // extension chart ConfigMaps carry whole chart archives: small pages

    public async Task<bool> CrdExistsAsync(string crdName, CancellationToken ct) =>
        await KubeListPager.GetOrNull($"customresourcedefinition {crdName}",
            () => _api.GetAsync(ResourceKind.CustomResourceDefinitions, null, crdName, ct)).ConfigureAwait(false) is not null;

    private static ResourceKind KindOf(CustomKind kind) => new(kind.Group, kind.Version, kind.Plural, kind.Plural, kind.Namespaced);

    public Task<JsonObject?> GetCustomObjectAsync(CustomKind kind, string? @namespace, string name, CancellationToken ct) =>
        KubeListPager.GetOrNull($"{kind.CrdName} {(@namespace is null ? name : $"{@namespace}/{name}")}",
            () => _api.GetAsync(KindOf(kind) with { Namespaced = @namespace is not null }, @namespace, name, ct));

    public async Task<IReadOnlyList<JsonObject>> ListCustomObjectsAsync(CustomKind kind, string? @namespace, CancellationToken ct) =>
        await List<JsonObject>(kind.CrdName, KindOf(kind) with { Namespaced = @namespace is not null }, @namespace, (o, rows) => rows.Add(o), ct).ConfigureAwait(false);

    public async Task<EndpointsRow?> GetEndpointsAsync(string @namespace, string name, CancellationToken ct)
    {
        var ep = await KubeListPager.GetOrNull($"endpoints {@namespace}/{name}",
            () => _api.GetAsync(ResourceKind.Endpoints, @namespace, name, ct)).ConfigureAwait(false);
        if (ep is null)
            return null;
        var ips = (ep.As<V1Endpoints>().Subsets ?? new List<V1EndpointSubset>())
            .SelectMany(s => s.Addresses ?? new List<V1EndpointAddress>())
            .Select(a => a.Ip).Where(ip => !string.IsNullOrEmpty(ip)).ToList();
        return new EndpointsRow(@namespace, name, ips);
    }

    public Task<string?> ReadPodLogTailAsync(string @namespace, string pod, int tailLines, CancellationToken ct) =>
        KubeListPager.GetOrNull<string>($"log of pod {@namespace}/{pod}", async () => await _api.ReadPodLogAsync(@namespace, pod, tailLines, ct).ConfigureAwait(false));

    /// <summary>
    /// Every revision of the releases the query names, decoded by the one release reader (<see cref="HelmReleaseReader"/>),
    /// without values, manifest or hooks (nothing of a release's values ever reaches a report). Small pages: release
    /// secrets carry whole manifests.
    /// </summary>
    public async Task<IReadOnlyList<HelmRelease>> ListHelmReleasesAsync(HelmReleaseQuery query, CancellationToken ct)
    {
        var selector = query.Name is null ? "owner=helm" : $"owner=helm,name={query.Name}";
        var what = query.Namespace is null ? "helm release secrets (all namespaces)" : $"helm release secrets in {query.Namespace}";
        return await List<HelmRelease>(what, ResourceKind.Secrets, query.Namespace, (secret, rows) =>
        {
            if (HelmReleaseReader.ReleaseNameOf(secret) is not { } name || !query.Matches(name)) return;
            if (HelmReleaseReader.FromSecret(secret) is { } release && query.Matches(release.Name))
                rows.Add(release.WithoutPayload());
        }, ct, selector, HelmReleaseReader.DefaultPageSize).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DeploymentRow>> ListDeploymentsAsync(string @namespace, CancellationToken ct) =>
        await List<DeploymentRow>($"deployments in {@namespace}", ResourceKind.Deployments, @namespace, (o, rows) =>
        {
            var d = o.As<V1Deployment>();
            rows.Add(new DeploymentRow(
                d.Metadata?.NamespaceProperty ?? @namespace,
                d.Metadata?.Name ?? "",
                d.Spec?.Replicas ?? 1,
                d.Status?.AvailableReplicas ?? 0,
                d.Status?.Conditions?.Any(c => c.Type == "Available" && c.Status == "True") ?? false,
                (IReadOnlyList<string>)(d.Spec?.Template?.Spec?.Containers ?? new List<V1Container>()).Select(c => c.Image ?? "").ToList(),
                DeploymentRollout.Of(d)));
        }, ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<PvcRow>> ListPersistentVolumeClaimsAsync(CancellationToken ct) =>
        await List<PvcRow>("persistentvolumeclaims", ResourceKind.PersistentVolumeClaims, null, (o, rows) => rows.Add(new PvcRow(
            o.Namespace() ?? "", o.Name(), o.Str("spec", "storageClassName"), o.Str("status", "phase"))), ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<IngressRow>> ListIngressesAsync(CancellationToken ct) =>
        await List<IngressRow>("ingresses", ResourceKind.Ingresses, null, (o, rows) => rows.Add(new IngressRow(
            o.Namespace() ?? "", o.Name(), o.Str("spec", "ingressClassName"))), ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<string>> ListIngressClassNamesAsync(CancellationToken ct) =>
        await List<string>("ingressclasses", ResourceKind.IngressClasses, null, (o, rows) => rows.Add(o.Name()), ct).ConfigureAwait(false);

    public async Task<IReadOnlyDictionary<string, string>?> GetConfigMapDataAsync(string @namespace, string name, CancellationToken ct)
    {
        var cm = await KubeListPager.GetOrNull($"configmap {@namespace}/{name}",
            () => _api.GetAsync(ResourceKind.ConfigMaps, @namespace, name, ct)).ConfigureAwait(false);
        return cm is null ? null : Strings(cm["data"]);
    }

    public async Task<ObjectOwnership?> GetOwnershipAsync(ChartResourceRef r, CancellationToken ct)
    {
        var what = r.ToString();
        ResourceKind kind;
        string? ns;
        if (r.Group.Length == 0)
        {
            ns = r.Namespace ?? KsNames.KubeSphereSystem;
            kind = r.Kind switch
            {
                "ConfigMap" => ResourceKind.ConfigMaps,
                "Secret" => ResourceKind.Secrets,
                "Service" => ResourceKind.Services,
                "ServiceAccount" => ResourceKind.ServiceAccounts,
                "PersistentVolumeClaim" => ResourceKind.PersistentVolumeClaims,
                "Namespace" => ResourceKind.Namespaces,
                _ => throw new ClusterReadException(ClusterReadFailure.Other, what, $"core kind {r.Kind} is not handled by the adoption check"),
            };
            if (!kind.Namespaced) ns = null;
        }
        else
        {
            ns = r.Namespace;
            kind = new ResourceKind(r.Group, r.Version, r.Plural ?? Pluralize(r.Kind), r.Kind, r.Namespace is not null);
        }
        var obj = await KubeListPager.GetOrNull(what, () => _api.GetAsync(kind, ns, r.Name, ct)).ConfigureAwait(false);
        if (obj is null)
            return null;
        return new ObjectOwnership(
            obj.Label("app.kubernetes.io/managed-by"),
            obj.Annotation("meta.helm.sh/release-name"),
            obj.Annotation("meta.helm.sh/release-namespace"));
    }

    public Task<long> CountAsync(CountedKind kind, CancellationToken ct)
    {
        var k = kind switch
        {
            CountedKind.Deployments => ResourceKind.Deployments,
            CountedKind.Services => ResourceKind.Services,
            CountedKind.Ingresses => ResourceKind.Ingresses,
            CountedKind.StatefulSets => ResourceKind.StatefulSets,
            CountedKind.Pods => ResourceKind.Pods,
            CountedKind.DaemonSets => ResourceKind.DaemonSets,
            CountedKind.ReplicaSets => ResourceKind.ReplicaSets,
            CountedKind.StorageClasses => ResourceKind.StorageClasses,
            CountedKind.CronJobs => ResourceKind.CronJobs,
            CountedKind.CustomResourceDefinitions => ResourceKind.CustomResourceDefinitions,
            CountedKind.HorizontalPodAutoscalers => ResourceKind.HorizontalPodAutoscalers,
            CountedKind.PersistentVolumes => ResourceKind.PersistentVolumes,
            CountedKind.PersistentVolumeClaims => ResourceKind.PersistentVolumeClaims,
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        return KubeListPager.CountAsync(_api, k.Plural, k, ct);
    }

    /// <summary>A JSON object of strings (labels, ConfigMap data) as a dictionary.</summary>
    private static IReadOnlyDictionary<string, string> Strings(JsonNode? node) =>
        (node as JsonObject)?.Where(kv => kv.Value is JsonValue).ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>())
        ?? new Dictionary<string, string>();

    private static bool IsTrue(string? value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    private static NodeRow ToRow(V1Node n)
    {
        var labels = n.Metadata?.Labels ?? new Dictionary<string, string>();
        var roles = labels.Keys
            .Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            .Select(k => k["node-role.kubernetes.io/".Length..])
            .Where(r => r.Length > 0)
            .OrderBy(r => r, StringComparer.Ordinal)
            .ToList();
        if (roles.Count == 0 && labels.TryGetValue("kubernetes.io/role", out var legacy) && legacy.Length > 0)
            roles.Add(legacy);
        var ready = n.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status;
        var info = n.Status?.NodeInfo;
        return new NodeRow(n.Metadata?.Name ?? "", ready, n.Spec?.Unschedulable == true, roles, info?.KubeletVersion, info?.OsImage, info?.ContainerRuntimeVersion);
    }

    private static string? ReleaseOf(V1ObjectMeta? meta) =>
        meta?.Annotations is { } a && a.TryGetValue("meta.helm.sh/release-name", out var r) ? r : null;

    /// <summary>The caBundle's SHA-256 in hex: CAs are compared, never kept.</summary>
    private static string? CaHash(byte[]? caBundle) =>
        caBundle is { Length: > 0 } b ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(b)) : null;

    /// <summary>Kind → resource plural, for chart objects given without one (globalrole → globalroles, repository → repositories).</summary>
    internal static string Pluralize(string kind)
    {
        var k = kind.ToLowerInvariant();
        if (k.EndsWith('y') && k.Length > 1 && !"aeiou".Contains(k[^2]))
            return k[..^1] + "ies";
        if (k.EndsWith('s') || k.EndsWith('x') || k.EndsWith("ch", StringComparison.Ordinal) || k.EndsWith("sh", StringComparison.Ordinal))
            return k + "es";
        return k + "s";
    }
}
