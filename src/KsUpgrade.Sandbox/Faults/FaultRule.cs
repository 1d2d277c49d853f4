namespace KsUpgrade.Sandbox.Faults;

/// <summary>
/// One rule of the fault plan: requests matching verb + resource (+ name, + cluster) get an HTTP error status,
/// a delay, or a dropped connection; <see cref="Times"/> times (null: always).
/// </summary>
public sealed record FaultRule
{
    /// <summary>Assigned by the plan when the rule is added.</summary>
    public string? Id { get; init; }
    /// <summary>get, list, watch, create, update, patch, delete, deletecollection, or * for all.</summary>
    public string Verb { get; init; } = "*";
    /// <summary>Plural resource name (e.g. "jobs", "secrets"; subresources as "pods/log"), or * for all.</summary>
    public string Resource { get; init; } = "*";
    public string? Name { get; init; }
    public string? Namespace { get; init; }
    public string? Cluster { get; init; }
    /// <summary>HTTP status to answer (e.g. 500, 503, 429); null only delays or drops.</summary>
    public int? Status { get; init; }
    /// <summary>Retry-After seconds sent with the status (429/503).</summary>
    public int? RetryAfterSeconds { get; init; }
    public string? Message { get; init; }
    public int DelayMs { get; init; }
    public bool DropConnection { get; init; }
    /// <summary>
    /// A concurrent writer: before answering, the target object (when it exists) is rewritten, so its resourceVersion
    /// really moves on, then the request is answered 409 — reason Conflict ("the object has been modified; please apply
    /// your changes to the latest version and try again") for update/patch/delete, AlreadyExists for create.
    /// </summary>
    public bool ConcurrentWrite { get; init; }
    /// <summary>Watch requests only: the watch is answered and serves events, then its stream is cut (connection aborted, no clean end) after this many events.</summary>
    public int? CutWatchAfterEvents { get; init; }
    /// <summary>Watch requests only: the stream is cut this many milliseconds after it was answered (whichever of the two cuts comes first).</summary>
    public int? CutWatchAfterMs { get; init; }
    /// <summary>How many matching requests the rule affects; null means always.</summary>
    public int? Times { get; init; }

    /// <summary>True when the rule cuts watch streams (it then lets the watch be answered).</summary>
    public bool CutsWatch => CutWatchAfterEvents is not null || CutWatchAfterMs is not null;

    internal bool Matches(string cluster, string verb, string resource, string? ns, string? name) =>
        (Verb == "*" || string.Equals(Verb, verb, StringComparison.OrdinalIgnoreCase))
        && (Resource == "*" || string.Equals(Resource, resource, StringComparison.OrdinalIgnoreCase))
        && (Name is null || Name == name)
        && (Namespace is null || Namespace == ns)
        && (Cluster is null || Cluster == cluster);
}
