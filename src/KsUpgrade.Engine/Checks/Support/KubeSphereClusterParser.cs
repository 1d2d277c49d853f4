using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Checks;

/// <summary>Turns clusters.cluster.kubesphere.io objects into <see cref="KsClusterInfo"/> rows (domain-facts.md §4.1).</summary>
public static class KubeSphereClusterParser
{
    public static KsClusterInfo Parse(JsonObject cluster)
    {
        var name = ClusterConfigurationInfo.Str(cluster["metadata"]?["name"]) ?? "";
        var isHost = cluster["metadata"]?["labels"] is JsonObject labels && labels.ContainsKey(KsNames.HostClusterLabel);
        bool ready = false, schedulable = true;
        string? readyReason = null;
        if (cluster["status"]?["conditions"] is JsonArray conditions)
        {
            foreach (var c in conditions.OfType<JsonObject>())
            {
                var type = ClusterConfigurationInfo.Str(c["type"]);
                var status = ClusterConfigurationInfo.Str(c["status"]);
                if (type == "Ready")
                {
                    ready = status == "True";
                    readyReason = ClusterConfigurationInfo.Str(c["reason"]) ?? ClusterConfigurationInfo.Str(c["message"]);
                }
                else if (type == "Schedulable" && status == "False")
                    schedulable = false;
            }
        }
        return new KsClusterInfo(
            name, isHost, ready, schedulable, readyReason,
            ClusterConfigurationInfo.Str(cluster["status"]?["kubernetesVersion"]),
            ClusterConfigurationInfo.Str(cluster["status"]?["kubeSphereVersion"]));
    }
}
