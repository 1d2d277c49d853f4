using System.Collections.Concurrent;

namespace KsUpgrade.Sandbox.Faults;

/// <summary>One counter: requests of a verb on a resource in a cluster.</summary>
public sealed record RequestCount(string Cluster, string Verb, string Resource, long Count);

/// <summary>Counts every API request per cluster, verb and resource.</summary>
public sealed class RequestCounts
{
    private readonly ConcurrentDictionary<(string Cluster, string Verb, string Resource), long> _counts = new();

    public void Add(string cluster, string verb, string resource) =>
        _counts.AddOrUpdate((cluster, verb, resource), 1, (_, n) => n + 1);

    public long Get(string cluster, string verb, string resource) =>
        _counts.TryGetValue((cluster, verb, resource), out var n) ? n : 0;

    /// <summary>Total requests, optionally of one cluster.</summary>
    public long Total(string? cluster = null) =>
        _counts.Where(kv => cluster is null || kv.Key.Cluster == cluster).Sum(kv => kv.Value);

    public IReadOnlyList<RequestCount> Snapshot() =>
        _counts.Select(kv => new RequestCount(kv.Key.Cluster, kv.Key.Verb, kv.Key.Resource, kv.Value))
            .OrderBy(c => c.Cluster).ThenBy(c => c.Resource).ThenBy(c => c.Verb).ToList();

    public void Reset() => _counts.Clear();
}
