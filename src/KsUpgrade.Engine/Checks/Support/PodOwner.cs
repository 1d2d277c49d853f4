using k8s.Models;

namespace KsUpgrade.Engine.Checks;

/// <summary>
/// The workload a pod belongs to, as "Kind/name", stable across restarts and rollouts: the controller owner reference,
/// with a Deployment's ReplicaSet ("ks-apiserver-6d9f8b7c5", label pod-template-hash=6d9f8b7c5) named by its Deployment.
/// Null for a pod no controller owns.
/// </summary>
public static class PodOwner
{
    public static string? Of(V1Pod pod)
    {
        var owner = pod.Metadata?.OwnerReferences?.FirstOrDefault(r => r.Controller == true) ?? pod.Metadata?.OwnerReferences?.FirstOrDefault();
        if (owner is null || string.IsNullOrEmpty(owner.Kind) || string.IsNullOrEmpty(owner.Name)) return null;
        return Of(owner.Kind, owner.Name, pod.Metadata?.Labels is { } l && l.TryGetValue("pod-template-hash", out var h) ? h : null);
    }

    /// <summary>"Kind/name"; a ReplicaSet named "&lt;deployment&gt;-&lt;pod-template-hash&gt;" becomes "Deployment/&lt;deployment&gt;".</summary>
    public static string Of(string kind, string name, string? podTemplateHash)
    {
        if (kind == "ReplicaSet" && !string.IsNullOrEmpty(podTemplateHash) && name.EndsWith("-" + podTemplateHash, StringComparison.Ordinal)
            && name.Length > podTemplateHash.Length + 1)
            return "Deployment/" + name[..^(podTemplateHash.Length + 1)];
        return $"{kind}/{name}";
    }
}
