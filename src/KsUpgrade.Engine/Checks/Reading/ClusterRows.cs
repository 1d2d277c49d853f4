namespace KsUpgrade.Engine.Checks;

// Small read-only records the checks work on. Readers keep only these fields, so a 20,000-pod LIST stays small in memory.

/// <summary>A node: name, Ready condition status ("True"/"False"/"Unknown", null when absent), roles and node info.</summary>
public sealed record NodeRow(
    string Name,
    string? ReadyStatus,
    bool Unschedulable,
    IReadOnlyList<string> Roles,
    string? KubeletVersion,
    string? OsImage,
    string? ContainerRuntime)
{
    public bool IsReady => ReadyStatus == "True";
}

/// <summary>A pod: where it runs, its kubectl-style display status and its `app` label (ks-installer lookup).</summary>
/// <param name="Owner">The workload the pod belongs to, "Kind/name" (a ReplicaSet's pod: its Deployment); null for a pod no controller owns.</param>
public sealed record PodRow(string Namespace, string Name, string? NodeName, string Phase, string DisplayStatus, string? AppLabel, string? Owner = null)
{
    /// <summary>"namespace/Kind/name" of the owning workload, or "namespace/Pod/name": the same across pod restarts and rollouts.</summary>
    public string OwnerKey => $"{Namespace}/{Owner ?? "Pod/" + Name}";

    /// <summary>Running (all containers fine) or Completed, as pre-check.sh and the seed guide count healthy.</summary>
    public bool IsRunningOrCompleted => DisplayStatus is "Running" or "Completed";
}

public sealed record NamespaceRow(string Name, IReadOnlyDictionary<string, string> Labels);

/// <summary>A StorageClass: default or not, its provisioner and volumeBindingMode (Immediate when not set, as the API server defaults it).</summary>
public sealed record StorageClassRow(string Name, bool IsDefault, string? Provisioner, string? VolumeBindingMode = null)
{
    public string BindingMode => string.IsNullOrEmpty(VolumeBindingMode) ? "Immediate" : VolumeBindingMode;
}

/// <summary>A PersistentVolumeClaim: its class (spec.storageClassName) and phase (Bound, Pending, Lost).</summary>
public sealed record PvcRow(string Namespace, string Name, string? StorageClass, string? Phase)
{
    public bool IsBound => Phase == "Bound";
}

/// <summary>One webhook of a Validating/MutatingWebhookConfiguration: where the API server calls it (a URL, or a Service).</summary>
/// <param name="ReleaseName">The configuration's meta.helm.sh/release-name annotation (null: not helm-owned).</param>
/// <param name="CaBundleSha256">The SHA-256 (hex) of clientConfig.caBundle, to compare CAs without holding them (null: none).</param>
public sealed record WebhookRow(string ConfigurationKind, string Configuration, string Webhook, string? Url, string? ServiceNamespace, string? ServiceName,
    string? ReleaseName = null, string? CaBundleSha256 = null)
{
    public override string ToString() => $"{ConfigurationKind} {Configuration} webhook {Webhook}" + (Url is null ? "" : " (clientConfig.url)");
}

/// <summary>A Secret of type kubernetes.io/service-account-token: whose it is and whether data.token is filled (never the token).</summary>
public sealed record ServiceAccountTokenRow(string Name, string? ServiceAccount, bool HasToken);

/// <summary>The ready addresses of an Endpoints object.</summary>
public sealed record EndpointsRow(string Namespace, string Name, IReadOnlyList<string> Addresses);

/// <summary>A deployment's replica status; Available is the `Available` condition.</summary>
/// <param name="Images">The images of the pod template's containers (init containers excluded).</param>
/// <param name="Rollout">How far the rollout of the current template got (null: not read).</param>
public sealed record DeploymentRow(string Namespace, string Name, int Replicas, int AvailableReplicas, bool AvailableCondition, IReadOnlyList<string>? Images = null,
    DeploymentRollout? Rollout = null)
{
    public bool IsAvailable => AvailableCondition && AvailableReplicas >= Math.Max(1, Replicas);
}

/// <summary>
/// A Deployment's rollout, as <c>kubectl rollout status</c> judges it: the controller has seen the current template
/// (status.observedGeneration ≥ metadata.generation), every replica runs it (status.updatedReplicas = spec.replicas) and
/// no pod of an older template is left (status.replicas = updatedReplicas). Until then old pods may still be the ones
/// serving, whatever the template says.
/// </summary>
public sealed record DeploymentRollout(long Generation, long ObservedGeneration, int UpdatedReplicas, int StatusReplicas)
{
    public bool IsComplete(int specReplicas) =>
        ObservedGeneration >= Generation && UpdatedReplicas >= specReplicas && StatusReplicas <= UpdatedReplicas;

    /// <summary>The one reading of a Deployment's rollout (the checks' reader and the gateway evidence use it).</summary>
    public static DeploymentRollout Of(k8s.Models.V1Deployment d) =>
        new(d.Metadata?.Generation ?? 0, d.Status?.ObservedGeneration ?? 0, d.Status?.UpdatedReplicas ?? 0, d.Status?.Replicas ?? 0);

    public string Describe(int specReplicas) => ObservedGeneration < Generation
        ? $"the controller has not seen the current template yet (generation {Generation}, observed {ObservedGeneration})"
        : $"{UpdatedReplicas} of {specReplicas} replicas run the current template, {StatusReplicas} pods in all";
}

/// <summary>Which helm releases to read: one namespace (null = all), one exact name or a name prefix.</summary>
public sealed record HelmReleaseQuery(string? Namespace, string? Name = null, string? NamePrefix = null)
{
    public bool Matches(string releaseName) =>
        (Name is null || releaseName == Name) && (NamePrefix is null || releaseName.StartsWith(NamePrefix, StringComparison.Ordinal));
}

/// <summary>A custom kind addressed through the generic custom-objects API.</summary>
public sealed record CustomKind(string Group, string Version, string Plural, bool Namespaced)
{
    public string CrdName => $"{Plural}.{Group}";

    public static CustomKind ClusterConfiguration { get; } = new("installer.kubesphere.io", "v1alpha1", "clusterconfigurations", true);
    public static CustomKind KubeSphereCluster { get; } = new("cluster.kubesphere.io", "v1alpha1", "clusters", false);
    /// <summary>Repository (the extensions museum is `extensions-museum`), KubeSphere 4.</summary>
    public static CustomKind Repository { get; } = new("kubesphere.io", "v1alpha1", "repositories", false);
    /// <summary>InstallPlan (one per extension installed), KubeSphere 4.</summary>
    public static CustomKind InstallPlan { get; } = new("kubesphere.io", "v1alpha1", "installplans", false);
}

/// <summary>An object a chart will create (kind/namespace/name), for the helm adoption check.</summary>
public sealed record ChartResourceRef(string ApiVersion, string Kind, string? Namespace, string Name, string? Plural = null)
{
    public string Group => ApiVersion.Contains('/') ? ApiVersion[..ApiVersion.IndexOf('/')] : "";
    public string Version => ApiVersion.Contains('/') ? ApiVersion[(ApiVersion.IndexOf('/') + 1)..] : ApiVersion;
    public override string ToString() => Namespace is null ? $"{Kind}/{Name}" : $"{Kind} {Namespace}/{Name}";
}

/// <summary>The helm ownership metadata of an existing object.</summary>
public sealed record ObjectOwnership(string? ManagedBy, string? ReleaseName, string? ReleaseNamespace)
{
    public bool IsOwnedBy(string release, string releaseNamespace) =>
        ManagedBy == "Helm" && ReleaseName == release && ReleaseNamespace == releaseNamespace;
}

/// <summary>The kinds pre-check.sh counts. Pods and StorageClasses are counted from their full LISTs.</summary>
public enum CountedKind
{
    Deployments,
    Services,
    Ingresses,
    StatefulSets,
    Pods,
    DaemonSets,
    ReplicaSets,
    StorageClasses,
    CronJobs,
    CustomResourceDefinitions,
    HorizontalPodAutoscalers,
    PersistentVolumes,
    PersistentVolumeClaims,
}

/// <summary>An Ingress and the IngressClass it names (spec.ingressClassName; null when it names none).</summary>
public sealed record IngressRow(string Namespace, string Name, string? ClassName);
