using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace KsUpgrade.Engine.Checks;

/// <summary>
/// <see cref="IClusterReader"/> on KubernetesClient. One paginated LIST per kind (limit 500 + continue), only the
/// fields the checks need are kept; custom kinds go through the generic custom-objects API. No per-node or per-pod calls
/// (the only pod call is the ks-installer log tail).
/// </summary>
public sealed class KubeClusterReader : IClusterReader
{
    private const int SecretPageSize = 50; // release secrets carry whole manifests: smaller pages bound memory
    private readonly IKubernetes _client;

    public KubeClusterReader(IKubernetes client)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
    }

    public async Task<string> GetServerVersionAsync(CancellationToken ct)
    {
        var info = await KubeListPager.Call("server version", () => _client.Version.GetCodeAsync(ct)).ConfigureAwait(false);
        return info.GitVersion ?? $"v{info.Major}.{info.Minor}";
    }

    public async Task<IReadOnlyList<NodeRow>> ListNodesAsync(CancellationToken ct) =>
        await KubeListPager.ListAllAsync<V1NodeList, NodeRow>("nodes",
            (cont, limit) => _client.CoreV1.ListNodeAsync(continueParameter: cont, limit: limit, cancellationToken: ct),
            l => l.Metadata,
            (l, rows) => rows.AddRange(l.Items.Select(ToRow))).ConfigureAwait(false);

    public async Task<IReadOnlyList<PodRow>> ListPodsAsync(CancellationToken ct) =>
        await KubeListPager.ListAllAsync<V1PodList, PodRow>("pods",
            (cont, limit) => _client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: cont, limit: limit, cancellationToken: ct),
            l => l.Metadata,
            (l, rows) => rows.AddRange(l.Items.Select(p => new PodRow(
                p.Metadata?.NamespaceProperty ?? "",
                p.Metadata?.Name ?? "",
                p.Spec?.NodeName,
                p.Status?.Phase ?? "Unknown",
                PodStatus.Display(p),
                p.Metadata?.Labels is { } lb && lb.TryGetValue("app", out var app) ? app : null,
                PodOwner.Of(p))))).ConfigureAwait(false);

    public async Task<IReadOnlyList<NamespaceRow>> ListNamespacesAsync(string? labelSelector, CancellationToken ct) =>
        await KubeListPager.ListAllAsync<V1NamespaceList, NamespaceRow>("namespaces",
            (cont, limit) => _client.CoreV1.ListNamespaceAsync(continueParameter: cont, labelSelector: labelSelector, limit: limit, cancellationToken: ct),
            l => l.Metadata,
            (l, rows) => rows.AddRange(l.Items.Select(n => new NamespaceRow(
                n.Metadata?.Name ?? "",
                (IReadOnlyDictionary<string, string>?)n.Metadata?.Labels?.ToDictionary(k => k.Key, k => k.Value) ?? new Dictionary<string, string>())))).ConfigureAwait(false);

    public async Task<IReadOnlyList<StorageClassRow>> ListStorageClassesAsync(CancellationToken ct) =>
        await KubeListPager.ListAllAsync<V1StorageClassList, StorageClassRow>("storageclasses",
            (cont, limit) => _client.StorageV1.ListStorageClassAsync(continueParameter: cont, limit: limit, cancellationToken: ct),
            l => l.Metadata,
            (l, rows) => rows.AddRange(l.Items.Select(s => new StorageClassRow(
                s.Metadata?.Name ?? "",
                IsTrue(s.Metadata?.Annotations, KsNames.DefaultClassAnnotation) || IsTrue(s.Metadata?.Annotations, KsNames.BetaDefaultClassAnnotation),
                s.Provisioner,
                s.VolumeBindingMode)))).ConfigureAwait(false);

    public async Task<IReadOnlyList<WebhookRow>> ListWebhooksAsync(CancellationToken ct)
    {
        var validating = KubeListPager.ListAllAsync<V1ValidatingWebhookConfigurationList, WebhookRow>("validatingwebhookconfigurations",
            (cont, limit) => _client.AdmissionregistrationV1.ListValidatingWebhookConfigurationAsync(continueParameter: cont, limit: limit, cancellationToken: ct),
            l => l.Metadata,
            (l, rows) => rows.AddRange(l.Items.SelectMany(c => (c.Webhooks ?? new List<V1ValidatingWebhook>()).Select(w => new WebhookRow(
                "ValidatingWebhookConfiguration", c.Metadata?.Name ?? "", w.Name, w.ClientConfig?.Url, w.ClientConfig?.Service?.NamespaceProperty, w.ClientConfig?.Service?.Name,
                ReleaseOf(c.Metadata), CaHash(w.ClientConfig?.CaBundle))))));
        var mutating = KubeListPager.ListAllAsync<V1MutatingWebhookConfigurationList, WebhookRow>("mutatingwebhookconfigurations",
            (cont, limit) => _client.AdmissionregistrationV1.ListMutatingWebhookConfigurationAsync(continueParameter: cont, limit: limit, cancellationToken: ct),
            l => l.Metadata,
            (l, rows) => rows.AddRange(l.Items.SelectMany(c => (c.Webhooks ?? new List<V1MutatingWebhook>()).Select(w => new WebhookRow(
                "MutatingWebhookConfiguration", c.Metadata?.Name ?? "", w.Name, w.ClientConfig?.Url, w.ClientConfig?.Service?.NamespaceProperty, w.ClientConfig?.Service?.Name,
                ReleaseOf(c.Metadata), CaHash(w.ClientConfig?.CaBundle))))));
        return (await validating.ConfigureAwait(false)).Concat(await mutating.ConfigureAwait(false)).ToList();
    }

    public async Task<IReadOnlyList<ServiceAccountTokenRow>> ListServiceAccountTokensAsync(string @namespace, CancellationToken ct) =>
        await KubeListPager.ListAllAsync<V1SecretList, ServiceAccountTokenRow>($"service-account-token secrets in {@namespace}",
            (cont, limit) => _client.CoreV1.ListNamespacedSecretAsync(@namespace, fieldSelector: "type=kubernetes.io/service-account-token",
                continueParameter: cont, limit: limit, cancellationToken: ct),
            l => l.Metadata,
            (l, rows) => rows.AddRange(l.Items.Select(s => new ServiceAccountTokenRow(
                s.Metadata?.Name ?? "",
                s.Metadata?.Annotations is { } a && a.TryGetValue("kubernetes.io/service-account.name", out var sa) ? sa : null,
                s.Data is { } d && d.TryGetValue("token", out var t) && t is { Length: > 0 })))).ConfigureAwait(false);

    public async Task<IReadOnlyList<string>> ListConfigMapNamesAsync(string @namespace, CancellationToken ct) =>
        await KubeListPager.ListAllAsync<V1ConfigMapList, string>($"configmaps in {@namespace}",
            (cont, limit) => _client.CoreV1.ListNamespacedConfigMapAsync(@namespace, continueParameter: cont, limit: limit, cancellationToken: ct),
            l => l.Metadata,
            (l, rows) => rows.AddRange(l.Items.Select(c => c.Metadata?.Name ?? "")),
            SecretPageSize).ConfigureAwait(false); // extension chart ConfigMaps carry whole chart archives: small pages

    public async Task<bool> CrdExistsAsync(string crdName, CancellationToken ct)
    {
        var crd = await KubeListPager.GetOrNull($"customresourcedefinition {crdName}",
            () => _client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crdName, cancellationToken: ct)).ConfigureAwait(false);
        return crd is not null;
    }

    public async Task<JsonObject?> GetCustomObjectAsync(CustomKind kind, string? @namespace, string name, CancellationToken ct)
    {
        var what = $"{kind.CrdName} {(@namespace is null ? name : $"{@namespace}/{name}")}";
        var obj = await KubeListPager.GetOrNull(what, () => @namespace is null
            ? _client.CustomObjects.GetClusterCustomObjectAsync(kind.Group, kind.Version, kind.Plural, name, ct)
            : _client.CustomObjects.GetNamespacedCustomObjectAsync(kind.Group, kind.Version, @namespace, kind.Plural, name, ct)).ConfigureAwait(false);
        return obj is null ? null : ToJsonObject(obj);
    }

    public async Task<IReadOnlyList<JsonObject>> ListCustomObjectsAsync(CustomKind kind, string? @namespace, CancellationToken ct) =>
        await KubeListPager.ListAllAsync<JsonObject, JsonObject>(kind.CrdName,
            async (cont, limit) => ToJsonObject(@namespace is null
                ? await _client.CustomObjects.ListClusterCustomObjectAsync(kind.Group, kind.Version, kind.Plural, continueParameter: cont, limit: limit, cancellationToken: ct).ConfigureAwait(false)
                : await _client.CustomObjects.ListNamespacedCustomObjectAsync(kind.Group, kind.Version, @namespace, kind.Plural, continueParameter: cont, limit: limit, cancellationToken: ct).ConfigureAwait(false)),
            l => new V1ListMeta { ContinueProperty = ClusterConfigurationInfo.Str(l["metadata"]?["continue"]) },
            (l, rows) => rows.AddRange((l["items"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Select(o => (JsonObject)o.DeepClone()))).ConfigureAwait(false);

    public async Task<EndpointsRow?> GetEndpointsAsync(string @namespace, string name, CancellationToken ct)
    {
        var ep = await KubeListPager.GetOrNull($"endpoints {@namespace}/{name}",
            () => _client.CoreV1.ReadNamespacedEndpointsAsync(name, @namespace, cancellationToken: ct)).ConfigureAwait(false);
        if (ep is null)
            return null;
        var ips = (ep.Subsets ?? new List<V1EndpointSubset>())
            .SelectMany(s => s.Addresses ?? new List<V1EndpointAddress>())
            .Select(a => a.Ip).Where(ip => !string.IsNullOrEmpty(ip)).ToList();
        return new EndpointsRow(@namespace, name, ips);
    }

    public async Task<string?> ReadPodLogTailAsync(string @namespace, string pod, int tailLines, CancellationToken ct)
    {
        var stream = await KubeListPager.GetOrNull($"log of pod {@namespace}/{pod}",
            () => _client.CoreV1.ReadNamespacedPodLogAsync(pod, @namespace, tailLines: tailLines, cancellationToken: ct)).ConfigureAwait(false);
        if (stream is null)
            return null;
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream);
            return await reader.ReadToEndAsync(ct).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<HelmReleaseRow>> ListHelmReleasesAsync(HelmReleaseQuery query, CancellationToken ct)
    {
        var selector = query.Name is null ? "owner=helm" : $"owner=helm,name={query.Name}";
        var what = query.Namespace is null ? "helm release secrets (all namespaces)" : $"helm release secrets in {query.Namespace}";
        return await KubeListPager.ListAllAsync<V1SecretList, HelmReleaseRow>(what,
            (cont, limit) => query.Namespace is null
                ? _client.CoreV1.ListSecretForAllNamespacesAsync(continueParameter: cont, labelSelector: selector, limit: limit, cancellationToken: ct)
                : _client.CoreV1.ListNamespacedSecretAsync(query.Namespace, continueParameter: cont, labelSelector: selector, limit: limit, cancellationToken: ct),
            l => l.Metadata,
            (l, rows) =>
            {
                foreach (var s in l.Items)
                {
                    if (s.Type != "helm.sh/release.v1")
                        continue;
                    var labels = s.Metadata?.Labels as IReadOnlyDictionary<string, string> ?? s.Metadata?.Labels?.ToDictionary(k => k.Key, k => k.Value);
                    if (labels is null || !labels.TryGetValue("name", out var release) || !query.Matches(release))
                        continue;
                    if (s.Data is null || !s.Data.TryGetValue("release", out var data))
                        continue;
                    var row = HelmReleaseSecretDecoder.Decode(data, labels, s.Metadata?.NamespaceProperty ?? "");
                    if (row is not null && query.Matches(row.Name))
                        rows.Add(row);
                }
            },
            SecretPageSize).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DeploymentRow>> ListDeploymentsAsync(string @namespace, CancellationToken ct) =>
        await KubeListPager.ListAllAsync<V1DeploymentList, DeploymentRow>($"deployments in {@namespace}",
            (cont, limit) => _client.AppsV1.ListNamespacedDeploymentAsync(@namespace, continueParameter: cont, limit: limit, cancellationToken: ct),
            l => l.Metadata,
            (l, rows) => rows.AddRange(l.Items.Select(d => new DeploymentRow(
                d.Metadata?.NamespaceProperty ?? @namespace,
                d.Metadata?.Name ?? "",
                d.Spec?.Replicas ?? 1,
                d.Status?.AvailableReplicas ?? 0,
                d.Status?.Conditions?.Any(c => c.Type == "Available" && c.Status == "True") ?? false,
                (IReadOnlyList<string>)(d.Spec?.Template?.Spec?.Containers ?? new List<V1Container>()).Select(c => c.Image ?? "").ToList())))).ConfigureAwait(false);

    public async Task<IReadOnlyList<PvcRow>> ListPersistentVolumeClaimsAsync(CancellationToken ct) =>
        await KubeListPager.ListAllAsync<V1PersistentVolumeClaimList, PvcRow>("persistentvolumeclaims",
            (cont, limit) => _client.CoreV1.ListPersistentVolumeClaimForAllNamespacesAsync(continueParameter: cont, limit: limit, cancellationToken: ct),
            l => l.Metadata,
            (l, rows) => rows.AddRange(l.Items.Select(c => new PvcRow(
                c.Metadata?.NamespaceProperty ?? "", c.Metadata?.Name ?? "", c.Spec?.StorageClassName, c.Status?.Phase)))).ConfigureAwait(false);

    public async Task<IReadOnlyList<IngressRow>> ListIngressesAsync(CancellationToken ct) =>
        await KubeListPager.ListAllAsync<V1IngressList, IngressRow>("ingresses",
            (cont, limit) => _client.NetworkingV1.ListIngressForAllNamespacesAsync(continueParameter: cont, limit: limit, cancellationToken: ct),
            l => l.Metadata,
            (l, rows) => rows.AddRange(l.Items.Select(i => new IngressRow(i.Metadata?.NamespaceProperty ?? "", i.Metadata?.Name ?? "", i.Spec?.IngressClassName)))).ConfigureAwait(false);

    public async Task<IReadOnlyList<string>> ListIngressClassNamesAsync(CancellationToken ct) =>
        await KubeListPager.ListAllAsync<V1IngressClassList, string>("ingressclasses",
            (cont, limit) => _client.NetworkingV1.ListIngressClassAsync(continueParameter: cont, limit: limit, cancellationToken: ct),
            l => l.Metadata,
            (l, rows) => rows.AddRange(l.Items.Select(c => c.Metadata?.Name ?? ""))).ConfigureAwait(false);

    public async Task<IReadOnlyDictionary<string, string>?> GetConfigMapDataAsync(string @namespace, string name, CancellationToken ct)
    {
        var cm = await KubeListPager.GetOrNull($"configmap {@namespace}/{name}",
            () => _client.CoreV1.ReadNamespacedConfigMapAsync(name, @namespace, cancellationToken: ct)).ConfigureAwait(false);
        return cm is null ? null : (IReadOnlyDictionary<string, string>)(cm.Data ?? new Dictionary<string, string>());
    }

    public async Task<ObjectOwnership?> GetOwnershipAsync(ChartResourceRef r, CancellationToken ct)
    {
        var what = r.ToString();
        V1ObjectMeta? meta;
        if (r.Group.Length == 0)
        {
            var ns = r.Namespace ?? KsNames.KubeSphereSystem;
            meta = r.Kind switch
            {
                "ConfigMap" => (await KubeListPager.GetOrNull(what, () => _client.CoreV1.ReadNamespacedConfigMapAsync(r.Name, ns, cancellationToken: ct)).ConfigureAwait(false))?.Metadata,
                "Secret" => (await KubeListPager.GetOrNull(what, () => _client.CoreV1.ReadNamespacedSecretAsync(r.Name, ns, cancellationToken: ct)).ConfigureAwait(false))?.Metadata,
                "Service" => (await KubeListPager.GetOrNull(what, () => _client.CoreV1.ReadNamespacedServiceAsync(r.Name, ns, cancellationToken: ct)).ConfigureAwait(false))?.Metadata,
                "ServiceAccount" => (await KubeListPager.GetOrNull(what, () => _client.CoreV1.ReadNamespacedServiceAccountAsync(r.Name, ns, cancellationToken: ct)).ConfigureAwait(false))?.Metadata,
                "PersistentVolumeClaim" => (await KubeListPager.GetOrNull(what, () => _client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(r.Name, ns, cancellationToken: ct)).ConfigureAwait(false))?.Metadata,
                "Namespace" => (await KubeListPager.GetOrNull(what, () => _client.CoreV1.ReadNamespaceAsync(r.Name, cancellationToken: ct)).ConfigureAwait(false))?.Metadata,
                _ => throw new ClusterReadException(ClusterReadFailure.Other, what, $"core kind {r.Kind} is not handled by the adoption check"),
            };
        }
        else
        {
            var plural = r.Plural ?? Pluralize(r.Kind);
            var obj = await KubeListPager.GetOrNull(what, () => r.Namespace is null
                ? _client.CustomObjects.GetClusterCustomObjectAsync(r.Group, r.Version, plural, r.Name, ct)
                : _client.CustomObjects.GetNamespacedCustomObjectAsync(r.Group, r.Version, r.Namespace, plural, r.Name, ct)).ConfigureAwait(false);
            if (obj is null)
                return null;
            var json = ToJsonObject(obj);
            var labels = json["metadata"]?["labels"] as JsonObject;
            var annotations = json["metadata"]?["annotations"] as JsonObject;
            return new ObjectOwnership(
                ClusterConfigurationInfo.Str(labels?["app.kubernetes.io/managed-by"]),
                ClusterConfigurationInfo.Str(annotations?["meta.helm.sh/release-name"]),
                ClusterConfigurationInfo.Str(annotations?["meta.helm.sh/release-namespace"]));
        }
        if (meta is null)
            return null;
        return new ObjectOwnership(
            meta.Labels?.TryGetValue("app.kubernetes.io/managed-by", out var mb) == true ? mb : null,
            meta.Annotations?.TryGetValue("meta.helm.sh/release-name", out var rn) == true ? rn : null,
            meta.Annotations?.TryGetValue("meta.helm.sh/release-namespace", out var rns) == true ? rns : null);
    }

    public Task<long> CountAsync(CountedKind kind, CancellationToken ct) => kind switch
    {
        CountedKind.Deployments => KubeListPager.CountAsync("deployments", (c, n) => _client.AppsV1.ListDeploymentForAllNamespacesAsync(continueParameter: c, limit: n, cancellationToken: ct), l => l.Metadata, l => l.Items.Count),
        CountedKind.Services => KubeListPager.CountAsync("services", (c, n) => _client.CoreV1.ListServiceForAllNamespacesAsync(continueParameter: c, limit: n, cancellationToken: ct), l => l.Metadata, l => l.Items.Count),
        CountedKind.Ingresses => KubeListPager.CountAsync("ingresses", (c, n) => _client.NetworkingV1.ListIngressForAllNamespacesAsync(continueParameter: c, limit: n, cancellationToken: ct), l => l.Metadata, l => l.Items.Count),
        CountedKind.StatefulSets => KubeListPager.CountAsync("statefulsets", (c, n) => _client.AppsV1.ListStatefulSetForAllNamespacesAsync(continueParameter: c, limit: n, cancellationToken: ct), l => l.Metadata, l => l.Items.Count),
        CountedKind.Pods => KubeListPager.CountAsync("pods", (c, n) => _client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: c, limit: n, cancellationToken: ct), l => l.Metadata, l => l.Items.Count),
        CountedKind.DaemonSets => KubeListPager.CountAsync("daemonsets", (c, n) => _client.AppsV1.ListDaemonSetForAllNamespacesAsync(continueParameter: c, limit: n, cancellationToken: ct), l => l.Metadata, l => l.Items.Count),
        CountedKind.ReplicaSets => KubeListPager.CountAsync("replicasets", (c, n) => _client.AppsV1.ListReplicaSetForAllNamespacesAsync(continueParameter: c, limit: n, cancellationToken: ct), l => l.Metadata, l => l.Items.Count),
        CountedKind.StorageClasses => KubeListPager.CountAsync("storageclasses", (c, n) => _client.StorageV1.ListStorageClassAsync(continueParameter: c, limit: n, cancellationToken: ct), l => l.Metadata, l => l.Items.Count),
        CountedKind.CronJobs => KubeListPager.CountAsync("cronjobs", (c, n) => _client.BatchV1.ListCronJobForAllNamespacesAsync(continueParameter: c, limit: n, cancellationToken: ct), l => l.Metadata, l => l.Items.Count),
        CountedKind.CustomResourceDefinitions => KubeListPager.CountAsync("customresourcedefinitions", (c, n) => _client.ApiextensionsV1.ListCustomResourceDefinitionAsync(continueParameter: c, limit: n, cancellationToken: ct), l => l.Metadata, l => l.Items.Count),
        CountedKind.HorizontalPodAutoscalers => KubeListPager.CountAsync("horizontalpodautoscalers", (c, n) => _client.AutoscalingV2.ListHorizontalPodAutoscalerForAllNamespacesAsync(continueParameter: c, limit: n, cancellationToken: ct), l => l.Metadata, l => l.Items.Count),
        CountedKind.PersistentVolumes => KubeListPager.CountAsync("persistentvolumes", (c, n) => _client.CoreV1.ListPersistentVolumeAsync(continueParameter: c, limit: n, cancellationToken: ct), l => l.Metadata, l => l.Items.Count),
        CountedKind.PersistentVolumeClaims => KubeListPager.CountAsync("persistentvolumeclaims", (c, n) => _client.CoreV1.ListPersistentVolumeClaimForAllNamespacesAsync(continueParameter: c, limit: n, cancellationToken: ct), l => l.Metadata, l => l.Items.Count),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

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

    private static bool IsTrue(IDictionary<string, string>? annotations, string key) =>
        annotations is not null && annotations.TryGetValue(key, out var v) && string.Equals(v, "true", StringComparison.OrdinalIgnoreCase);

    private static JsonObject ToJsonObject(object obj) => obj switch
    {
        JsonObject o => o,
        JsonElement e => JsonNode.Parse(e.GetRawText()) as JsonObject ?? new JsonObject(),
        _ => JsonNode.Parse(JsonSerializer.Serialize(obj)) as JsonObject ?? new JsonObject(),
    };

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
