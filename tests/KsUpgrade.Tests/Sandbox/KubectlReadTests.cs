using System.Text.Json.Nodes;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>Real kubectl reading from the sandbox: version, api-resources, get in every output form, selectors.</summary>
public sealed class KubectlReadTests : IClassFixture<SandboxFixture>
{
    private readonly SandboxFixture _f;
    public KubectlReadTests(SandboxFixture f) => _f = f;

    [Fact]
    public async Task Version_reports_the_seed_git_version()
    {
        var json = JsonNode.Parse(await _f.Kubectl.OkAsync("version", "-o", "json"))!;
        Assert.Equal(TestSeed.Version, json["serverVersion"]?["gitVersion"]?.GetValue<string>());
        Assert.Equal("26", json["serverVersion"]?["minor"]?.GetValue<string>());
    }

    [Fact]
    public async Task Api_resources_lists_builtins_with_short_names_and_the_crd()
    {
        var lines = (await _f.Kubectl.OkAsync("api-resources")).Split('\n');
        string Row(string name) => lines.Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        Assert.Matches(@"^deployments\s+deploy\s+apps/v1\s+true\s+Deployment", Row("deployments"));
        Assert.Matches(@"^widgets\s+wd\s+example.com/v1\s+true\s+Widget", Row("widgets"));
        Assert.Matches(@"^nodes\s+no\s+v1\s+false\s+Node", Row("nodes"));
        var clusterScoped = await _f.Kubectl.OkAsync("api-resources", "--namespaced=false", "-o", "name");
        Assert.Contains("storageclasses.storage.k8s.io", clusterScoped.Split('\n'));
        Assert.DoesNotContain("pods", clusterScoped.Split('\n'));
        var toys = await _f.Kubectl.OkAsync("get", "toys", "-A", "-o", "name");
        Assert.Equal("", toys.Trim());
    }

    [Fact]
    public async Task Get_nodes_as_json_yaml_jsonpath_and_custom_columns_matches_the_store()
    {
        var expected = _f.Host.Cluster(SandboxFixture.Cluster).List("v1", "nodes").Select(n => n["metadata"]!["name"]!.GetValue<string>()).OrderBy(x => x).ToList();
        Assert.Equal(new[] { "master1", "worker1", "worker2" }, expected);

        var list = JsonNode.Parse(await _f.Kubectl.OkAsync("get", "nodes", "-o", "json"))!;
        Assert.Equal(expected, list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).OrderBy(x => x));

        var yaml = await _f.Kubectl.OkAsync("get", "node", "worker1", "-o", "yaml");
        Assert.Contains("kind: Node", yaml);
        Assert.Contains("name: worker1", yaml);

        var jp = await _f.Kubectl.OkAsync("get", "nodes", "-o", "jsonpath={.items[*].metadata.name}");
        Assert.Equal(string.Join(' ', expected), jp.Trim());

        var cols = await _f.Kubectl.OkAsync("get", "nodes", "-o", "custom-columns=NAME:.metadata.name,IP:.status.addresses[0].address", "--no-headers");
        Assert.Contains(cols.Split('\n'), l => l.StartsWith("worker2") && l.TrimEnd().EndsWith("192.168.10.3"));

        var table = await _f.Kubectl.OkAsync("get", "nodes");
        Assert.Matches(@"NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION", table);
        Assert.Matches(@"master1\s+Ready\s+control-plane", table);
    }

    [Fact]
    public async Task Get_all_namespaces_with_label_selectors()
    {
        async Task<string[]> Names(params string[] selector)
        {
            var args = new List<string> { "get", "configmaps", "-A", "-o", "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{\"\\n\"}{end}" };
            args.AddRange(selector);
            return (await _f.Kubectl.OkAsync(args.ToArray())).Split('\n', StringSplitOptions.RemoveEmptyEntries).OrderBy(x => x).ToArray();
        }
        Assert.Equal(new[] { "apps/web-config", "team-a/a-config" }, await Names("-l", "tier=web"));
        Assert.Equal(new[] { "apps/web-config", "team-a/a-config" }, await Names("-l", "tier==web"));
        Assert.Equal(new[] { "apps/db-config", "apps/web-config", "team-a/a-config" }, await Names("-l", "tier in (web,db)"));
        // notin also matches objects without the label, as in Kubernetes.
        Assert.Equal(new[] { "apps/db-config", "team-a/plain" }, await Names("-l", "tier notin (web)"));
        Assert.Equal(new[] { "apps/db-config" }, await Names("-l", "tier,tier!=web"));
        Assert.Contains("team-a/plain", await Names("-l", "!tier"));
        Assert.DoesNotContain("apps/web-config", await Names("-l", "!tier"));

        var table = await _f.Kubectl.OkAsync("get", "configmaps", "-A", "-l", "tier");
        Assert.Matches(@"NAMESPACE\s+NAME\s+DATA\s+AGE", table);
        Assert.Matches(@"team-a\s+a-config\s+1", table);
    }

    [Fact]
    public async Task Get_pods_with_field_selectors()
    {
        async Task<string[]> Names(string selector) =>
            (await _f.Kubectl.OkAsync("get", "pods", "-A", "--field-selector", selector, "-o", "jsonpath={.items[*].metadata.name}"))
                .Split(' ', StringSplitOptions.RemoveEmptyEntries).OrderBy(x => x).ToArray();
        Assert.Equal(new[] { "runner" }, await Names("status.phase=Running,metadata.namespace=apps"));
        Assert.Equal(new[] { "crashed", "done" }, await Names("status.phase!=Running"));
        Assert.DoesNotContain("runner", await Names("status.phase!=Running"));
        Assert.Equal(new[] { "runner" }, await Names("spec.nodeName=worker1,metadata.name=runner"));
        Assert.Equal(new[] { "done" }, await Names("metadata.namespace=team-a,status.phase=Succeeded"));
        Assert.Equal(new[] { "done", "installer-5d8f7c-abcde" }, await Names("metadata.namespace=team-a"));
    }

    [Fact]
    public async Task Auth_reviews_answer_that_the_token_may_do_everything()
    {
        Assert.Equal("yes", (await _f.Kubectl.OkAsync("auth", "can-i", "delete", "pods", "-A")).Trim());
        // A 1.26 server serves no SelfSubjectReview (GA in 1.28): kubectl says so (ApiFidelityTests has whoami on 1.28).
        Assert.Contains("selfsubjectreviews API is not enabled", (await _f.Kubectl.RunAsync("auth", "whoami")).StdErr);
    }

    [Fact]
    public async Task Get_missing_object_is_a_not_found_error()
    {
        var r = await _f.Kubectl.RunAsync("get", "configmap", "nope", "-n", "apps");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Error from server (NotFound): configmaps \"nope\" not found", r.StdErr);
    }

    [Fact]
    public async Task Wrong_token_is_refused_with_401()
    {
        var text = File.ReadAllText(_f.Host.KubeconfigPath).Replace(_f.Host.Token, "not-the-token");
        var path = Path.Combine(Path.GetTempPath(), "ksupgrade-badtoken-" + Guid.NewGuid().ToString("N") + ".kubeconfig");
        File.WriteAllText(path, text);
        try
        {
            var r = await new KubectlRunner(path).RunAsync("get", "nodes");
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("You must be logged in to the server", r.StdErr);
        }
        finally { File.Delete(path); }
    }
}
