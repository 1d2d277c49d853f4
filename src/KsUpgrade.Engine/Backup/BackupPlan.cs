using System.Text.Json.Nodes;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Backup;

/// <summary>
/// A resource to back up, named by group and plural (its version comes from discovery). Namespace null lists the kind in
/// every namespace (a namespaced kind) or cluster-wide; AllNamespaces says upgrade.sh passes -A for it.
/// </summary>
public sealed record BackupSource(string Group, string Plural, string? Namespace = null, string? Name = null)
{
    public bool AllNamespaces { get; init; }

    /// <summary>Which listed objects belong in the file (null: all), applied item by item while streaming.</summary>
    public Func<JsonObject, bool>? Filter { get; init; }

    /// <summary>What <see cref="Filter"/> keeps, in words (shown in the manifest's sources).</summary>
    public string? FilterText { get; init; }

    /// <summary>The kind as kubectl names it fully: plural.group, or the plural alone for the core group.</summary>
    public string KindName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public string Display => KindName + (Namespace is null ? "" : $" in {Namespace}") + (Name is null ? "" : $" named {Name}") + (FilterText is null ? "" : $" ({FilterText})");
}

/// <summary>One backup file and the sources written into it, in order.</summary>
public sealed record BackupFilePlan(string FileName, IReadOnlyList<BackupSource> Sources, bool Sensitive)
{
    /// <summary>The kubectl command whose output upgrade.sh writes into this file (kinds named in full).</summary>
    public string KubectlCommand
    {
        get
        {
            var first = Sources[0];
            return $"kubectl get {string.Join(",", Sources.Select(s => s.KindName))}"
                   + (first.Namespace is null ? "" : $" -n {first.Namespace}")
                   + (first.AllNamespaces ? " -A" : "")
                   + (first.Name is null ? "" : $" {first.Name}")
                   + " -o yaml";
        }
    }
}

/// <summary>
/// What upgrade.sh backs up, with its file names (upgrade-reference §2 step 3): the one list the backup writes and
/// Test-KsBackup checks a backup's set of files against.
/// </summary>
public static class BackupPlan
{
    public const string SystemWorkspaceSelector = "kubesphere.io/workspace=system-workspace";
    public const string DevopsWorkerNamespace = "kubesphere-devops-worker";
    public const string Iam = "iam.kubesphere.io";
    public const string Tenant = "tenant.kubesphere.io";
    public const string Rbac = "rbac.authorization.k8s.io";
    public const string GatewayGroup = "gateway.kubesphere.io";

    /// <summary>
    /// Every file upgrade.sh writes, given the namespaces labelled system-workspace: one per namespace, plus
    /// kubesphere-devops-worker whether or not it exists or is labelled (upgrade.sh appends it unconditionally; a
    /// namespace listed twice is written once), then the cluster-wide files.
    /// </summary>
    public static IReadOnlyList<BackupFilePlan> Files(IEnumerable<string> systemWorkspaceNamespaces) =>
        Namespaces(systemWorkspaceNamespaces).Select(ForNamespace).Concat(ClusterFiles()).ToList();

    /// <summary>The namespaces upgrade.sh backs up: the system-workspace ones and kubesphere-devops-worker, each once, sorted.</summary>
    public static IReadOnlyList<string> Namespaces(IEnumerable<string> systemWorkspaceNamespaces) =>
        systemWorkspaceNamespaces.Append(DevopsWorkerNamespace).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>Per namespace: configmaps, secrets, statefulsets, deployments, daemonsets (upgrade.sh's cm,secret,sts,deploy,ds).</summary>
    public static BackupFilePlan ForNamespace(string ns) => new($"backup-{ns}.yaml", new[]
    {
        new BackupSource("", "configmaps", ns),
        new BackupSource("", "secrets", ns),
        new BackupSource("apps", "statefulsets", ns),
        new BackupSource("apps", "deployments", ns),
        new BackupSource("apps", "daemonsets", ns),
    }, Sensitive: true);

    /// <summary>The cluster-wide files: cc, IAM kinds (roles and rolebindings of all namespaces), tenant kinds.</summary>
    public static IReadOnlyList<BackupFilePlan> ClusterFiles()
    {
        var files = new List<BackupFilePlan>
        {
            new("backup-cc.yaml", new[] { new BackupSource(ResourceKind.ClusterConfigurations.Group, "clusterconfigurations", KsNames.KubeSphereSystem, KsNames.InstallerCcName) }, false),
        };
        (string Group, string Plural)[] iam =
        {
            (Iam, "users"), (Iam, "globalroles"), (Iam, "globalrolebindings"), (Rbac, "roles"), (Rbac, "rolebindings"),
            (Iam, "workspaceroles"), (Iam, "workspacerolebindings"), (Rbac, "clusterroles"), (Rbac, "clusterrolebindings"),
            (Iam, "groups"), (Iam, "groupbindings"),
        };
        // users hold password hashes: owner-only like Secrets.
        files.AddRange(iam.Select(k => new BackupFilePlan($"backup-iam-{k.Plural}.yaml",
            new[] { new BackupSource(k.Group, k.Plural) { AllNamespaces = k.Plural is "roles" or "rolebindings" } }, k.Plural == "users")));
        (string Group, string Plural)[] tenant = { (Tenant, "workspacetemplates"), (Tenant, "workspaces"), ("", "namespaces") };
        files.AddRange(tenant.Select(k => new BackupFilePlan($"backup-tenant-{k.Plural}.yaml", new[] { new BackupSource(k.Group, k.Plural) }, false)));
        return files;
    }

    /// <summary>The file holding the ks-core release history reference (revision, chart, status; not the release payload).</summary>
    public const string HelmReleasesFile = "undo-helm-releases.yaml";
    /// <summary>The kind of a document in <see cref="HelmReleasesFile"/>.</summary>
    public const string HelmReleaseRevisionKind = "HelmReleaseRevision";

    /// <summary>The CRD groups Undo restores: KubeSphere's (*.kubesphere.io) and kubefed's (*.kubefed.io, the federated IAM types).</summary>
    public static bool IsKubeSphereGroup(string? group) =>
        group is not null && (group == "kubesphere.io" || group.EndsWith(".kubesphere.io", StringComparison.Ordinal)
                              || group == "kubefed.io" || group.EndsWith(".kubefed.io", StringComparison.Ordinal));

    /// <summary>A webhook configuration of KubeSphere: one of its webhooks calls a Service in kubesphere-system, or its name is a kubesphere.io name.</summary>
    public static bool IsKubeSphereWebhook(JsonObject w) =>
        w.Name().EndsWith("kubesphere.io", StringComparison.Ordinal)
        || (w["webhooks"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Any(h => h.Str("clientConfig", "service", "namespace") == KsNames.KubeSphereSystem);

    /// <summary>
    /// What Undo-KsUpgrade needs beyond upgrade.sh's set (written after it; <see cref="HelmReleasesFile"/> too): the
    /// CustomResourceDefinitions of the KubeSphere and kubefed groups, KubeSphere's webhook configurations, and the
    /// kubesphere-system objects upgrade.sh does not back up (the old redis Service and PVC, ks-installer's
    /// ServiceAccount, Jobs), and the gateway.kubesphere.io objects (3.4's Gateways and Nginx CRs).
    /// </summary>
    public static IReadOnlyList<BackupFilePlan> UndoFiles() => new[]
    {
        new BackupFilePlan("undo-crds.yaml", new[]
        {
            new BackupSource("apiextensions.k8s.io", "customresourcedefinitions")
                { Filter = crd => IsKubeSphereGroup(crd.Str("spec", "group")), FilterText = "groups *.kubesphere.io, *.kubefed.io" },
        }, false),
        new BackupFilePlan("undo-webhooks.yaml", new[]
        {
            new BackupSource("admissionregistration.k8s.io", "validatingwebhookconfigurations") { Filter = IsKubeSphereWebhook, FilterText = "KubeSphere's" },
            new BackupSource("admissionregistration.k8s.io", "mutatingwebhookconfigurations") { Filter = IsKubeSphereWebhook, FilterText = "KubeSphere's" },
        }, false),
        // the 3.4 gateways: the upgrade deletes the v1alpha1 CRDs of gateway.kubesphere.io, and their objects with them
        new BackupFilePlan("undo-gateways.yaml", new[]
        {
            new BackupSource(GatewayGroup, "gateways") { AllNamespaces = true },
            new BackupSource(GatewayGroup, "nginxes") { AllNamespaces = true },
        }, false),
        new BackupFilePlan("undo-kubesphere-system.yaml", new[]
        {
            new BackupSource("", "services", KsNames.KubeSphereSystem),
            new BackupSource("", "persistentvolumeclaims", KsNames.KubeSphereSystem),
            new BackupSource("", "serviceaccounts", KsNames.KubeSphereSystem),
            new BackupSource("batch", "jobs", KsNames.KubeSphereSystem),
        }, false),
    };

    /// <summary>Every file name Undo needs in a backup.</summary>
    public static IEnumerable<string> UndoFileNames() => UndoFiles().Select(f => f.FileName).Append(HelmReleasesFile);

    /// <summary>
    /// Objects KsUpgrade itself keeps in the cluster, which upgrade.sh's backup never holds and a restore must not bring
    /// back: the upgrade journal and Undo's journal (the upgrade's is written before the upgrade's Backup step runs).
    /// </summary>
    public static bool IsOwnObject(BackupSource source, JsonObject obj) =>
        source.Group.Length == 0 && source.Plural == "configmaps"
        && obj.Namespace() == KsNames.KubeSphereSystem && UpgradeJournal.IsJournal(obj.Name());
}
