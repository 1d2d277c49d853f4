using System.Globalization;
using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Members;

/// <summary>Reads a <c>clusters.cluster.kubesphere.io</c> object (JSON) into a <see cref="KsMemberCluster"/>.</summary>
internal static class ClusterObject
{
    public const string Group = "cluster.kubesphere.io";
    public const string Version = "v1alpha1";
    public const string Plural = "clusters";
    public const string CrdName = Plural + "." + Group;
    public const string HostLabel = "cluster-role.kubesphere.io/host";
    public const string SchedulableCondition = "Schedulable";

    public static string NameOf(JsonObject obj) => obj["metadata"]?["name"]?.GetValue<string>() ?? "";

    public static bool IsHost(JsonObject obj) =>
        obj["metadata"]?["labels"] is JsonObject labels && labels.ContainsKey(HostLabel);

    /// <summary>status.conditions, or an empty array when absent.</summary>
    public static JsonArray Conditions(JsonObject obj) => obj["status"]?["conditions"] as JsonArray ?? new JsonArray();

    /// <summary>Index of the first condition with the given type, or -1.</summary>
    public static int IndexOfCondition(JsonObject obj, string type)
    {
        var conditions = Conditions(obj);
        for (var i = 0; i < conditions.Count; i++)
        {
            if (conditions[i]?["type"] is JsonValue v && v.TryGetValue<string>(out var t) && t == type) return i;
        }
        return -1;
    }

    public static KsMemberCluster ToMember(JsonObject obj, bool isHost, KsCluster? host)
    {
        var conditions = Conditions(obj).OfType<JsonObject>().Select(ToCondition).ToList();
        var ready = conditions.Any(c => c.Type == "Ready" && c.Status == "True");
        var schedulable = conditions.FirstOrDefault(c => c.Type == SchedulableCondition);
        return new KsMemberCluster
        {
            Name = NameOf(obj),
            Role = isHost ? KsClusterRole.Host : KsClusterRole.Member,
            Ready = ready,
            Schedulable = schedulable is not null,
            AgentsSchedulable = ready && schedulable?.Status != "False",
            KubernetesVersion = Str(obj["status"]?["kubernetesVersion"]),
            KubeSphereVersion = Str(obj["status"]?["kubeSphereVersion"]),
            Conditions = conditions,
            HostCluster = host,
        };
    }

    private static KsClusterCondition ToCondition(JsonObject c) => new()
    {
        Type = Str(c["type"]) ?? "",
        Status = Str(c["status"]) ?? "",
        Reason = Str(c["reason"]),
        Message = Str(c["message"]),
        LastTransitionTime = DateTimeOffset.TryParse(Str(c["lastTransitionTime"]), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null,
    };

    private static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : n?.ToJsonString();
}
