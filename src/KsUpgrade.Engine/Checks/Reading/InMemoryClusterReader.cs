using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Checks;

/// <summary>
/// An <see cref="IClusterReader"/> over in-memory rows, for unit tests and dry rehearsals. Fill the public collections;
/// name a resource in <see cref="Forbidden"/> to make reads of it answer 403. <see cref="Calls"/> counts reads per
/// operation (to prove one LIST per kind).
/// Resource names for Forbidden: nodes, pods, pods/log, namespaces, storageclasses, customresourcedefinitions,
/// endpoints, secrets, deployments, persistentvolumeclaims, configmaps, ingresses, ingressclasses, chart-objects, counts, or a custom kind's CRD name
/// (e.g. clusterconfigurations.installer.kubesphere.io).
/// </summary>
public sealed class InMemoryClusterReader : IClusterReader
{
    public string ServerVersion { get; set; } = "v1.26.15";
    public List<NodeRow> Nodes { get; } = new();
    public List<PodRow> Pods { get; } = new();
    public List<NamespaceRow> Namespaces { get; } = new();
    public List<StorageClassRow> StorageClasses { get; } = new();
    public List<WebhookRow> Webhooks { get; } = new();
    /// <summary>service-account-token Secrets per namespace.</summary>
    public Dictionary<string, List<ServiceAccountTokenRow>> ServiceAccountTokens { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Crds { get; } = new(StringComparer.Ordinal);

    /// <summary>Custom objects per CRD name (plural.group).</summary>
    public Dictionary<string, List<JsonObject>> CustomObjects { get; } = new(StringComparer.Ordinal);
    public List<EndpointsRow> Endpoints { get; } = new();

    /// <summary>Full pod logs by "namespace/pod"; the tail is cut as the API would.</summary>
    public Dictionary<string, string> PodLogs { get; } = new(StringComparer.Ordinal);
    public List<HelmRelease> HelmReleases { get; } = new();
    public List<DeploymentRow> Deployments { get; } = new();
    public List<PvcRow> Pvcs { get; } = new();
    public List<IngressRow> Ingresses { get; } = new();
    public List<string> IngressClasses { get; } = new();

    /// <summary>ConfigMap data by "namespace/name".</summary>
    public Dictionary<string, Dictionary<string, string>> ConfigMaps { get; } = new(StringComparer.Ordinal);

    /// <summary>Existing objects a chart may create, by "Kind namespace/name" or "Kind/name" (cluster-scoped), with their helm ownership.</summary>
    public Dictionary<string, ObjectOwnership> ExistingObjects { get; } = new(StringComparer.Ordinal);
    public Dictionary<CountedKind, long> Counts { get; } = new();
    public HashSet<string> Forbidden { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

    public Task<string> GetServerVersionAsync(CancellationToken ct) => Answer("version", "version", () => ServerVersion);

    public Task<IReadOnlyList<NodeRow>> ListNodesAsync(CancellationToken ct) =>
        Answer("list nodes", "nodes", () => (IReadOnlyList<NodeRow>)Nodes.ToList());

    public Task<IReadOnlyList<PodRow>> ListPodsAsync(CancellationToken ct) =>
        Answer("list pods", "pods", () => (IReadOnlyList<PodRow>)Pods.ToList());

    public Task<IReadOnlyList<NamespaceRow>> ListNamespacesAsync(string? labelSelector, CancellationToken ct) =>
        Answer("list namespaces", "namespaces", () => (IReadOnlyList<NamespaceRow>)Namespaces.Where(n => MatchesSelector(n.Labels, labelSelector)).ToList());

    public Task<IReadOnlyList<StorageClassRow>> ListStorageClassesAsync(CancellationToken ct) =>
        Answer("list storageclasses", "storageclasses", () => (IReadOnlyList<StorageClassRow>)StorageClasses.ToList());

    public Task<IReadOnlyList<WebhookRow>> ListWebhooksAsync(CancellationToken ct) =>
        Answer("list webhook configurations", "webhookconfigurations", () => (IReadOnlyList<WebhookRow>)Webhooks.ToList());

    public Task<IReadOnlyList<ServiceAccountTokenRow>> ListServiceAccountTokensAsync(string @namespace, CancellationToken ct) =>
        Answer($"list service-account-token secrets in {@namespace}", "secrets", () =>
            (IReadOnlyList<ServiceAccountTokenRow>)(ServiceAccountTokens.TryGetValue(@namespace, out var l) ? l.ToList() : new List<ServiceAccountTokenRow>()));

    public Task<IReadOnlyList<string>> ListConfigMapNamesAsync(string @namespace, CancellationToken ct) =>
        Answer($"list configmaps {@namespace}", "configmaps", () =>
            (IReadOnlyList<string>)ConfigMaps.Keys.Where(k => k.StartsWith(@namespace + "/", StringComparison.Ordinal)).Select(k => k[(@namespace.Length + 1)..]).ToList());

    public Task<bool> CrdExistsAsync(string crdName, CancellationToken ct) =>
        Answer($"get crd {crdName}", "customresourcedefinitions", () => Crds.Contains(crdName));

    public Task<JsonObject?> GetCustomObjectAsync(CustomKind kind, string? @namespace, string name, CancellationToken ct) =>
        Answer($"get {kind.CrdName}", kind.CrdName, () =>
        {
            if (!Crds.Contains(kind.CrdName))
                return null; // the API answers 404 for a kind it does not serve
            return Objects(kind).FirstOrDefault(o => Name(o) == name && (@namespace is null || Namespace(o) == @namespace))?.DeepClone() as JsonObject;
        });

    public Task<IReadOnlyList<JsonObject>> ListCustomObjectsAsync(CustomKind kind, string? @namespace, CancellationToken ct) =>
        Answer($"list {kind.CrdName}", kind.CrdName, () =>
        {
            if (!Crds.Contains(kind.CrdName))
                throw ClusterReadException.NotServed(kind.CrdName);
            return (IReadOnlyList<JsonObject>)Objects(kind).Where(o => @namespace is null || Namespace(o) == @namespace)
                .Select(o => (JsonObject)o.DeepClone()).ToList();
        });

    public Task<EndpointsRow?> GetEndpointsAsync(string @namespace, string name, CancellationToken ct) =>
        Answer("get endpoints", "endpoints", () => Endpoints.FirstOrDefault(e => e.Namespace == @namespace && e.Name == name));

    public Task<string?> ReadPodLogTailAsync(string @namespace, string pod, int tailLines, CancellationToken ct) =>
        Answer("get pods/log", "pods/log", () =>
        {
            if (!PodLogs.TryGetValue($"{@namespace}/{pod}", out var log))
                return Pods.Any(p => p.Namespace == @namespace && p.Name == pod) ? "" : null;
            var lines = log.Split('\n');
            if (lines.Length > 0 && lines[^1].Length == 0)
                lines = lines[..^1];
            return string.Join('\n', lines.TakeLast(tailLines));
        });

    public Task<IReadOnlyList<HelmRelease>> ListHelmReleasesAsync(HelmReleaseQuery query, CancellationToken ct) =>
        Answer($"list secrets {query.Namespace ?? "(all)"}", "secrets", () => (IReadOnlyList<HelmRelease>)HelmReleases
            .Where(r => (query.Namespace is null || r.Namespace == query.Namespace) && query.Matches(r.Name)).ToList());

    public Task<IReadOnlyList<DeploymentRow>> ListDeploymentsAsync(string @namespace, CancellationToken ct) =>
        Answer($"list deployments {@namespace}", "deployments", () => (IReadOnlyList<DeploymentRow>)Deployments.Where(d => d.Namespace == @namespace).ToList());

    public Task<IReadOnlyList<PvcRow>> ListPersistentVolumeClaimsAsync(CancellationToken ct) =>
        Answer("list persistentvolumeclaims", "persistentvolumeclaims", () => (IReadOnlyList<PvcRow>)Pvcs.ToList());

    public Task<IReadOnlyList<IngressRow>> ListIngressesAsync(CancellationToken ct) =>
        Answer("list ingresses", "ingresses", () => (IReadOnlyList<IngressRow>)Ingresses.ToList());

    public Task<IReadOnlyList<string>> ListIngressClassNamesAsync(CancellationToken ct) =>
        Answer("list ingressclasses", "ingressclasses", () => (IReadOnlyList<string>)IngressClasses.ToList());

    public Task<IReadOnlyDictionary<string, string>?> GetConfigMapDataAsync(string @namespace, string name, CancellationToken ct) =>
        Answer("get configmap", "configmaps", () =>
            ConfigMaps.TryGetValue($"{@namespace}/{name}", out var d) ? (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(d) : null);

    public Task<ObjectOwnership?> GetOwnershipAsync(ChartResourceRef resource, CancellationToken ct) =>
        Answer("get chart object", "chart-objects", () => ExistingObjects.TryGetValue(Key(resource), out var o) ? o : null);

    public Task<long> CountAsync(CountedKind kind, CancellationToken ct) =>
        Answer($"count {kind}", "counts", () => Counts.TryGetValue(kind, out var n) ? n : 0L);

    /// <summary>The key of <see cref="ExistingObjects"/> for a chart object.</summary>
    public static string Key(ChartResourceRef r) => r.Namespace is null ? $"{r.Kind}/{r.Name}" : $"{r.Kind} {r.Namespace}/{r.Name}";

    public void AddCustomObject(CustomKind kind, JsonObject obj)
    {
        if (!CustomObjects.TryGetValue(kind.CrdName, out var list))
            CustomObjects[kind.CrdName] = list = new List<JsonObject>();
        list.Add(obj);
    }

    private List<JsonObject> Objects(CustomKind kind) =>
        CustomObjects.TryGetValue(kind.CrdName, out var list) ? list : new List<JsonObject>();

    private static string? Name(JsonObject o) => ClusterConfigurationInfo.Str(o["metadata"]?["name"]);
    private static string? Namespace(JsonObject o) => ClusterConfigurationInfo.Str(o["metadata"]?["namespace"]);

    /// <summary>Equality selectors only ("a=b,c=d", "a==b", "a"), enough for the checks.</summary>
    private static bool MatchesSelector(IReadOnlyDictionary<string, string> labels, string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
            return true;
        foreach (var term in selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = term.Split("=", 2, StringSplitOptions.None);
            var key = parts[0].TrimEnd('=').Trim();
            if (parts.Length == 1)
            {
                if (!labels.ContainsKey(key)) return false;
                continue;
            }
            var value = parts[1].TrimStart('=').Trim();
            if (!labels.TryGetValue(key, out var actual) || actual != value)
                return false;
        }
        return true;
    }

    private Task<T> Answer<T>(string call, string resource, Func<T> answer)
    {
        Calls.AddOrUpdate(call, 1, (_, n) => n + 1);
        if (Forbidden.Contains(resource))
            return Task.FromException<T>(ClusterReadException.Forbidden(resource));
        try
        {
            return Task.FromResult(answer());
        }
        catch (Exception ex)
        {
            return Task.FromException<T>(ex);
        }
    }
}
