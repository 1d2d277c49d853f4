namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>Every node Ready (pre-check.sh parity).</summary>
public sealed class NodesReadyCheck : ClusterCheck
{
    public override string Id => "NodesReady";
    public override string Title => "All nodes are Ready";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var nodes = await ctx.Nodes.ConfigureAwait(false);
        if (!nodes.IsOk)
            return CannotRead(nodes);
        if (nodes.Value.Count == 0)
            return Failed("The cluster has no nodes.", "Check that you are connected to the right cluster.");
        var notReady = nodes.Value.Where(n => !n.IsReady).ToList();
        if (notReady.Count == 0)
            return Passed($"All {nodes.Value.Count} nodes are Ready.");
        return Failed(
            $"{notReady.Count} of {nodes.Value.Count} nodes are not Ready: {NameList(notReady.Select(n => $"{n.Name} (Ready={n.ReadyStatus ?? "missing"})"))}.",
            "Bring the nodes back to Ready (kubelet, network, disk pressure) or remove them from the cluster before upgrading.",
            notReady.Cast<object>().ToArray());
    }
}
