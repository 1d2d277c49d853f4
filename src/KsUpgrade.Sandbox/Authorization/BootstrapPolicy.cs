namespace KsUpgrade.Sandbox.Authorization;

/// <summary>
/// The part of a real API server's bootstrap RBAC policy the sandbox relies on: cluster-admin for system:masters,
/// discovery, the self-reviews and public info for every authenticated user. A stored object of the same name
/// takes precedence (as an admin may change them); these are not stored, so they do not appear in LISTs.
/// </summary>
public static class BootstrapPolicy
{
    public static IReadOnlyDictionary<string, IReadOnlyList<PolicyRule>> ClusterRoles { get; } = new Dictionary<string, IReadOnlyList<PolicyRule>>
    {
        ["cluster-admin"] = new[]
        {
            PolicyRule.Resource(new[] { "*" }, new[] { "*" }, new[] { "*" }),
            PolicyRule.NonResource(new[] { "*" }, new[] { "*" }),
        },
        ["system:discovery"] = new[]
        {
            PolicyRule.NonResource(new[] { "get" }, new[]
            {
                "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/",
            }),
        },
        ["system:basic-user"] = new[]
        {
            PolicyRule.Resource(new[] { "create" }, new[] { "authorization.k8s.io" }, new[] { "selfsubjectaccessreviews", "selfsubjectrulesreviews" }),
            PolicyRule.Resource(new[] { "create" }, new[] { "authentication.k8s.io" }, new[] { "selfsubjectreviews" }),
        },
        ["system:public-info-viewer"] = new[]
        {
            PolicyRule.NonResource(new[] { "get" }, new[] { "/healthz", "/livez", "/readyz", "/version", "/version/" }),
        },
    };

    public static IReadOnlyList<Binding> ClusterRoleBindings { get; } = new[]
    {
        CRB("cluster-admin", "cluster-admin", new Subject("Group", SandboxIdentity.MastersGroup, null)),
        CRB("system:discovery", "system:discovery", new Subject("Group", SandboxIdentity.AuthenticatedGroup, null)),
        CRB("system:basic-user", "system:basic-user", new Subject("Group", SandboxIdentity.AuthenticatedGroup, null)),
        CRB("system:public-info-viewer", "system:public-info-viewer",
            new Subject("Group", SandboxIdentity.AuthenticatedGroup, null), new Subject("Group", "system:unauthenticated", null)),
    };

    private static Binding CRB(string name, string role, params Subject[] subjects) =>
        new("ClusterRoleBinding", "", name, "ClusterRole", role, subjects);
}
