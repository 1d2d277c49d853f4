namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>
/// Places user app pods so every node runs at least PodsPerNode pods: each node already runs the four per-node
/// DaemonSet pods (calico-node, kube-proxy, nodelocaldns, node-exporter); the rest are replicas of the user
/// namespaces' app Deployments, spread round-robin. Then adds the user app workloads to the seed.
/// </summary>
public static class PodFillPart
{
    public const int DaemonSetPodsPerNode = 4;
    public const int DefaultPodsPerNode = 5;

    public static void Add(SeedContext ctx)
    {
        var perNode = ctx.Profile.PodsPerNode ?? DefaultPodsPerNode;
        var extra = Math.Max(0, perNode - DaemonSetPodsPerNode);
        var apps = ctx.UserApps;
        if (apps.Count > 0 && extra > 0)
        {
            var next = 0;
            foreach (var node in ctx.Nodes)
                for (var i = 0; i < extra; i++)
                    Building.Workloads.AddReplica(apps[next++ % apps.Count], node, ctx.NextPodIp(node));
        }
        foreach (var app in apps) ctx.Add(app);
    }
}
