using System.Globalization;
using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Members;

/// <summary>
/// The one reader of <c>clusters.cluster.kubesphere.io</c> objects (JSON): Get-KsMemberCluster, Remove-KsMemberTaint, the
/// gateway preconditions, the checks and the inventory all read Cluster objects here, so "host", "Tainted" and
/// "AgentsSchedulable" mean the same everywhere.
/// </summary>
internal static class ClusterObject
{
    public const string Group = "cluster.kubesphere.io";
    public const string Version = "v1alpha1";
    public const string Plural = "clusters";
    public const string CrdName = Plural + "." + Group;
    public const string HostLabel = KsNames.HostClusterLabel;
    /// <summary>KubeSphere's default hostClusterName: the host's object when no object carries <see cref="HostLabel"/>.</summary>
    public const string DefaultHostName = "host";
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

    /// <summary>
    /// Names of the host's own Cluster object(s) in a list: those labelled cluster-role.kubesphere.io/host; when none carries
    /// the label, a cluster named "host" (the default hostClusterName).
    /// </summary>
    public static HashSet<string> HostNames(IReadOnlyList<JsonObject> objects)
    {
        var labelled = objects.Where(IsHost).Select(NameOf).ToHashSet(StringComparer.Ordinal);
        if (labelled.Count == 0 && objects.Any(o => NameOf(o) == DefaultHostName)) labelled.Add(DefaultHostName);
        return labelled;
    }

    /// <summary>Every object of a LIST, the host recognised over the whole list (<see cref="HostNames"/>), ordered by name.</summary>
    public static IReadOnlyList<KsMemberCluster> ParseAll(IReadOnlyList<JsonObject> objects, KsCluster? host)
    {
        var hostNames = HostNames(objects);
        return objects.OrderBy(NameOf, StringComparer.Ordinal).Select(o => ToMember(o, hostNames.Contains(NameOf(o)), host)).ToList();
    }

    /// <summary>The inventory's row of a parsed Cluster object (the Ready condition's reason, else its message, explains a not-Ready one).</summary>
    public static KsClusterInfo ToInfo(KsMemberCluster m)
    {
        var ready = m.Conditions.FirstOrDefault(c => c.Type == "Ready");
        return new KsClusterInfo(m.Name, m.Role == KsClusterRole.Host, m.Ready, m.Tainted, m.AgentsSchedulable,
            ready?.Reason ?? ready?.Message, m.KubernetesVersion, m.KubeSphereVersion);
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
            Tainted = schedulable is not null,
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
