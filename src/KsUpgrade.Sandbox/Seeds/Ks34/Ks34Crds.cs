using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>The KubeSphere 3.4 CRDs the seeds use (group/version/scope/short names as in 3.4; schemas permissive).</summary>
public static class Ks34Crds
{
    public static IEnumerable<JsonObject> All(bool host)
    {
        // installer: no status subresource (ks-installer merge-patches status on the main resource).
        yield return Crds.Simple("installer.kubesphere.io", "v1alpha1", "ClusterConfiguration", "clusterconfigurations", true, new[] { "cc" });

        // iam.kubesphere.io v1alpha2, all cluster-scoped.
        yield return Crds.Build("iam.kubesphere.io", "User", "users", "Cluster",
            new[] { new CrdVersion("v1alpha2", StatusSubresource: true, PrinterColumns: new[] { ("Email", "string", ".spec.email"), ("Status", "string", ".status.state") }) },
            categories: new[] { "iam" });
        foreach (var (kind, plural) in new[]
                 {
                     ("GlobalRole", "globalroles"), ("GlobalRoleBinding", "globalrolebindings"), ("WorkspaceRole", "workspaceroles"),
                     ("WorkspaceRoleBinding", "workspacerolebindings"), ("Group", "groups"), ("GroupBinding", "groupbindings"),
                     ("LoginRecord", "loginrecords"), ("RoleBase", "rolebases"),
                 })
            yield return Crds.Simple("iam.kubesphere.io", "v1alpha2", kind, plural, false, categories: new[] { "iam" });

        // tenant: WorkspaceTemplate v1alpha2; Workspace v1alpha1 (storage) and v1alpha2.
        yield return Crds.Simple("tenant.kubesphere.io", "v1alpha2", "WorkspaceTemplate", "workspacetemplates", false, categories: new[] { "tenant" });
        yield return Crds.Build("tenant.kubesphere.io", "Workspace", "workspaces", "Cluster",
            new[] { new CrdVersion("v1alpha1", Storage: true), new CrdVersion("v1alpha2", Storage: false) }, categories: new[] { "tenant" });

        // cluster.kubesphere.io: cluster-scoped, NO status subresource.
        yield return Crds.Build("cluster.kubesphere.io", "Cluster", "clusters", "Cluster",
            new[] { new CrdVersion("v1alpha1", PrinterColumns: new[] { ("Federated", "boolean", ".spec.joinFederation"), ("Provider", "string", ".spec.provider"), ("Active", "boolean", ".spec.enable"), ("Version", "string", ".status.kubernetesVersion") }) });

        // gateway.kubesphere.io v1alpha1 (3.4; helm-operator driven).
        yield return Crds.Simple("gateway.kubesphere.io", "v1alpha1", "Gateway", "gateways", true, statusSubresource: true);
        yield return Crds.Simple("gateway.kubesphere.io", "v1alpha1", "Nginx", "nginxes", true, statusSubresource: true);

        // network (ks-upgrade network job backs these up).
        yield return Crds.Simple("network.kubesphere.io", "v1alpha1", "NamespaceNetworkPolicy", "namespacenetworkpolicies", true, new[] { "nsnp" });
        yield return Crds.Simple("network.kubesphere.io", "v1alpha1", "IPPool", "ippools", false);

        if (host)
            yield return Crds.Simple("core.kubefed.io", "v1beta1", "KubeFedCluster", "kubefedclusters", true, statusSubresource: true);
    }
}
