namespace KsUpgrade.Sandbox.Authorization;

/// <summary>One authorization decision as recorded by <see cref="AccessLog"/> (no tokens: identities are names).</summary>
public sealed record AccessRecord(string Cluster, RequestAttributes Attributes, bool Allowed);

/// <summary>
/// Records what every request asked to do and whether RBAC allowed it (the admin's requests are recorded as allowed),
/// while enabled. Off by default; tests use it to derive the rights a run needs.
/// </summary>
public sealed class AccessLog
{
    private readonly object _gate = new();
    private readonly List<AccessRecord> _records = new();
    private volatile bool _enabled;

    public bool Enabled { get => _enabled; set => _enabled = value; }

    internal void Add(AccessRecord record)
    {
        if (!_enabled) return;
        lock (_gate) _records.Add(record);
    }

    public IReadOnlyList<AccessRecord> Snapshot() { lock (_gate) return _records.ToList(); }

    public void Clear() { lock (_gate) _records.Clear(); }
}
