namespace KsUpgrade.Sandbox.Api;

/// <summary>The built-in Kubernetes resource types the sandbox serves, with their discovery facts.</summary>
public static class BuiltinResources
{
    private static readonly string[] All_ = { "all" };

    public static IReadOnlyList<ResourceType> All { get; } = Build();

    /// <summary>The built-ins a server of that minor version serves.</summary>
    public static IReadOnlyList<ResourceType> For(int minor) => All.Where(t => t.SinceMinor <= minor).ToList();

    private static ResourceType T(string group, string version, string plural, string kind, bool ns,
        string[]? shortNames = null, string[]? categories = null, bool status = false, bool scale = false, bool log = false)
        => new()
        {
            Group = group, Version = version, Plural = plural, Kind = kind, Namespaced = ns,
            Singular = kind.ToLowerInvariant(), ShortNames = shortNames ?? Array.Empty<string>(),
            Categories = categories ?? Array.Empty<string>(), HasStatus = status, HasScale = scale, HasLog = log,
        };

    private static IReadOnlyList<ResourceType> Build() => new[]
    {
        T("", "v1", "namespaces", "Namespace", false, new[] { "ns" }, status: true),
        T("", "v1", "nodes", "Node", false, new[] { "no" }, status: true),
        T("", "v1", "pods", "Pod", true, new[] { "po" }, All_, status: true, log: true),
        T("", "v1", "services", "Service", true, new[] { "svc" }, All_, status: true),
        T("", "v1", "endpoints", "Endpoints", true, new[] { "ep" }),
        T("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true),
        T("", "v1", "configmaps", "ConfigMap", true, new[] { "cm" }),
        T("", "v1", "secrets", "Secret", true),
        T("", "v1", "serviceaccounts", "ServiceAccount", true, new[] { "sa" }) with { HasToken = true },
        T("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, new[] { "pvc" }, status: true),
        T("", "v1", "persistentvolumes", "PersistentVolume", false, new[] { "pv" }, status: true),
        T("", "v1", "events", "Event", true, new[] { "ev" }),
        T("", "v1", "limitranges", "LimitRange", true, new[] { "limits" }),
        T("", "v1", "resourcequotas", "ResourceQuota", true, new[] { "quota" }, status: true),
        T("apps", "v1", "deployments", "Deployment", true, new[] { "deploy" }, All_, status: true, scale: true),
        T("apps", "v1", "statefulsets", "StatefulSet", true, new[] { "sts" }, All_, status: true, scale: true),
        T("apps", "v1", "daemonsets", "DaemonSet", true, new[] { "ds" }, All_, status: true),
        T("apps", "v1", "replicasets", "ReplicaSet", true, new[] { "rs" }, All_, status: true, scale: true),
        T("apps", "v1", "controllerrevisions", "ControllerRevision", true),
        T("batch", "v1", "jobs", "Job", true, null, All_, status: true),
        T("batch", "v1", "cronjobs", "CronJob", true, new[] { "cj" }, All_, status: true),
        T("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, new[] { "hpa" }, All_, status: true),
        T("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
        T("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
        T("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
        T("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
        T("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, new[] { "sc" }),
        T("networking.k8s.io", "v1", "ingresses", "Ingress", true, new[] { "ing" }, status: true),
        T("networking.k8s.io", "v1", "ingressclasses", "IngressClass", false),
        T("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, new[] { "netpol" }),
        T("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, new[] { "pdb" }, status: true),
        T("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false, categories: new[] { "api-extensions" }),
        T("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false, categories: new[] { "api-extensions" }),
        T("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, new[] { "crd", "crds" }, new[] { "api-extensions" }, status: true),
        T("apiregistration.k8s.io", "v1", "apiservices", "APIService", false, categories: new[] { "api-extensions" }, status: true),
        T("coordination.k8s.io", "v1", "leases", "Lease", true),
        T("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false, new[] { "pc" }),
        T("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false) with { Virtual = true },
        T("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", false) with { Virtual = true },
        T("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false) with { Virtual = true },
        // authentication.k8s.io/v1 SelfSubjectReview is GA (served by default) from 1.28; a 1.26 server has none.
        T("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false) with { Virtual = true, SinceMinor = 28 },
        // TokenReview (who does this token belong to?), served by every version we seed.
        T("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", false) with { Virtual = true },
    };
}
