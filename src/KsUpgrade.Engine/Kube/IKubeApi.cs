using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Kube;

/// <summary>One page of a LIST: its items and the continue token of the next page (null at the end).</summary>
public sealed record KubePage(IReadOnlyList<JsonObject> Items, string? Continue)
{
    /// <summary>metadata.remainingItemCount of the LIST, when the server gave it (items after this page).</summary>
    public long? RemainingItemCount { get; init; }
}

public enum KubePatchType
{
    Merge,
    Json,
}

/// <summary>A 409 Conflict: the object changed since it was read (or already exists on create). Re-read and retry.</summary>
public sealed class KubeConflictException : Exception
{
    public KubeConflictException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// The one Kubernetes access layer of the engine: every module (connection, checks, upgrade, backup, journal, members,
/// gateways) reaches the API server through it, and nothing outside the Kube namespace holds a KubernetesClient
/// (ArchitectureTests holds that rule). The real implementation (<see cref="KubeApi"/>) retries transient failures
/// (<see cref="KubeRetry"/>, the one retry policy) and maps fatal ones to KsUpgradeExceptions (<see cref="ApiErrors"/>,
/// the one mapping); tests use an in-memory one. Objects are plain JSON (System.Text.Json.Nodes): no typed models, so
/// any kind works (<see cref="KubeJson.As{T}"/> reads one as a KubernetesClient model where that is clearer).
/// </summary>
public interface IKubeApi
{
    /// <summary>The context name and server, for messages.</summary>
    string Context { get; }
    string Server { get; }

    /// <summary>The kinds a group serves, preferred version first, then the other versions (empty when the group is not served). "" = core.</summary>
    Task<IReadOnlyList<ResourceKind>> DiscoverAsync(string group, CancellationToken ct);

    /// <summary>One page of a LIST (namespace null = all namespaces or cluster scope).</summary>
    Task<KubePage> ListPageAsync(ResourceKind kind, string? ns, string? labelSelector, int limit, string? continueToken, CancellationToken ct);

    /// <summary>The object, or null when it does not exist (404).</summary>
    Task<JsonObject?> GetAsync(ResourceKind kind, string? ns, string name, CancellationToken ct);

    /// <summary>Creates; throws <see cref="KubeConflictException"/> when it already exists.</summary>
    Task<JsonObject> CreateAsync(ResourceKind kind, string? ns, JsonObject obj, CancellationToken ct);

    /// <summary>Replaces (PUT) with the object's metadata.resourceVersion; throws <see cref="KubeConflictException"/> on 409.</summary>
    Task<JsonObject> ReplaceAsync(ResourceKind kind, string? ns, JsonObject obj, CancellationToken ct);

    /// <summary>
    /// Replaces the status subresource (PUT .../status) with the object's metadata.resourceVersion: the status a create or
    /// replace drops on kinds with a status subresource (Undo writes back the status the backup recorded).
    /// </summary>
    Task<JsonObject> ReplaceStatusAsync(ResourceKind kind, string? ns, JsonObject obj, CancellationToken ct) =>
        throw new NotSupportedException("This Kubernetes access does not write status subresources.");

    Task<JsonObject> PatchAsync(ResourceKind kind, string? ns, string name, KubePatchType type, string body, CancellationToken ct);

    /// <summary>Server-side apply (field manager ksupgrade).</summary>
    Task<JsonObject> ApplyAsync(ResourceKind kind, string? ns, JsonObject obj, bool force, CancellationToken ct);

    /// <summary>Deletes; false when it did not exist. propagation: Background, Foreground or Orphan.</summary>
    Task<bool> DeleteAsync(ResourceKind kind, string? ns, string name, string propagation, CancellationToken ct);

    /// <summary>The log of a pod's (first) container; tailLines null = all.</summary>
    Task<string> ReadPodLogAsync(string ns, string pod, int? tailLines, CancellationToken ct);

    /// <summary>Follows a pod's log; the stream ends when the container ends.</summary>
    Task<Stream> FollowPodLogAsync(string ns, string pod, CancellationToken ct);

    /// <summary>The server's gitVersion (GET /version), e.g. v1.26.15+k3s1.</summary>
    Task<string> GetServerVersionAsync(CancellationToken ct) =>
        throw new NotSupportedException($"{GetType().Name} does not read the server version.");

    /// <summary>One page of a LIST with a field selector (e.g. type=kubernetes.io/service-account-token).</summary>
    Task<KubePage> ListPageAsync(ResourceKind kind, string? ns, string? labelSelector, string? fieldSelector, int limit, string? continueToken, CancellationToken ct) =>
        fieldSelector is null
            ? ListPageAsync(kind, ns, labelSelector, limit, continueToken, ct)
            : throw new NotSupportedException($"{GetType().Name} does not list with a field selector.");

    /// <summary>Patches the status subresource (a kind whose CRD declares subresources.status).</summary>
    Task<JsonObject> PatchStatusAsync(ResourceKind kind, string? ns, string name, KubePatchType type, string body, CancellationToken ct) =>
        throw new NotSupportedException($"{GetType().Name} does not patch status subresources.");

    /// <summary>Deletes with a grace period (0: at once, for pods); false when it did not exist.</summary>
    Task<bool> DeleteAsync(ResourceKind kind, string? ns, string name, string propagation, long? gracePeriodSeconds, CancellationToken ct) =>
        DeleteAsync(kind, ns, name, propagation, ct);
}
