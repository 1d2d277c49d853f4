using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace KsUpgrade.Engine.Kube;

/// <summary>
/// <see cref="IKubeApi"/> over KubernetesClient's generic custom-objects API (which also serves the core group as /api/v1).
/// Transient failures are retried (<see cref="KubeRetry"/>), 409 becomes <see cref="KubeConflictException"/>,
/// everything else a KsUpgradeException from <see cref="ApiErrors.Map"/>.
/// </summary>
public sealed class KubeApi : IKubeApi, IDisposable
{
    public const string FieldManager = "ksupgrade";
    private readonly IKubernetes _client;
    private bool OwnsClient { get; init; }
    private readonly KubeRetry _retry;
    private readonly Dictionary<string, IReadOnlyList<ResourceKind>> _discovery = new(StringComparer.Ordinal);

    public KubeApi(IKubernetes client, string context, string server, KubeRetry? retry = null)
    {
        _client = client;
        Context = context;
        Server = server;
        _retry = retry ?? KubeRetry.Default;
    }

    /// <summary>Opens the client of a kubeconfig/token/in-cluster configuration (no request is sent). Disposing it closes the client.</summary>
    public static KubeApi Open(KubernetesClientConfiguration config, string context) =>
        new(new Kubernetes(config), context, config.Host ?? "") { OwnsClient = true };

    /// <summary>The same connection, with retry notes sent to <paramref name="verbose"/> (and its own discovery cache).</summary>
    public KubeApi WithRetryNotes(Action<string>? verbose) =>
        new(_client, Context, Server, new KubeRetry { OnRetry = verbose }) { ConflictAttempts = ConflictAttempts };

    /// <summary>The API of a connected cluster (its live connection, <see cref="IKubeConnection"/>); retry notes go to <paramref name="verbose"/>.</summary>
    public static KubeApi For(KsCluster cluster, Action<string>? verbose = null) =>
        (cluster.Connection as IKubeConnection)?.Api.WithRetryNotes(verbose)
        ?? throw new KsUpgradeException(ErrorIds.ClusterUnreachable, KsErrorCategory.InvalidArgument,
            $"The cluster object for context '{cluster.Context}' holds no live connection; get one with Connect-KsCluster.", cluster.Context);

    /// <summary>Closes the client when this instance opened it (<see cref="Open"/>); views made by <see cref="WithRetryNotes"/> share it and close nothing.</summary>
    public void Dispose()
    {
        if (OwnsClient) _client.Dispose();
    }

    public string Context { get; }
    public string Server { get; }

    private async Task<T> Call<T>(Func<CancellationToken, Task<T>> call, string doing, CancellationToken ct)
    {
        try
        {
            return await _retry.RunAsync(call, doing, ct).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Conflict)
        {
            throw new KubeConflictException($"Conflict while {doing}{(StatusMessage(e) is { } m ? ": " + m : "")}.", e);
        }
        catch (Exception e) when (e is not KsUpgradeException && e is not KubeConflictException)
        {
            throw ApiErrors.Map(e, Context, Server, doing, ct);
        }
    }

    /// <summary>How many times a write without a resourceVersion precondition is sent when the apiserver answers 409 Conflict.</summary>
    public int ConflictAttempts { get; init; } = 4;

    /// <summary>
    /// Patches (merge, JSON, forced apply) and deletes carry no resourceVersion precondition: a 409 Conflict means the
    /// apiserver lost the race with a concurrent writer of that object (it gives up after its own retries), not that our
    /// change is stale. Such a write is sent again, a few times, after a short pause. AlreadyExists is not retried.
    /// </summary>
    private async Task<T> RetryConflicts<T>(Func<Task<T>> write, string doing, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await write().ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < ConflictAttempts && !ct.IsCancellationRequested && IsConflictReason(e))
            {
                var wait = TimeSpan.FromMilliseconds(200 * attempt);
                _retry.OnRetry?.Invoke($"Conflict while {doing} (another client wrote the object at the same time); retry {attempt} of {ConflictAttempts - 1} in {wait.TotalSeconds:0.#} s.");
                await Task.Delay(wait, ct).ConfigureAwait(false);
            }
        }
    }

    private static bool IsConflictReason(Exception e)
    {
        var http = e as HttpOperationException ?? e.InnerException as HttpOperationException;
        if (http?.Response?.StatusCode != HttpStatusCode.Conflict) return false;
        return !string.Equals(StatusField(http.Response.Content, "reason"), "AlreadyExists", StringComparison.Ordinal);
    }

    private static string? StatusMessage(HttpOperationException e) => StatusField(e.Response?.Content, "message");

    private static string? StatusField(string? content, string field)
    {
        if (string.IsNullOrWhiteSpace(content)) return null;
        try
        {
            using var doc = JsonDocument.Parse(content);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String
                ? v.GetString() : null;
        }
        catch (JsonException) { return null; }
    }

    private static bool Is(Exception e, HttpStatusCode code) => e is HttpOperationException { Response: not null } h && h.Response.StatusCode == code;

    public async Task<IReadOnlyList<ResourceKind>> DiscoverAsync(string group, CancellationToken ct)
    {
        lock (_discovery)
            if (_discovery.TryGetValue(group, out var cached)) return cached;
        IReadOnlyList<ResourceKind> result;
        if (group.Length == 0)
        {
            var list = await Call(c => _client.CoreV1.GetAPIResourcesAsync(c), "discovering the core API", ct).ConfigureAwait(false);
            result = Kinds("", "v1", list);
        }
        else
        {
            var groups = await Call(c => _client.Apis.GetAPIVersionsAsync(c), "discovering API groups", ct).ConfigureAwait(false);
            var g = groups.Groups?.FirstOrDefault(x => x.Name == group);
            var kinds = new List<ResourceKind>();
            if (g is not null)
            {
                // Preferred version first, then the others: a group may serve different kinds in different versions
                // (tenant.kubesphere.io v1alpha1 workspaces, v1alpha2 workspacetemplates).
                var versions = (g.Versions ?? new List<V1GroupVersionForDiscovery>()).Select(v => v.Version).ToList();
                if (g.PreferredVersion?.Version is { } pref) { versions.Remove(pref); versions.Insert(0, pref); }
                foreach (var version in versions)
                {
                    try
                    {
                        var list = await Call(c => _client.CustomObjects.GetAPIResourcesAsync(group, version, c), $"discovering {group}/{version}", ct).ConfigureAwait(false);
                        kinds.AddRange(Kinds(group, version, list));
                    }
                    catch (KsUpgradeException e) when (e.InnerException is { } inner && Is(inner, HttpStatusCode.NotFound))
                    {
                    }
                }
            }
            result = kinds;
        }
        lock (_discovery) _discovery[group] = result;
        return result;
    }

    private static IReadOnlyList<ResourceKind> Kinds(string group, string version, V1APIResourceList list) =>
        (list.Resources ?? new List<V1APIResource>())
            .Where(r => !r.Name.Contains('/'))
            .Select(r => new ResourceKind(group, version, r.Name, r.Kind, r.Namespaced))
            .ToList();

    public Task<KubePage> ListPageAsync(ResourceKind kind, string? ns, string? labelSelector, int limit, string? continueToken, CancellationToken ct) =>
        ListPageAsync(kind, ns, labelSelector, null, limit, continueToken, ct);

    public async Task<KubePage> ListPageAsync(ResourceKind kind, string? ns, string? labelSelector, string? fieldSelector, int limit, string? continueToken, CancellationToken ct)
    {
        var doing = $"listing {kind.FullName}{(ns is null ? "" : " in " + ns)}";
        var element = await Call(c => ns is not null && kind.Namespaced
            ? _client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(kind.Group, kind.Version, ns, kind.Plural,
                continueParameter: continueToken, fieldSelector: fieldSelector, labelSelector: labelSelector, limit: limit, cancellationToken: c)
            : _client.CustomObjects.ListClusterCustomObjectAsync<JsonElement>(kind.Group, kind.Version, kind.Plural,
                continueParameter: continueToken, fieldSelector: fieldSelector, labelSelector: labelSelector, limit: limit, cancellationToken: c), doing, ct).ConfigureAwait(false);
        var root = KubeJson.FromElement(element);
        var items = (root["items"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().ToList();
        foreach (var item in items)
        {
            item.Remove("apiVersion"); item.Remove("kind");
            // Put apiVersion/kind first, as kubectl prints them; list items of built-in kinds carry neither.
            // Clear() detaches the values, so they move back without a copy.
            var copy = item.ToList(); item.Clear();
            item["apiVersion"] = kind.ApiVersion; item["kind"] = kind.Kind;
            foreach (var (k, v) in copy) item[k] = v;
        }
        var next = root.Str("metadata", "continue");
        return new KubePage(items, string.IsNullOrEmpty(next) ? null : next) { RemainingItemCount = root.Long("metadata", "remainingItemCount") };
    }

    public async Task<JsonObject?> GetAsync(ResourceKind kind, string? ns, string name, CancellationToken ct)
    {
        try
        {
            var e = await _retry.RunAsync(c => kind.Namespaced
                ? _client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(kind.Group, kind.Version, ns!, kind.Plural, name, c)
                : _client.CustomObjects.GetClusterCustomObjectAsync<JsonElement>(kind.Group, kind.Version, kind.Plural, name, c),
                $"reading {kind.Kind} {KubeJson.Ref(ns, name)}", ct).ConfigureAwait(false);
            return KubeJson.FromElement(e);
        }
        catch (Exception e) when (Is(e, HttpStatusCode.NotFound))
        {
            return null;
        }
        catch (Exception e) when (e is not KsUpgradeException)
        {
            throw ApiErrors.Map(e, Context, Server, $"reading {kind.Kind} {KubeJson.Ref(ns, name)}", ct);
        }
    }

    /// <summary>Discovery is cached per connection; a CRD write changes what is served.</summary>
    private void ForgetDiscovery()
    {
        lock (_discovery) _discovery.Clear();
    }

    public async Task<JsonObject> CreateAsync(ResourceKind kind, string? ns, JsonObject obj, CancellationToken ct)
    {
        var body = JsonSerializer.Deserialize<JsonElement>(obj.ToJsonString());
        var e = await Call(c => kind.Namespaced
            ? _client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonElement>(body, kind.Group, kind.Version, ns!, kind.Plural, fieldManager: FieldManager, cancellationToken: c)
            : _client.CustomObjects.CreateClusterCustomObjectAsync<JsonElement>(body, kind.Group, kind.Version, kind.Plural, fieldManager: FieldManager, cancellationToken: c),
            $"creating {kind.Kind} {KubeJson.Ref(ns, obj.Name())}", ct).ConfigureAwait(false);
        if (kind.Kind == "CustomResourceDefinition") ForgetDiscovery();
        return KubeJson.FromElement(e);
    }

    public Task<JsonObject> ReplaceAsync(ResourceKind kind, string? ns, JsonObject obj, CancellationToken ct) => Put(kind, ns, obj, status: false, ct);

    public Task<JsonObject> ReplaceStatusAsync(ResourceKind kind, string? ns, JsonObject obj, CancellationToken ct) => Put(kind, ns, obj, status: true, ct);

    /// <summary>PUT of the object, or of its status subresource.</summary>
    private async Task<JsonObject> Put(ResourceKind kind, string? ns, JsonObject obj, bool status, CancellationToken ct)
    {
        var body = JsonSerializer.Deserialize<JsonElement>(obj.ToJsonString());
        var name = obj.Name();
        var o = _client.CustomObjects;
        var e = await Call(c => (kind.Namespaced, status) switch
            {
                (true, false) => o.ReplaceNamespacedCustomObjectAsync<JsonElement>(body, kind.Group, kind.Version, ns!, kind.Plural, name, fieldManager: FieldManager, cancellationToken: c),
                (false, false) => o.ReplaceClusterCustomObjectAsync<JsonElement>(body, kind.Group, kind.Version, kind.Plural, name, fieldManager: FieldManager, cancellationToken: c),
                (true, true) => o.ReplaceNamespacedCustomObjectStatusAsync<JsonElement>(body, kind.Group, kind.Version, ns!, kind.Plural, name, fieldManager: FieldManager, cancellationToken: c),
                (false, true) => o.ReplaceClusterCustomObjectStatusAsync<JsonElement>(body, kind.Group, kind.Version, kind.Plural, name, fieldManager: FieldManager, cancellationToken: c),
            },
            $"updating {(status ? "the status of " : "")}{kind.Kind} {KubeJson.Ref(ns, name)}", ct).ConfigureAwait(false);
        if (kind.Kind == "CustomResourceDefinition" && !status) ForgetDiscovery();
        return KubeJson.FromElement(e);
    }

    public Task<JsonObject> PatchAsync(ResourceKind kind, string? ns, string name, KubePatchType type, string body, CancellationToken ct) =>
        Patch(kind, ns, name, new V1Patch(body, type == KubePatchType.Json ? V1Patch.PatchType.JsonPatch : V1Patch.PatchType.MergePatch),
            null, $"patching {kind.Kind} {KubeJson.Ref(ns, name)}", ct);

    public async Task<JsonObject> PatchStatusAsync(ResourceKind kind, string? ns, string name, KubePatchType type, string body, CancellationToken ct)
    {
        var patch = new V1Patch(body, type == KubePatchType.Json ? V1Patch.PatchType.JsonPatch : V1Patch.PatchType.MergePatch);
        var doing = $"patching the status of {kind.Kind} {KubeJson.Ref(ns, name)}";
        var e = await RetryConflicts(() => Call(c => kind.Namespaced
            ? _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonElement>(patch, kind.Group, kind.Version, ns!, kind.Plural, name, cancellationToken: c)
            : _client.CustomObjects.PatchClusterCustomObjectStatusAsync<JsonElement>(patch, kind.Group, kind.Version, kind.Plural, name, cancellationToken: c),
            doing, ct), doing, ct).ConfigureAwait(false);
        return KubeJson.FromElement(e);
    }

    public Task<JsonObject> ApplyAsync(ResourceKind kind, string? ns, JsonObject obj, bool force, CancellationToken ct)
    {
        var name = obj.Name();
        return Patch(kind, ns, name, new V1Patch(obj.ToJsonString(), V1Patch.PatchType.ApplyPatch), force,
            $"applying {kind.Kind} {KubeJson.Ref(ns, name)}", ct);
    }

    private async Task<JsonObject> Patch(ResourceKind kind, string? ns, string name, V1Patch patch, bool? force, string doing, CancellationToken ct)
    {
        var fieldManager = patch.Type == V1Patch.PatchType.ApplyPatch ? FieldManager : null;
        Task<JsonElement> Send() => Call(c => kind.Namespaced
            ? _client.CustomObjects.PatchNamespacedCustomObjectAsync<JsonElement>(patch, kind.Group, kind.Version, ns!, kind.Plural, name, fieldManager: fieldManager, force: force, cancellationToken: c)
            : _client.CustomObjects.PatchClusterCustomObjectAsync<JsonElement>(patch, kind.Group, kind.Version, kind.Plural, name, fieldManager: fieldManager, force: force, cancellationToken: c),
            doing, ct);
        // an apply without force that conflicts with another field manager would conflict again: not retried
        var e = patch.Type == V1Patch.PatchType.ApplyPatch && force != true
            ? await Send().ConfigureAwait(false)
            : await RetryConflicts(Send, doing, ct).ConfigureAwait(false);
        if (kind.Kind == "CustomResourceDefinition") ForgetDiscovery(); // the CRD may serve new kinds or versions now
        return KubeJson.FromElement(e);
    }

    public Task<bool> DeleteAsync(ResourceKind kind, string? ns, string name, string propagation, CancellationToken ct) =>
        DeleteAsync(kind, ns, name, propagation, null, ct);

    public async Task<bool> DeleteAsync(ResourceKind kind, string? ns, string name, string propagation, long? gracePeriodSeconds, CancellationToken ct)
    {
        var doing = $"deleting {kind.Kind} {KubeJson.Ref(ns, name)}";
        try
        {
            await RetryConflicts(() => _retry.RunAsync(c => kind.Namespaced
                ? _client.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonElement>(kind.Group, kind.Version, ns!, kind.Plural, name, gracePeriodSeconds: (int?)gracePeriodSeconds, propagationPolicy: propagation, cancellationToken: c)
                : _client.CustomObjects.DeleteClusterCustomObjectAsync<JsonElement>(kind.Group, kind.Version, kind.Plural, name, gracePeriodSeconds: (int?)gracePeriodSeconds, propagationPolicy: propagation, cancellationToken: c),
                doing, ct), doing, ct).ConfigureAwait(false);
            if (kind.Kind == "CustomResourceDefinition") ForgetDiscovery();
            return true;
        }
        catch (Exception e) when (Is(e, HttpStatusCode.NotFound))
        {
            return false;
        }
        catch (Exception e) when (e is not KsUpgradeException)
        {
            throw ApiErrors.Map(e, Context, Server, doing, ct);
        }
    }

    public async Task<string> ReadPodLogAsync(string ns, string pod, int? tailLines, CancellationToken ct)
    {
        var stream = await Call(c => _client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, tailLines: tailLines, cancellationToken: c),
            $"reading the log of pod {ns}/{pod}", ct).ConfigureAwait(false);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(ct).ConfigureAwait(false);
    }

    public Task<Stream> FollowPodLogAsync(string ns, string pod, CancellationToken ct) =>
        Call(c => _client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, follow: true, cancellationToken: c),
            $"following the log of pod {ns}/{pod}", ct);

    public async Task<string> GetServerVersionAsync(CancellationToken ct)
    {
        var info = await Call(c => _client.Version.GetCodeAsync(c), "reading the server version", ct).ConfigureAwait(false);
        return info.GitVersion ?? $"v{info.Major}.{info.Minor}";
    }

    /// <summary>
    /// The first request of a connection: GET /version once, no retry, within <paramref name="timeout"/>. Null when the
    /// server answered but not as a Kubernetes API server (not JSON, 404, 405, no gitVersion); other failures are mapped
    /// by <see cref="ApiErrors.Map"/> (ClusterUnreachable when the timeout is up).
    /// </summary>
    public async Task<string?> ProbeServerVersionAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            var version = await _client.Version.GetCodeAsync(limit.Token).ConfigureAwait(false);
            return string.IsNullOrEmpty(version?.GitVersion) ? null : version.GitVersion;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            return null;
        }
        catch (Exception e) when (e is not KsUpgradeException)
        {
            throw ApiErrors.Map(e, Context, Server, "reading the server version", ct);
        }
    }
}

/// <summary>A live connection that reaches its cluster through the access layer (the object behind KsCluster.Connection).</summary>
public interface IKubeConnection
{
    KubeApi Api { get; }
}
