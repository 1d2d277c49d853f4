namespace KsUpgrade.Sandbox.Faults;

/// <summary>A request a fault rule matched (the name is null for create and list requests).</summary>
public sealed record FaultRuleMatch(FaultRule Rule, string Cluster, string Verb, string Resource, string? Namespace, string? Name);

/// <summary>The live fault plan: request rules plus named jobs that must fail. Thread-safe.</summary>
public sealed class FaultPlan
{
    private readonly object _gate = new();
    private readonly List<(FaultRule Rule, int? Left)> _rules = new();
    private readonly HashSet<(string? Cluster, string? Namespace, string Name)> _failingJobs = new();
    private int _nextId;

    public FaultRule Add(FaultRule rule)
    {
        lock (_gate)
        {
            var r = rule with { Id = rule.Id ?? $"f{++_nextId}" };
            _rules.Add((r, r.Times));
            return r;
        }
    }

    public IReadOnlyList<FaultRule> Rules
    {
        get { lock (_gate) return _rules.Select(x => x.Rule with { Times = x.Left }).ToList(); }
    }

    public bool Remove(string id)
    {
        lock (_gate) return _rules.RemoveAll(x => x.Rule.Id == id) > 0;
    }

    public void Clear()
    {
        lock (_gate) { _rules.Clear(); _failingJobs.Clear(); _watchCuts.Clear(); }
    }

    /// <summary>
    /// Raised (outside the plan's lock, on the request's thread, before the fault acts) each time a rule matches a
    /// request: lets a test learn that a request arrived, e.g. to stop a client in the middle of a step.
    /// </summary>
    public event Action<FaultRuleMatch>? Matched;

    private readonly List<FaultRuleMatch> _watchCuts = new();

    /// <summary>The watches a rule really cut (their stream was open when the cut came), oldest first.</summary>
    public IReadOnlyList<FaultRuleMatch> WatchCuts
    {
        get { lock (_gate) return _watchCuts.ToList(); }
    }

    internal void RecordWatchCut(FaultRuleMatch cut)
    {
        lock (_gate) _watchCuts.Add(cut);
    }

    /// <summary>The first rule matching the request (consuming one of its times), or null.</summary>
    public FaultRule? Match(string cluster, string verb, string resource, string? ns, string? name)
    {
        var rule = MatchCore(cluster, verb, resource, ns, name);
        if (rule is not null) Matched?.Invoke(new FaultRuleMatch(rule, cluster, verb, resource, ns, name));
        return rule;
    }

    private FaultRule? MatchCore(string cluster, string verb, string resource, string? ns, string? name)
    {
        lock (_gate)
        {
            for (int i = 0; i < _rules.Count; i++)
            {
                var (rule, left) = _rules[i];
                if (!rule.Matches(cluster, verb, resource, ns, name)) continue;
                if (left is int n)
                {
                    if (n <= 1) _rules.RemoveAt(i); else _rules[i] = (rule, n - 1);
                }
                return rule;
            }
            return null;
        }
    }

    /// <summary>Makes the named Job fail when it runs (cluster/namespace null: any).</summary>
    public void FailJob(string name, string? cluster = null, string? ns = null)
    {
        lock (_gate) _failingJobs.Add((cluster, ns, name));
    }

    public bool JobShouldFail(string cluster, string ns, string name)
    {
        lock (_gate)
            return _failingJobs.Any(j => j.Name == name && (j.Cluster is null || j.Cluster == cluster) && (j.Namespace is null || j.Namespace == ns));
    }

    public IReadOnlyList<(string? Cluster, string? Namespace, string Name)> FailingJobs
    {
        get { lock (_gate) return _failingJobs.ToList(); }
    }
}
