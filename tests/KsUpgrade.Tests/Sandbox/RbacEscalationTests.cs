using KsUpgrade.Sandbox.Hosting;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>
/// RBAC escalation prevention through real kubectl: an identity may only write roles granting what it holds (or with
/// escalate) and bindings to roles whose rules it holds (or with bind); updates that keep rules or roleRef pass.
/// </summary>
public sealed class RbacEscalationTests : IAsyncLifetime
{
    private const string Cluster = "test";
    private SandboxHost _host = null!;
    private KubectlRunner _kubectl = null!;

    /// <summary>May write every RBAC object, and read pods; holds nothing else.</summary>
    private const string RbacWriter = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: rbac-writer
        rules:
        - apiGroups: ["rbac.authorization.k8s.io"]
          resources: ["roles", "clusterroles", "rolebindings", "clusterrolebindings"]
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
        - apiGroups: [""]
          resources: ["pods"]
          verbs: ["get", "list"]
        """;

    public async Task InitializeAsync()
    {
        _host = await SandboxHost.StartAsync(new SandboxOptions { Clusters = new[] { TestSeed.Build(Cluster) } });
        _kubectl = new KubectlRunner(_host.KubeconfigPath);
        await Admin(RbacWriter);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task Admin(string yaml) => _kubectl.OkWithInputAsync(yaml, "--context", Cluster, "apply", "-f", "-");

    /// <summary>A user bound to rbac-writer (and to the extra ClusterRoles given); returns its kubectl context.</summary>
    private async Task<string> WriterAsync(string user, params string[] extraClusterRoles)
    {
        _host.MintUserIdentity(user, user);
        foreach (var role in extraClusterRoles.Prepend("rbac-writer"))
            await Admin(Binding($"{user}-{role}", role, user));
        return $"{Cluster}-{user}";
    }

    private static string Binding(string name, string clusterRole, string user) => $"""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata:
          name: {name}
        roleRef: {"{"}apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {clusterRole}{"}"}
        subjects:
        - {"{"}apiGroup: rbac.authorization.k8s.io, kind: User, name: {user}{"}"}
        """;

    private static string PodRole(string name, params string[] verbs) => $"""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: {name}
        rules:
        - apiGroups: [""]
          resources: ["pods"]
          verbs: [{string.Join(", ", verbs.Select(v => $"\"{v}\""))}]
        """;

    private bool Stored(string plural, string name) => _host.Cluster(Cluster).Get("rbac.authorization.k8s.io/v1", plural, null, name) is not null;

    /// <summary>Runs kubectl (with <paramref name="stdin"/> when given), expects the escalation refusal and no object stored; returns stderr.</summary>
    private async Task<string> DeniedAsync(string? stdin, string plural, string name, params string[] args)
    {
        var denied = await _kubectl.RunWithInputAsync(stdin, args);
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("is attempting to grant RBAC permissions not currently held", denied.StdErr);
        Assert.False(Stored(plural, name));
        return denied.StdErr;
    }

    [Fact]
    public async Task A_role_may_grant_only_what_its_author_holds()
    {
        var context = await WriterAsync("alice");
        var denied = await DeniedAsync(PodRole("alice-more", "get", "delete"), "clusterroles", "alice-more", "--context", context, "apply", "-f", "-");
        Assert.Contains("clusterroles.rbac.authorization.k8s.io \"alice-more\" is forbidden: user \"alice\"", denied);
        Assert.Contains("is attempting to grant RBAC permissions not currently held:", denied);
        Assert.Contains("{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\"]}", denied);
        Assert.DoesNotContain("Verbs:[\"get\"]", denied);
        // kubectl create sends protobuf: the same check
        await DeniedAsync(null, "clusterroles", "alice-create", "--context", context, "create", "clusterrole", "alice-create", "--verb=delete", "--resource=pods");

        await _kubectl.OkWithInputAsync(PodRole("alice-same", "get", "list"), "--context", context, "apply", "-f", "-");
        Assert.True(Stored("clusterroles", "alice-same"));
    }

    [Fact]
    public async Task A_binding_needs_the_roles_rules_or_bind()
    {
        var context = await WriterAsync("bob");
        var denied = await DeniedAsync(Binding("bob-admin", "cluster-admin", "bob"), "clusterrolebindings", "bob-admin", "--context", context, "apply", "-f", "-");
        Assert.Contains("clusterrolebindings.rbac.authorization.k8s.io \"bob-admin\" is forbidden", denied);
        Assert.Contains("{APIGroups:[\"*\"], Resources:[\"*\"], Verbs:[\"*\"]}", denied);

        // bind on exactly that role lets bob refer to it
        await Admin("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: bind-cluster-admin
            rules:
            - apiGroups: ["rbac.authorization.k8s.io"]
              resources: ["clusterroles"]
              resourceNames: ["cluster-admin"]
              verbs: ["bind"]
            """);
        await Admin(Binding("bob-bind-cluster-admin", "bind-cluster-admin", "bob"));
        await _kubectl.OkWithInputAsync(Binding("bob-admin", "cluster-admin", "bob"), "--context", context, "apply", "-f", "-");
        Assert.True(Stored("clusterrolebindings", "bob-admin"));
    }

    [Fact]
    public async Task A_binding_to_a_role_whose_rules_the_author_holds_needs_no_bind()
    {
        var context = await WriterAsync("dave");
        await Admin(PodRole("pod-reader", "get"));
        await _kubectl.OkWithInputAsync(Binding("dave-pod-reader", "pod-reader", "dave"), "--context", context, "apply", "-f", "-");
        Assert.True(Stored("clusterrolebindings", "dave-pod-reader"));
    }

    [Fact]
    public async Task Escalate_lets_an_author_grant_anything()
    {
        await Admin("""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: escalator
            rules:
            - apiGroups: ["rbac.authorization.k8s.io"]
              resources: ["clusterroles"]
              verbs: ["escalate"]
            """);
        var context = await WriterAsync("carol", "escalator");
        await _kubectl.OkWithInputAsync(PodRole("carol-all", "*"), "--context", context, "apply", "-f", "-");
        Assert.True(Stored("clusterroles", "carol-all"));
    }

    [Fact]
    public async Task An_update_that_keeps_the_rules_passes_one_that_widens_them_does_not()
    {
        await Admin(PodRole("wide", "*"));
        var context = await WriterAsync("erin");
        await _kubectl.OkAsync("--context", context, "label", "clusterrole", "wide", "team=platform");
        Assert.Equal("platform", _host.Cluster(Cluster).Get("rbac.authorization.k8s.io/v1", "clusterroles", null, "wide")!["metadata"]!["labels"]!["team"]!.GetValue<string>());

        await Admin(PodRole("narrow", "get"));
        var denied = await _kubectl.RunAsync("--context", context, "patch", "clusterrole", "narrow", "--type=json",
            "-p", """[{"op":"add","path":"/rules/0/verbs/-","value":"delete"}]""");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("is attempting to grant RBAC permissions not currently held", denied.StdErr);
        var verbs = _host.Cluster(Cluster).Get("rbac.authorization.k8s.io/v1", "clusterroles", null, "narrow")!["rules"]![0]!["verbs"]!.AsArray();
        Assert.Equal(new[] { "get" }, verbs.Select(v => v!.GetValue<string>()));
    }
}
