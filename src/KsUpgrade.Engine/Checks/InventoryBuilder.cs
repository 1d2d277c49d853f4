
namespace KsUpgrade.Engine.Checks;

/// <summary>Builds the inventory (pre-check.sh's information part) from the run's shared reads plus one count per kind.</summary>
public static class InventoryBuilder
{
    /// <summary>The kinds counted with <see cref="IClusterReader.CountAsync"/>; pods and storageclasses come from their LISTs.</summary>
    private static readonly CountedKind[] CountedSeparately =
    {
        CountedKind.Deployments, CountedKind.Services, CountedKind.Ingresses, CountedKind.StatefulSets, CountedKind.DaemonSets,
        CountedKind.ReplicaSets, CountedKind.CronJobs, CountedKind.CustomResourceDefinitions,
        CountedKind.HorizontalPodAutoscalers, CountedKind.PersistentVolumes, CountedKind.PersistentVolumeClaims,
    };

    public static async Task<KsInventory> BuildAsync(CheckContext ctx, CancellationToken ct)
    {
        var gaps = new List<string>();
        var countsTask = ctx.Request.SkipObjectCounts
            ? Task.FromResult(Array.Empty<KsObjectCount>())
            : CountAsync(ctx.Reader, ct);
        var nodes = await ctx.Nodes.ConfigureAwait(false);
        var pods = await ctx.Pods.ConfigureAwait(false);
        var classes = await ctx.StorageClasses.ConfigureAwait(false);
        var cc = await ctx.ClusterConfiguration.ConfigureAwait(false);
        var role = await ctx.Role.ConfigureAwait(false);

        if (!nodes.IsOk) gaps.Add($"nodes: {nodes.Error}");
        if (!pods.IsOk) gaps.Add($"pods: {pods.Error}");
        if (!classes.IsOk) gaps.Add($"storageclasses: {classes.Error}");
        if (!cc.IsOk && cc.Failure != ClusterReadFailure.NotServed) gaps.Add($"clusterconfiguration: {cc.Error}");

        var podsPerNode = pods.IsOk
            ? pods.Value.Where(p => p.NodeName is not null).GroupBy(p => p.NodeName!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal)
            : new Dictionary<string, int>();
        var nodeRows = nodes.IsOk
            ? nodes.Value.OrderBy(n => n.Name, StringComparer.Ordinal).Select(n => new KsNodeInfo(
                n.Name,
                NodeStatus(n),
                n.Roles.ToArray(),
                n.KubeletVersion, n.OsImage, n.ContainerRuntime,
                podsPerNode.GetValueOrDefault(n.Name))).ToArray()
            : Array.Empty<KsNodeInfo>();
        var unhealthy = pods.IsOk
            ? pods.Value.Where(p => !p.IsRunningOrCompleted)
                .OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal)
                .Select(p => new KsPodInfo(p.Namespace, p.Name, p.DisplayStatus, p.NodeName, p.Owner)).ToArray()
            : Array.Empty<KsPodInfo>();

        KsClusterInfo[] clusters = Array.Empty<KsClusterInfo>();
        if (role is KsClusterRole.Host or KsClusterRole.None)
        {
            var list = await ctx.KubeSphereClusters.ConfigureAwait(false);
            if (list.IsOk)
                clusters = list.Value.ToArray();
            else if (list.Failure != ClusterReadFailure.NotServed)
                gaps.Add($"clusters.cluster.kubesphere.io: {list.Error}");
        }

        var counts = new List<KsObjectCount>(await countsTask.ConfigureAwait(false));
        if (!ctx.Request.SkipObjectCounts)
        {
            counts.Add(new KsObjectCount("Pods", pods.IsOk ? pods.Value.Count : null, pods.IsOk ? null : pods.Error));
            counts.Add(new KsObjectCount("StorageClasses", classes.IsOk ? classes.Value.Count : null, classes.IsOk ? null : classes.Error));
        }

        return new KsInventory
        {
            ObjectCounts = counts.OrderBy(c => Array.IndexOf(Enum.GetNames<CountedKind>(), c.Kind)).ToArray(),
            Nodes = nodeRows,
            UnhealthyPods = unhealthy,
            ComponentStatuses = cc.IsOk && cc.Value is { } info ? info.Components.ToArray() : Array.Empty<KsComponentStatus>(),
            KubeSphereClusters = clusters,
            Gaps = gaps.ToArray(),
        };
    }

    private static string NodeStatus(NodeRow n)
    {
        var s = n.IsReady ? "Ready" : n.ReadyStatus == "Unknown" ? "NotReady (Unknown)" : "NotReady";
        return n.Unschedulable ? s + ",SchedulingDisabled" : s;
    }

    private static async Task<KsObjectCount[]> CountAsync(IClusterReader reader, CancellationToken ct)
    {
        var tasks = CountedSeparately.Select(async kind =>
        {
            try
            {
                return new KsObjectCount(kind.ToString(), await reader.CountAsync(kind, ct).ConfigureAwait(false));
            }
            catch (ClusterReadException ex)
            {
                return new KsObjectCount(kind.ToString(), null, ex.Message);
            }
        });
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }
}
