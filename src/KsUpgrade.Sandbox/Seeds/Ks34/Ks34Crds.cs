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
            new[] { new CrdVersion("v1alpha1", PrinterColumns: new[] { ("Federated", "boolean", ".spec.joinFederation"), ("Provider", "string", ".spec.provider"), ("Active", "boolean", ".spec.enable"), ("Version", "string", ".status.kubernetesVersion") }) },
            specSchema: ClusterSpecSchema());

        // gateway.kubesphere.io v1alpha1 (3.4; helm-operator driven).
        yield return Crds.Simple("gateway.kubesphere.io", "v1alpha1", "Gateway", "gateways", true, statusSubresource: true);
        yield return Crds.Simple("gateway.kubesphere.io", "v1alpha1", "Nginx", "nginxes", true, statusSubresource: true);

        // network (ks-upgrade network job backs these up).
        yield return Crds.Simple("network.kubesphere.io", "v1alpha1", "NamespaceNetworkPolicy", "namespacenetworkpolicies", true, new[] { "nsnp" });
        yield return Crds.Simple("network.kubesphere.io", "v1alpha1", "IPPool", "ippools", false);

        if (host)
            yield return Crds.Simple("core.kubefed.io", "v1beta1", "KubeFedCluster", "kubefedclusters", true, statusSubresource: true);
    }

    /// <summary>KubeSphere 3.4's Cluster spec (pkg/apis/cluster/v1alpha1), with descriptions of our own, for `kubectl explain`.</summary>
    private static JsonObject ClusterSpecSchema()
    {
        static JsonObject P(string type, string description) => new() { ["type"] = type, ["description"] = description };
        return new JsonObject
        {
            ["type"] = "object",
            ["description"] = "The desired state of a member or host cluster managed by KubeSphere multi-cluster.",
            ["properties"] = new JsonObject
            {
                ["joinFederation"] = P("boolean", "Whether the cluster joins the KubeFed federation of the host."),
                ["enable"] = P("boolean", "Whether the cluster is active (its desired state)."),
                ["provider"] = P("string", "Who provides the cluster; for display only."),
                ["externalKubeAPIEnabled"] = P("boolean", "Whether the cluster's Kubernetes API is exposed for external access through the host."),
                ["connection"] = new JsonObject
                {
                    ["type"] = "object",
                    ["description"] = "How the host reaches the cluster.",
                    ["properties"] = new JsonObject
                    {
                        ["type"] = P("string", "Connection type: direct (the host reaches the cluster's API servers) or proxy (the cluster connects to the host through a tunnel agent)."),
                        ["kubesphereAPIEndpoint"] = P("string", "The URL of the cluster's ks-apiserver."),
                        ["kubernetesAPIEndpoint"] = P("string", "The URL of the cluster's Kubernetes API server."),
                        ["externalKubernetesAPIEndpoint"] = P("string", "The Kubernetes API server URL exposed for external access."),
                        ["kubeconfig"] = new JsonObject { ["type"] = "string", ["format"] = "byte", ["description"] = "The kubeconfig the host uses to reach the cluster (direct connection)." },
                        ["token"] = P("string", "The token a proxy-connected cluster's agent authenticates with."),
                        ["kubernetesAPIServerPort"] = P("integer", "The port the proxy serves the cluster's Kubernetes API on."),
                        ["kubesphereAPIServerPort"] = P("integer", "The port the proxy serves the cluster's ks-apiserver on."),
                    },
                },
            },
        };
    }
}
