using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace KsUpgrade.Hosting;

/// <summary>
/// The connections Connect-KsCluster made in one runspace, and the last one: the default of the cluster cmdlets given
/// no -Cluster and no connection parameters (the Connect- convention of Az and Microsoft.Graph). Kept per runspace, so
/// two runspaces of one process (ForEach-Object -Parallel, a runbook's jobs) never share a target.
/// </summary>
public sealed class SessionConnections
{
    private static readonly ConditionalWeakTable<Runspace, SessionConnections> ByRunspace = new();

    private readonly List<KsCluster> _all = new();

    /// <summary>The connections of the runspace running this pipeline (none outside a runspace).</summary>
    public static SessionConnections? Current => Runspace.DefaultRunspace is { } runspace ? ByRunspace.GetValue(runspace, _ => new SessionConnections()) : null;

    /// <summary>The last connection made (null: none, or it was disconnected).</summary>
    public KsCluster? Default { get; private set; }

    /// <summary>Every connection made and not disconnected, in the order first made.</summary>
    public IReadOnlyList<KsCluster> All
    {
        get { lock (_all) return _all.ToList(); }
    }

    /// <summary>Connect-KsCluster made (or renewed) this connection: it becomes the default.</summary>
    public void Connected(KsCluster cluster)
    {
        lock (_all)
        {
            if (!_all.Any(c => ReferenceEquals(c, cluster))) _all.Add(cluster);
            Default = cluster;
        }
    }

    /// <summary>Forgets a connection (the same object, else the same context and server); returns what was forgotten.</summary>
    public KsCluster? Disconnect(KsCluster cluster)
    {
        lock (_all)
        {
            var known = _all.FirstOrDefault(c => ReferenceEquals(c, cluster))
                        ?? _all.FirstOrDefault(c => c.Context == cluster.Context && c.Server == cluster.Server);
            if (known is null) return null;
            _all.Remove(known);
            if (ReferenceEquals(Default, known)) Default = null;
            return known;
        }
    }
}
