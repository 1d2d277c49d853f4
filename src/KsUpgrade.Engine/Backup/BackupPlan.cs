using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Backup;

/// <summary>A resource to back up, named by group and plural (its version comes from discovery).</summary>
public sealed record BackupSource(string Group, string Plural, string? Namespace = null, string? Name = null)
{
    public string Display => (Group.Length == 0 ? Plural : $"{Plural}.{Group}") + (Namespace is null ? "" : $" in {Namespace}") + (Name is null ? "" : $" named {Name}");
}

/// <summary>One backup file and the sources written into it, in order.</summary>
public sealed record BackupFilePlan(string FileName, IReadOnlyList<BackupSource> Sources, bool Sensitive);

/// <summary>What upgrade.sh backs up, with its file names (upgrade-reference §2 step 3).</summary>
public static class BackupPlan
{
    public const string SystemWorkspaceSelector = "kubesphere.io/workspace=system-workspace";
    public const string DevopsWorkerNamespace = "kubesphere-devops-worker";
    public const string Iam = "iam.kubesphere.io";
    public const string Tenant = "tenant.kubesphere.io";
    public const string Rbac = "rbac.authorization.k8s.io";

    /// <summary>Per namespace: configmaps, secrets, statefulsets, deployments, daemonsets.</summary>
    public static BackupFilePlan ForNamespace(string ns) => new($"backup-{ns}.yaml", new[]
    {
        new BackupSource("", "configmaps", ns),
        new BackupSource("", "secrets", ns),
        new BackupSource("apps", "statefulsets", ns),
        new BackupSource("apps", "deployments", ns),
        new BackupSource("apps", "daemonsets", ns),
    }, Sensitive: true);

    /// <summary>The cluster-wide files: cc, IAM kinds, tenant kinds.</summary>
    public static IReadOnlyList<BackupFilePlan> ClusterFiles()
    {
        var files = new List<BackupFilePlan>
        {
            new("backup-cc.yaml", new[] { new BackupSource(ResourceKind.ClusterConfigurations.Group, "clusterconfigurations", "kubesphere-system", "ks-installer") }, false),
        };
        (string Group, string Plural)[] iam =
        {
            (Iam, "users"), (Iam, "globalroles"), (Iam, "globalrolebindings"), (Rbac, "roles"), (Rbac, "rolebindings"),
            (Iam, "workspaceroles"), (Iam, "workspacerolebindings"), (Rbac, "clusterroles"), (Rbac, "clusterrolebindings"),
            (Iam, "groups"), (Iam, "groupbindings"),
        };
        // users hold password hashes: owner-only like Secrets.
        files.AddRange(iam.Select(k => new BackupFilePlan($"backup-iam-{k.Plural}.yaml", new[] { new BackupSource(k.Group, k.Plural) }, k.Plural == "users")));
        (string Group, string Plural)[] tenant = { (Tenant, "workspacetemplates"), (Tenant, "workspaces"), ("", "namespaces") };
        files.AddRange(tenant.Select(k => new BackupFilePlan($"backup-tenant-{k.Plural}.yaml", new[] { new BackupSource(k.Group, k.Plural) }, false)));
        return files;
    }
}
