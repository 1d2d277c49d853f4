using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Authorization;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>The sandbox's RBAC authorizer on its own: the allow/deny matrix Kubernetes RBAC defines.</summary>
public sealed class RbacAuthorizerTests
{
    private static readonly SandboxIdentity Alice = User("alice");
    private static readonly SandboxIdentity Bob = User("bob", "readers");
    private static readonly SandboxIdentity Robot = new()
    {
        Name = "robot", User = "system:serviceaccount:ops:robot",
        Groups = new[] { "system:serviceaccounts", "system:serviceaccounts:ops", "system:authenticated" },
    };

    private static SandboxIdentity User(string name, params string[] groups) => new()
    {
        Name = name, User = name, Groups = groups.Append("system:authenticated").ToArray(),
    };

    private static readonly SimulatedCluster Cluster = Build();

    private static SimulatedCluster Build()
    {
        var objects = new List<JsonObject>
        {
            Ns("apps"), Ns("ops"), Ns("other"),
            // alice: pods in apps through a Role; configmap "settings" only (resourceNames); pods/log only
            Role("apps", "pod-reader", Rule(new[] { "get", "list" }, new[] { "" }, new[] { "pods" })),
            Binding("RoleBinding", "apps", "alice-pods", "Role", "pod-reader", Subj("User", "alice")),
            ClusterRole("settings-reader", Rule(new[] { "get", "list", "watch" }, new[] { "" }, new[] { "configmaps" }, names: new[] { "settings" })),
            Binding("ClusterRoleBinding", null, "alice-settings", "ClusterRole", "settings-reader", Subj("User", "alice")),
            ClusterRole("log-reader", Rule(new[] { "get" }, new[] { "" }, new[] { "pods/log" })),
            Binding("RoleBinding", "other", "alice-logs", "ClusterRole", "log-reader", Subj("User", "alice")),
            // group readers (bob): a ClusterRole bound in one namespace only
            ClusterRole("deploy-reader", Rule(new[] { "list" }, new[] { "apps" }, new[] { "deployments" })),
            Binding("RoleBinding", "ops", "readers-deploys", "ClusterRole", "deploy-reader", Subj("Group", "readers")),
            // the ServiceAccount ops/robot: everything in group batch, scale of anything, cluster-wide; and /metrics
            ClusterRole("batch-all", Rule(new[] { "*" }, new[] { "batch" }, new[] { "*" }),
                Rule(new[] { "update" }, new[] { "*" }, new[] { "*/scale" })),
            Binding("ClusterRoleBinding", null, "robot-batch", "ClusterRole", "batch-all", SaSubj("ops", "robot")),
            ClusterRole("metrics", NonResource(new[] { "get" }, new[] { "/metrics", "/debug/*" })),
            Binding("ClusterRoleBinding", null, "robot-metrics", "ClusterRole", "metrics", SaSubj("ops", "robot")),
            // a RoleBinding cannot grant paths
            Binding("RoleBinding", "apps", "alice-metrics", "ClusterRole", "metrics", Subj("User", "alice")),
            // every ServiceAccount may list namespaces
            ClusterRole("ns-lister", Rule(new[] { "list" }, new[] { "" }, new[] { "namespaces" })),
            Binding("ClusterRoleBinding", null, "sa-ns", "ClusterRole", "ns-lister", Subj("Group", "system:serviceaccounts")),
            // a binding to a role that does not exist
            Binding("ClusterRoleBinding", null, "bob-ghost", "ClusterRole", "ghost", Subj("User", "bob")),
            // the same ServiceAccount name in another namespace gets nothing from robot's bindings
            // aggregation: aggregate-view collects the rules of ClusterRoles labelled rbac.example/aggregate-to-view=true
            LabelledClusterRole("aggregate-view", null, "rbac.example/aggregate-to-view"),
            LabelledClusterRole("svc-view", new JsonObject { ["rbac.example/aggregate-to-view"] = "true" }, null,
                Rule(new[] { "list" }, new[] { "" }, new[] { "services" })),
            Binding("ClusterRoleBinding", null, "bob-view", "ClusterRole", "aggregate-view", Subj("User", "bob")),
        };
        var cluster = new SimulatedCluster(new SeedCluster { Name = "rbac", Objects = objects });
        cluster.LoadSeed();
        return cluster;
    }

    private static bool Can(SandboxIdentity who, string verb, string group, string resource, string? ns = null, string? name = null, string? sub = null) =>
        RbacAuthorizer.Authorize(Cluster, RequestAttributes.ForResource(who, verb, group, "v1", resource, sub, ns, name)).Allowed;

    private static bool CanPath(SandboxIdentity who, string path, string verb = "get") =>
        RbacAuthorizer.Authorize(Cluster, RequestAttributes.ForPath(who, verb, path)).Allowed;

    [Fact]
    public void A_role_binding_grants_its_role_in_its_namespace_only()
    {
        Assert.True(Can(Alice, "list", "", "pods", "apps"));
        Assert.True(Can(Alice, "get", "", "pods", "apps", "runner"));
        Assert.False(Can(Alice, "delete", "", "pods", "apps", "runner"));
        Assert.False(Can(Alice, "list", "", "pods", "other"));
        Assert.False(Can(Alice, "list", "", "pods")); // all namespaces
        Assert.False(Can(Bob, "list", "", "pods", "apps")); // another user
    }

    [Fact]
    public void A_cluster_role_bound_in_a_namespace_applies_there_only_and_a_cluster_binding_everywhere()
    {
        Assert.True(Can(Bob, "list", "apps", "deployments", "ops"));
        Assert.False(Can(Bob, "list", "apps", "deployments", "apps"));
        Assert.False(Can(Bob, "list", "apps", "deployments"));
        Assert.True(Can(Robot, "create", "batch", "jobs", "anywhere"));
        Assert.True(Can(Robot, "list", "batch", "cronjobs"));
    }

    [Fact]
    public void Resource_names_allow_only_requests_for_those_names()
    {
        Assert.True(Can(Alice, "get", "", "configmaps", "ops", "settings"));
        Assert.False(Can(Alice, "get", "", "configmaps", "ops", "other-settings"));
        Assert.False(Can(Alice, "list", "", "configmaps", "ops"));
        // a list narrowed to the name (fieldSelector metadata.name) carries the name, as kubectl get x -w does
        Assert.True(Can(Alice, "list", "", "configmaps", "ops", "settings"));
        Assert.False(Can(Alice, "update", "", "configmaps", "ops", "settings"));
    }

    [Fact]
    public void Subresources_are_separate_resources_and_star_slash_matches_any_parent()
    {
        Assert.True(Can(Alice, "get", "", "pods", "other", "runner", sub: "log"));
        Assert.False(Can(Alice, "get", "", "pods", "other", "runner"));
        Assert.False(Can(Alice, "get", "", "pods", "apps", "runner", sub: "log")); // pods does not include pods/log
        Assert.True(Can(Robot, "update", "apps", "deployments", "x", "web", sub: "scale"));
        Assert.False(Can(Robot, "update", "apps", "deployments", "x", "web"));
        Assert.False(Can(Robot, "update", "apps", "deployments", "x", "web", sub: "status"));
    }

    [Fact]
    public void Wildcards_match_every_verb_resource_and_group()
    {
        foreach (var verb in new[] { "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection" })
            Assert.True(Can(Robot, verb, "batch", "jobs", "x"), verb);
        Assert.False(Can(Robot, "get", "apps", "jobs", "x"));
    }

    [Fact]
    public void Subjects_match_users_groups_and_service_accounts_with_their_namespace()
    {
        var otherRobot = Robot with { User = "system:serviceaccount:apps:robot", Groups = new[] { "system:serviceaccounts", "system:serviceaccounts:apps", "system:authenticated" } };
        Assert.False(Can(otherRobot, "list", "batch", "jobs"));
        Assert.True(Can(otherRobot, "list", "", "namespaces")); // group system:serviceaccounts
        Assert.False(Can(Alice, "list", "", "namespaces"));
        Assert.True(Can(Bob, "list", "", "services", "x")); // through the aggregated ClusterRole
        Assert.False(Can(Alice, "list", "", "services", "x"));
    }

    [Fact]
    public void Paths_discovery_for_every_authenticated_user_others_only_through_cluster_role_bindings()
    {
        foreach (var path in new[] { "/version", "/api", "/api/v1", "/apis", "/apis/apps/v1", "/openapi/v2", "/openapi/v3/apis/apps/v1" })
            Assert.True(CanPath(Alice, path), path);
        Assert.False(CanPath(Alice, "/version", "post"));
        Assert.False(CanPath(Alice, "/metrics")); // the RoleBinding in apps does not grant paths
        Assert.True(CanPath(Robot, "/metrics"));
        Assert.True(CanPath(Robot, "/debug/pprof/heap"));
        Assert.False(CanPath(Robot, "/debugger"));
        // self reviews: system:basic-user
        Assert.True(Can(Alice, "create", "authorization.k8s.io", "selfsubjectaccessreviews"));
        Assert.False(Can(Alice, "create", "authorization.k8s.io", "subjectaccessreviews"));
    }

    [Fact]
    public void The_admin_may_do_everything_and_a_missing_role_is_named_in_the_reason()
    {
        Assert.True(Can(SandboxIdentity.Admin, "delete", "", "secrets", "kube-system", "x"));
        Assert.True(CanPath(SandboxIdentity.Admin, "/anything"));
        var decision = RbacAuthorizer.Authorize(Cluster, RequestAttributes.ForResource(Bob, "get", "", "v1", "secrets", null, "x", "y"));
        Assert.False(decision.Allowed);
        Assert.Equal("RBAC: [clusterrole.rbac.authorization.k8s.io \"ghost\" not found]", decision.Reason);
        var allowed = RbacAuthorizer.Authorize(Cluster, RequestAttributes.ForResource(Alice, "list", "", "v1", "pods", null, "apps", null));
        Assert.Equal("RBAC: allowed by RoleBinding \"alice-pods/apps\" of Role \"pod-reader\" to User \"alice\"", allowed.Reason);
    }

    [Theory]
    [InlineData("list", "", "secrets", null, null, null,
        "secrets is forbidden: User \"alice\" cannot list resource \"secrets\" in API group \"\" at the cluster scope")]
    [InlineData("get", "", "secrets", "kube-system", "token", null,
        "secrets \"token\" is forbidden: User \"alice\" cannot get resource \"secrets\" in API group \"\" in the namespace \"kube-system\"")]
    [InlineData("get", "", "pods", "apps", "runner", "exec",
        "pods \"runner\" is forbidden: User \"alice\" cannot get resource \"pods/exec\" in API group \"\" in the namespace \"apps\"")]
    [InlineData("list", "installer.kubesphere.io", "clusterconfigurations", "kubesphere-system", null, null,
        "clusterconfigurations.installer.kubesphere.io is forbidden: User \"alice\" cannot list resource \"clusterconfigurations\" in API group \"installer.kubesphere.io\" in the namespace \"kubesphere-system\"")]
    public void Forbidden_messages_have_the_api_servers_wording(string verb, string group, string resource, string? ns, string? name, string? sub, string expected)
    {
        var a = RequestAttributes.ForResource(Alice, verb, group, "v1", resource, sub, ns, name);
        Assert.False(RbacAuthorizer.Authorize(Cluster, a).Allowed);
        var e = Forbidden.Exception(a, "");
        Assert.Equal(403, e.Code);
        Assert.Equal(expected, e.Message);
        var status = e.ToStatus();
        Assert.Equal("Forbidden", (string?)status["reason"]);
        Assert.Equal(resource, (string?)status["details"]!["kind"]);
        Assert.Equal(name, (string?)status["details"]!["name"]);
    }

    [Fact]
    public void A_denied_path_says_forbidden_with_the_path()
    {
        var a = RequestAttributes.ForPath(Alice, "get", "/metrics");
        Assert.Equal("forbidden: User \"alice\" cannot get path \"/metrics\"", Forbidden.Exception(a, "").Message);
    }

    [Fact]
    public void Rules_review_lists_cluster_and_namespace_rules()
    {
        var (inApps, incomplete, _) = RbacAuthorizer.RulesFor(Cluster, Alice, "apps");
        Assert.False(incomplete);
        Assert.Contains(inApps, r => r.Resources.Contains("pods") && r.Verbs.Contains("list"));
        Assert.Contains(inApps, r => r.ResourceNames.Contains("settings"));
        var (inOps, _, _) = RbacAuthorizer.RulesFor(Cluster, Alice, "ops");
        Assert.DoesNotContain(inOps, r => r.Resources.Contains("pods"));
        var (bobs, bobIncomplete, error) = RbacAuthorizer.RulesFor(Cluster, Bob, "ops");
        Assert.True(bobIncomplete);
        Assert.Contains("ghost", error);
    }

    // ---- object builders ----

    private static JsonObject Ns(string name) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name },
    };

    private static JsonObject Rule(string[] verbs, string[] groups, string[] resources, string[]? names = null)
    {
        var r = new JsonObject { ["verbs"] = Arr(verbs), ["apiGroups"] = Arr(groups), ["resources"] = Arr(resources) };
        if (names is not null) r["resourceNames"] = Arr(names);
        return r;
    }

    private static JsonObject NonResource(string[] verbs, string[] urls) => new() { ["verbs"] = Arr(verbs), ["nonResourceURLs"] = Arr(urls) };

    private static JsonArray Arr(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());

    private static JsonObject Role(string ns, string name, params JsonObject[] rules) => new()
    {
        ["apiVersion"] = "rbac.authorization.k8s.io/v1", ["kind"] = "Role",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns }, ["rules"] = new JsonArray(rules),
    };

    private static JsonObject ClusterRole(string name, params JsonObject[] rules) => LabelledClusterRole(name, null, null, rules);

    private static JsonObject LabelledClusterRole(string name, JsonObject? labels, string? aggregateLabel, params JsonObject[] rules)
    {
        var meta = new JsonObject { ["name"] = name };
        if (labels is not null) meta["labels"] = labels;
        var o = new JsonObject
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1", ["kind"] = "ClusterRole", ["metadata"] = meta, ["rules"] = new JsonArray(rules),
        };
        if (aggregateLabel is not null)
            o["aggregationRule"] = new JsonObject
            {
                ["clusterRoleSelectors"] = new JsonArray(new JsonObject { ["matchLabels"] = new JsonObject { [aggregateLabel] = "true" } }),
            };
        return o;
    }

    private static JsonObject Subj(string kind, string name) => new()
    {
        ["kind"] = kind, ["apiGroup"] = "rbac.authorization.k8s.io", ["name"] = name,
    };

    private static JsonObject SaSubj(string ns, string name) => new() { ["kind"] = "ServiceAccount", ["name"] = name, ["namespace"] = ns };

    private static JsonObject Binding(string kind, string? ns, string name, string roleKind, string role, params JsonObject[] subjects)
    {
        var meta = new JsonObject { ["name"] = name };
        if (ns is not null) meta["namespace"] = ns;
        return new JsonObject
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1", ["kind"] = kind, ["metadata"] = meta,
            ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = roleKind, ["name"] = role },
            ["subjects"] = new JsonArray(subjects),
        };
    }
}
