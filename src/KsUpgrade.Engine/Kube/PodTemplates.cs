using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Kube;

/// <summary>
/// The pod spec inside a workload object (Pod, Job, CronJob, Deployment, StatefulSet, DaemonSet, ReplicaSet) and the
/// images its containers run: the one reader of "which images does this object make the kubelet pull".
/// </summary>
public static class PodTemplates
{
    /// <summary>The object's pod spec, or null for a kind that runs no pod.</summary>
    public static JsonObject? PodSpec(JsonObject obj) => obj.Str("kind") switch
    {
        "Pod" => obj["spec"] as JsonObject,
        "CronJob" => obj.At("spec", "jobTemplate", "spec", "template", "spec") as JsonObject,
        "Job" or "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet" or "ReplicationController" => obj.At("spec", "template", "spec") as JsonObject,
        _ => null,
    };

    /// <summary>Each container's name and image (init containers first, as the kubelet starts them); empty for other kinds.</summary>
    public static IEnumerable<(string Container, string Image)> Images(JsonObject obj)
    {
        if (PodSpec(obj) is not { } spec) yield break;
        foreach (var list in new[] { "initContainers", "containers" })
            foreach (var c in (spec[list] as JsonArray)?.OfType<JsonObject>() ?? Enumerable.Empty<JsonObject>())
                if (c.Str("image") is { Length: > 0 } image)
                    yield return (c.Str("name") ?? "", image);
    }
}
