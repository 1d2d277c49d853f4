namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// With -Chart: objects the chart will create that already exist without helm ownership for release ks-core in
/// kubesphere-system. helm would fail with "invalid ownership metadata". Objects the prepare-upgrade iam job adopts and
/// the old redis objects the upgrade deletes are not conflicts (domain-facts.md §2).
/// </summary>
public sealed class ChartAdoptionCheck : ClusterCheck
{
    private const int Parallelism = 8;

    /// <summary>(kind, namespace, name) the upgrade itself makes adoptable: adopted by ks-upgrade iam prepare, or deleted (redis).</summary>
    public static readonly IReadOnlySet<(string Kind, string? Namespace, string Name)> HandledByUpgrade = new HashSet<(string, string?, string)>
    {
        ("ConfigMap", KsNames.KubeSphereSystem, KsNames.KubeSphereConfig),
        ("GlobalRole", null, "anonymous"), ("GlobalRole", null, "authenticated"), ("GlobalRole", null, "platform-admin"),
        ("GlobalRole", null, "platform-regular"), ("GlobalRole", null, "platform-self-provisioner"), ("GlobalRole", null, "pre-registration"),
        ("GlobalRoleBinding", null, "admin"), ("GlobalRoleBinding", null, "anonymous"), ("GlobalRoleBinding", null, "authenticated"),
        ("GlobalRoleBinding", null, "pre-registration"),
        ("WorkspaceTemplate", null, "system-workspace"),
        ("Repository", null, "extensions-museum"),
        ("Secret", KsNames.KubeSphereSystem, "redis-secret"), ("Service", KsNames.KubeSphereSystem, "redis"),
        ("Deployment", KsNames.KubeSphereSystem, "redis"), ("PersistentVolumeClaim", KsNames.KubeSphereSystem, "redis-pvc"),
        ("ConfigMap", KsNames.KubeSphereSystem, "redis-configmap"),
    };

    private static readonly HashSet<string> NamespacedBuiltins = new(StringComparer.Ordinal)
    {
        "ConfigMap", "Secret", "Service", "ServiceAccount", "PersistentVolumeClaim", "Endpoints", "Pod", "Deployment",
        "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Role", "RoleBinding", "Ingress", "NetworkPolicy",
        "HorizontalPodAutoscaler", "PodDisruptionBudget",
    };

    private static readonly HashSet<string> ClusterScopedBuiltins = new(StringComparer.Ordinal)
    {
        "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration", "StorageClass", "PersistentVolume", "PriorityClass", "IngressClass", "APIService",
    };

    public override string Id => "ChartAdoption";
    public override string Title => "Chart objects can be adopted by release ks-core";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var resources = ctx.Request.ChartResources;
        if (resources is null)
            return Skipped("No chart given (-Chart); the adoption check needs the chart's objects.");
        var handled = new List<ChartResourceRef>();
        var toCheck = new List<ChartResourceRef>();
        foreach (var raw in resources.Distinct())
        {
            var r = raw.Namespace is null && NamespacedBuiltins.Contains(raw.Kind) ? raw with { Namespace = KsNames.KubeSphereSystem } : raw;
            (HandledByUpgrade.Contains((r.Kind, r.Namespace, r.Name)) ? handled : toCheck).Add(r);
        }

        var conflicts = new List<ChartAdoptionConflict>();
        var unverified = new List<string>();
        using var gate = new SemaphoreSlim(Parallelism);
        var tasks = toCheck.Select(async resource =>
        {
            var r = resource;
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var owner = await ctx.Reader.GetOwnershipAsync(r, ct).ConfigureAwait(false);
                if (owner is null && r.Namespace is null && !ClusterScopedBuiltins.Contains(r.Kind))
                {
                    // A custom kind rendered without metadata.namespace: cluster-scoped, or namespaced into the
                    // release namespace. Only one of the two paths can hold it.
                    owner = await ctx.Reader.GetOwnershipAsync(r with { Namespace = KsNames.KubeSphereSystem }, ct).ConfigureAwait(false);
                    if (owner is not null)
                        r = r with { Namespace = KsNames.KubeSphereSystem };
                }
                if (owner is not null && !owner.IsOwnedBy(KsNames.KsCoreRelease, KsNames.KubeSphereSystem))
                    lock (conflicts) conflicts.Add(new ChartAdoptionConflict(r.Kind, r.Namespace, r.Name, owner.ManagedBy, owner.ReleaseName, owner.ReleaseNamespace));
            }
            catch (ClusterReadException ex) when (ex.Failure == ClusterReadFailure.NotServed)
            {
                // the kind is not served yet (a CRD the chart brings): nothing can conflict
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                lock (unverified) unverified.Add($"{r} ({(ex is OperationCanceledException ? "timed out" : ex.Message)})");
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks).ConfigureAwait(false);

        var handledNote = handled.Count == 0 ? "" : $" {handled.Count} chart objects are adopted or replaced by the upgrade itself (ks-upgrade prepare, redis removal) and were not checked.";
        if (conflicts.Count > 0)
        {
            var sorted = conflicts.OrderBy(c => c.Kind).ThenBy(c => c.Namespace).ThenBy(c => c.Name).ToList();
            return Failed($"{conflicts.Count} objects the chart creates already exist without ks-core ownership (helm would fail with \"invalid ownership metadata\"): {NameList(sorted.Select(c => c.ToString()))}.{handledNote}",
                "For each object: delete it if KubeSphere 4 recreates it, or let helm adopt it: label app.kubernetes.io/managed-by=Helm and annotate meta.helm.sh/release-name=ks-core, meta.helm.sh/release-namespace=kubesphere-system.",
                sorted.Cast<object>().ToArray());
        }
        if (unverified.Count > 0)
            return Warning($"Could not verify {unverified.Count} of {toCheck.Count} chart objects: {NameList(unverified, 5)}.",
                "Run Test-KsCluster with an identity that may read these kinds.", unverified.Cast<object>().ToArray());
        return Passed($"None of the chart's {resources.Count} objects conflicts with existing objects.{handledNote}");
    }
}

/// <summary>An existing object the chart would create, with the helm ownership it carries.</summary>
public sealed record ChartAdoptionConflict(string Kind, string? Namespace, string Name, string? ManagedBy, string? ReleaseName, string? ReleaseNamespace)
{
    public override string ToString()
    {
        var where = Namespace is null ? $"{Kind}/{Name}" : $"{Kind} {Namespace}/{Name}";
        return ReleaseName is null ? where : $"{where} (owned by release {ReleaseNamespace}/{ReleaseName})";
    }
}
