using KsUpgrade.Engine.Diagnostics;

namespace KsUpgrade.Engine.Fleet;

/// <summary>
/// The log one cluster's work in a fleet writes to: every record is tagged with the cluster (a "[name] " prefix, and the
/// Information tag <c>KsUpgrade.Cluster:&lt;name&gt;</c>), its progress bars become children of the cluster's bar (itself a
/// child of the fleet's bar) under ids of their own, its result objects are kept for the fleet's per-cluster result
/// instead of being written, and its ShouldProcess questions are answered yes: the fleet was confirmed as a whole.
/// Records of one cluster reach the cmdlet's queue in the order its (sequential) work wrote them.
/// </summary>
internal sealed class FleetClusterLog(IEngineLog inner, string name, int barId, int fleetBarId) : ForwardingEngineLog(inner)
{
    /// <summary>The Information tag prefix naming the cluster a record is about.</summary>
    public const string ClusterTagPrefix = "KsUpgrade.Cluster:";

    private readonly string _prefix = $"[{name}] ";
    private readonly Dictionary<int, int> _ids = new();
    private readonly List<object> _outputs = new();

    public int BarId => barId;

    public override void Verbose(string message) => Inner.Verbose(_prefix + message);
    public override void Debug(string message) => Inner.Debug(_prefix + message);
    public override void Warning(string message) => Inner.Warning(_prefix + message);

    public override void Information(string message, params string[] tags) =>
        Inner.Information(_prefix + message, (tags.Length == 0 ? new[] { "KsUpgrade" } : tags).Append(ClusterTagPrefix + name).ToArray());

    public override void Progress(int activityId, string activity, string status, int percent = -1, bool completed = false, int parentId = -1) =>
        Inner.Progress(Map(activityId), $"{name}: {activity}", status, percent, completed, parentId < 0 ? barId : Map(parentId));

    /// <summary>The cluster's own bar (a child of the fleet's).</summary>
    public void Bar(string status, int percent = -1, bool completed = false) =>
        Inner.Progress(barId, name, status, percent, completed, fleetBarId);

    public override void Output(object result)
    {
        lock (_outputs) _outputs.Add(result);
    }

    /// <summary>The last upgrade result the cluster's upgrade wrote (it writes it also when a step fails, before the error).</summary>
    public KsUpgradeResult? LastUpgradeResult()
    {
        lock (_outputs) return _outputs.OfType<KsUpgradeResult>().LastOrDefault();
    }

    public override Task<bool> ShouldProcessAsync(string target, string action)
    {
        Inner.Verbose($"{_prefix}{target}: {FirstLine(action)}");
        return Task.FromResult(true);
    }

    private int Map(int inner)
    {
        lock (_ids)
        {
            if (!_ids.TryGetValue(inner, out var id)) _ids[inner] = id = barId + 1 + _ids.Count % 98;
            return id;
        }
    }

    private static string FirstLine(string s)
    {
        var nl = s.IndexOf('\n');
        return nl < 0 ? s : s[..nl].TrimEnd('\r', ':');
    }
}
