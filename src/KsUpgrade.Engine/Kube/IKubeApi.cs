using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Kube;

/// <summary>One page of a LIST: its items and the continue token of the next page (null at the end).</summary>
public sealed record KubePage(IReadOnlyList<JsonObject> Items, string? Continue);

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
/// The generic, JSON-object view of the Kubernetes API the upgrade engine uses. The real implementation
/// (<see cref="KubeApi"/>) retries transient failures and maps fatal ones to KsUpgradeExceptions;
/// tests use an in-memory one. Objects are plain JSON (System.Text.Json.Nodes): no typed models, so any kind works.
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
}
