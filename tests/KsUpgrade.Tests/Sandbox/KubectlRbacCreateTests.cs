using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>kubectl create role|clusterrole|rolebinding|clusterrolebinding send protobuf bodies; the sandbox decodes them.</summary>
public sealed class KubectlRbacCreateTests : IClassFixture<SandboxFixture>
{
    private const string Rbac = "rbac.authorization.k8s.io/v1";
    private readonly SandboxFixture _f;
    private ISandboxClusterView Store => _f.Host.Cluster(SandboxFixture.Cluster);
    public KubectlRbacCreateTests(SandboxFixture f) => _f = f;

    private static string[] Strings(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

    [Fact]
    public async Task Create_clusterrole_stores_its_rules_and_aggregation_rule()
    {
        await _f.Kubectl.OkAsync("create", "clusterrole", "pod-reader", "--verb=get,list", "--resource=pods,deployments.apps");
        var rules = Store.Get(Rbac, "clusterroles", null, "pod-reader")!["rules"]!.AsArray();
        Assert.Contains(rules, r => Strings(r!["apiGroups"]).SequenceEqual(new[] { "" }) && Strings(r!["resources"]).SequenceEqual(new[] { "pods" })
            && Strings(r!["verbs"]).SequenceEqual(new[] { "get", "list" }));
        Assert.Contains(rules, r => Strings(r!["apiGroups"]).SequenceEqual(new[] { "apps" }) && Strings(r!["resources"]).SequenceEqual(new[] { "deployments" }));

        await _f.Kubectl.OkAsync("create", "clusterrole", "health", "--verb=get", "--non-resource-url=/healthz");
        Assert.Equal(new[] { "/healthz" }, Strings(Store.Get(Rbac, "clusterroles", null, "health")!["rules"]![0]!["nonResourceURLs"]));

        await _f.Kubectl.OkAsync("create", "clusterrole", "platform", "--aggregation-rule=team=platform");
        Assert.Equal("platform", Store.Get(Rbac, "clusterroles", null, "platform")!["aggregationRule"]!["clusterRoleSelectors"]![0]!["matchLabels"]!["team"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_role_and_bindings_store_names_subjects_and_role_refs_and_take_effect()
    {
        await _f.Kubectl.OkAsync("create", "role", "cm-editor", "-n", "apps", "--verb=get,update", "--resource=configmaps", "--resource-name=web-config");
        var rule = Store.Get(Rbac, "roles", "apps", "cm-editor")!["rules"]![0]!;
        Assert.Equal(new[] { "web-config" }, Strings(rule["resourceNames"]));

        await _f.Kubectl.OkAsync("create", "rolebinding", "cm-editor-u2", "-n", "apps", "--role=cm-editor", "--user=u2", "--group=editors", "--serviceaccount=apps:builder");
        var binding = Store.Get(Rbac, "rolebindings", "apps", "cm-editor-u2")!;
        Assert.Equal("Role", binding["roleRef"]!["kind"]!.GetValue<string>());
        Assert.Equal("cm-editor", binding["roleRef"]!["name"]!.GetValue<string>());
        var subjects = binding["subjects"]!.AsArray();
        Assert.Equal(3, subjects.Count);
        Assert.Contains(subjects, s => (string?)s!["kind"] == "ServiceAccount" && (string?)s["name"] == "builder" && (string?)s["namespace"] == "apps");
        Assert.Contains(subjects, s => (string?)s!["kind"] == "User" && (string?)s["name"] == "u2");

        // the stored objects authorize: u2 may get that ConfigMap, not another one
        Assert.Equal("yes", (await _f.Kubectl.OkAsync("auth", "can-i", "get", "configmaps/web-config", "-n", "apps", "--as", "u2")).Trim());
        var other = await _f.Kubectl.RunAsync("auth", "can-i", "get", "configmaps/other", "-n", "apps", "--as", "u2");
        Assert.Equal("no", other.StdOut.Trim());

        await _f.Kubectl.OkAsync("create", "clusterrolebinding", "cm-editor-global", "--clusterrole=view", "--user=u3");
        Assert.Equal("ClusterRole", Store.Get(Rbac, "clusterrolebindings", null, "cm-editor-global")!["roleRef"]!["kind"]!.GetValue<string>());
    }
}
