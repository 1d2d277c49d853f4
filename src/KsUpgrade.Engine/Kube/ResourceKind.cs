namespace KsUpgrade.Engine.Kube;

/// <summary>A served resource type: group ("" for core), version, plural, kind and scope.</summary>
public sealed record ResourceKind(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>plural.group (e.g. deployments.apps, configmaps), as kubectl names it.</summary>
    public string FullName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public override string ToString() => $"{Kind} ({FullName}/{Version})";

    public static readonly ResourceKind ConfigMaps = new("", "v1", "configmaps", "ConfigMap", true);
    public static readonly ResourceKind Secrets = new("", "v1", "secrets", "Secret", true);
    public static readonly ResourceKind Namespaces = new("", "v1", "namespaces", "Namespace", false);
    public static readonly ResourceKind Endpoints = new("", "v1", "endpoints", "Endpoints", true);
    public static readonly ResourceKind Services = new("", "v1", "services", "Service", true);
    public static readonly ResourceKind Pods = new("", "v1", "pods", "Pod", true);
    public static readonly ResourceKind PersistentVolumeClaims = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true);
    public static readonly ResourceKind ServiceAccounts = new("", "v1", "serviceaccounts", "ServiceAccount", true);
    public static readonly ResourceKind Deployments = new("apps", "v1", "deployments", "Deployment", true);
    public static readonly ResourceKind StatefulSets = new("apps", "v1", "statefulsets", "StatefulSet", true);
    public static readonly ResourceKind DaemonSets = new("apps", "v1", "daemonsets", "DaemonSet", true);
    public static readonly ResourceKind Jobs = new("batch", "v1", "jobs", "Job", true);
    public static readonly ResourceKind Roles = new("rbac.authorization.k8s.io", "v1", "roles", "Role", true);
    public static readonly ResourceKind RoleBindings = new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true);
    public static readonly ResourceKind ClusterRoles = new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false);
    public static readonly ResourceKind ClusterRoleBindings = new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false);
    public static readonly ResourceKind CustomResourceDefinitions = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false);
    public static readonly ResourceKind Nodes = new("", "v1", "nodes", "Node", false);
    public static readonly ResourceKind PersistentVolumes = new("", "v1", "persistentvolumes", "PersistentVolume", false);
    public static readonly ResourceKind ReplicaSets = new("apps", "v1", "replicasets", "ReplicaSet", true);
    public static readonly ResourceKind CronJobs = new("batch", "v1", "cronjobs", "CronJob", true);
    public static readonly ResourceKind Ingresses = new("networking.k8s.io", "v1", "ingresses", "Ingress", true);
    public static readonly ResourceKind IngressClasses = new("networking.k8s.io", "v1", "ingressclasses", "IngressClass", false);
    public static readonly ResourceKind StorageClasses = new("storage.k8s.io", "v1", "storageclasses", "StorageClass", false);
    public static readonly ResourceKind HorizontalPodAutoscalers = new("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true);
    public static readonly ResourceKind ValidatingWebhookConfigurations = new("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false);
    public static readonly ResourceKind MutatingWebhookConfigurations = new("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false);
    public static readonly ResourceKind ClusterConfigurations = new("installer.kubesphere.io", "v1alpha1", "clusterconfigurations", "ClusterConfiguration", true);

    /// <summary>Built-in kinds by apiVersion and kind, to map manifest objects without discovery.</summary>
    public static readonly IReadOnlyList<ResourceKind> BuiltIn = new[]
    {
        ConfigMaps, Secrets, Namespaces, Endpoints, Services, Pods, PersistentVolumeClaims, ServiceAccounts,
        Deployments, StatefulSets, DaemonSets, Jobs, Roles, RoleBindings, ClusterRoles, ClusterRoleBindings, CustomResourceDefinitions,
        new ResourceKind("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true),
        Ingresses,
        new ResourceKind("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true),
        CronJobs,
    };

    public static (string Group, string Version) SplitApiVersion(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/');
        return slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
    }
}
