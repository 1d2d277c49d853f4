namespace KsUpgrade.Sandbox.Faults;

/// <summary>A request a fault rule matched (the name is null for create and list requests).</summary>
public sealed record FaultRuleMatch(FaultRule Rule, string Cluster, string Verb, string Resource, string? Namespace, string? Name);

/// <summary>An image the kubelet cannot pull (cluster null: every cluster; message null: not found).</summary>
public sealed record UnpullableImage(string? Cluster, string Image, string? Message);

/// <summary>The live fault plan: request rules, named jobs that must fail, images that cannot be pulled. Thread-safe.</summary>
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
        lock (_gate) { _rules.Clear(); _failingJobs.Clear(); _watchCuts.Clear(); _unpullable.Clear(); }
    }

    private readonly List<UnpullableImage> _unpullable = new();

    /// <summary>
    /// Makes an image fail to pull in the cluster (null: every cluster), as the kubelet reports it: the container waits
    /// with ErrImagePull, then ImagePullBackOff, and the pod stays Pending. <paramref name="image"/> is the whole
    /// reference, or a reference without tag to fail every tag of that repository. <paramref name="message"/> is the
    /// runtime's error (default: the reference was not found).
    /// </summary>
    public void FailImagePull(string image, string? cluster = null, string? message = null)
    {
        lock (_gate) _unpullable.Add(new UnpullableImage(cluster, image, message));
    }

    public IReadOnlyList<UnpullableImage> UnpullableImages
    {
        get { lock (_gate) return _unpullable.ToList(); }
    }

    /// <summary>The kubelet's ErrImagePull message for an image the plan makes unpullable in this cluster, or null.</summary>
    public string? ImagePullError(string cluster, string image)
    {
        UnpullableImage? rule;
        lock (_gate)
            rule = _unpullable.LastOrDefault(u => (u.Cluster is null || u.Cluster == cluster)
                                                  && (u.Image == image || (!u.Image.Contains('@') && LastSegmentHasNoTag(u.Image) && image.StartsWith(u.Image + ":", StringComparison.Ordinal))));
        if (rule is null) return null;
        var why = rule.Message ?? $"failed to resolve reference \"{image}\": {image}: not found";
        return $"failed to pull and unpack image \"{image}\": {why}";
    }

    private static bool LastSegmentHasNoTag(string image) => !image[(image.LastIndexOf('/') + 1)..].Contains(':');

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
