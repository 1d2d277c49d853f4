using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Seeds.Files;
using KsUpgrade.Tests.Sandbox;
using KsUpgrade.Tests.Upgrade.Sandbox;

namespace KsUpgrade.Tests.Seeds;

/// <summary>
/// The fixture chart against the 3.4 sandbox with real helm 3.17.3 and kubectl: its lookups (Nodes, the telemetry
/// Secret, redis-secret) are answered by the API server when helm renders server-side and are empty with a plain
/// `helm template`; its 39 CRDs apply over the 3.4 ones (`helm show crds | kubectl apply`, upgrade.sh step 8), kinds
/// gaining v1beta1 and Workspaces dropping the v1alpha2 that 3.4 serves but never stored.
/// </summary>
public sealed class KsCoreFixtureOnSandboxTests : MulticlusterSandboxTest
{
    private string Chart => Path.Combine(HelmTool.FixturesDir(), "ks-core");
    private KubectlRunner Kubectl => new(Host.KubeconfigPath);

    private (int Code, string Out, string Err) Helm(params string[] args)
    {
        var all = args.Concat(new[] { "--kubeconfig", Host.KubeconfigPath, "--kube-context", "host" }).ToArray();
        return HelmTool.Run(Dir, all);
    }

    private List<JsonObject> Template(bool server, params string[] extra)
    {
        var args = new List<string> { "template", "ks-core", Chart, "-n", Ns, "-f", ValuesFile(), "--set", "multicluster.role=host" };
        if (server) args.Add("--dry-run=server");
        args.AddRange(extra);
        var (code, stdout, stderr) = Helm(args.ToArray());
        Assert.True(code == 0, $"helm {string.Join(' ', args)} failed ({code}): {stderr}");
        return YamlJson.ParseAll(stdout).OfType<JsonObject>().ToList();
    }

    private static string Telemetry(List<JsonObject> docs) =>
        docs.Single(d => d.Kind() == "Secret" && d.Name() == "io.kubesphere.config.platformconfig.telemetry").Str("stringData", "configuration.yaml")!;

    [HelmFact]
    public async Task Lookups_see_the_cluster_when_helm_renders_server_side_and_nothing_without_it()
    {
        // telemetry turned off on this cluster (by an earlier 4.x release): a server-side render keeps it off, a plain
        // template cannot know
        await Kubectl.OkWithInputAsync("""
            apiVersion: v1
            kind: Secret
            metadata:
              name: io.kubesphere.config.platformconfig.telemetry
              namespace: kubesphere-system
              labels: {app.kubernetes.io/managed-by: Helm}
              annotations: {meta.helm.sh/release-name: ks-core, meta.helm.sh/release-namespace: kubesphere-system}
            type: config.kubesphere.io/generic-platform-config
            stringData:
              configuration.yaml: "enabled: false\n"
            """, "--context", "host", "apply", "-f", "-");
        Assert.Contains("enabled: false", Telemetry(Template(server: true, "-s", "templates/telemetry.yaml")));
        Assert.Contains("enabled: true", Telemetry(Template(server: false, "-s", "templates/telemetry.yaml")));

        // redis-secret: the 3.4 password is kept when the cluster has one, a new one is generated otherwise
        var live = (await Kubectl.OkAsync("--context", "host", "-n", Ns, "get", "secret", "redis-secret", "-o", "jsonpath={.data.auth}")).Trim();
        Assert.NotEmpty(live);
        string Auth(List<JsonObject> docs) => docs.Single(d => d.Kind() == "Secret" && d.Name() == "redis-secret").Str("data", "auth")!;
        Assert.Equal(live, Auth(Template(server: true, "-s", "templates/redis.yaml", "--set", "ha.enabled=true")));
        Assert.NotEqual(live, Auth(Template(server: false, "-s", "templates/redis.yaml", "--set", "ha.enabled=true")));

        // Nodes: the console address (NOTES.txt, and the ks-console Service's annotation) is the first control-plane
        // node's InternalIP; without a cluster 127.0.0.1
        var nodes = JsonNode.Parse(await Kubectl.OkAsync("--context", "host", "get", "nodes", "-l", "node-role.kubernetes.io/control-plane", "-o", "json"))!;
        var ip = nodes["items"]![0]!["status"]!["addresses"]!.AsArray().First(a => a.Str("type") == "InternalIP")!.Str("address");
        Assert.False(string.IsNullOrEmpty(ip));
        string Console(List<JsonObject> docs) => docs.Single(d => d.Kind() == "Service" && d.Name() == "ks-console").Str("metadata", "annotations", "kubesphere.io/console-address")!;
        Assert.Equal($"http://{ip}:30880", Console(Template(server: true, "-s", "templates/ks-console.yaml")));
        Assert.Equal("http://127.0.0.1:30880", Console(Template(server: false, "-s", "templates/ks-console.yaml")));
    }

    [HelmFact]
    public async Task The_chart_crds_apply_over_the_34_crds_and_workspaces_drop_the_never_stored_v1alpha2()
    {
        var before = JsonNode.Parse(await Kubectl.OkAsync("--context", "host", "get", "crd", "workspaces.tenant.kubesphere.io", "-o", "json"))!;
        Assert.Contains(before["spec"]!["versions"]!.AsArray(), v => v.Str("name") == "v1alpha2");
        Assert.Equal(new[] { "v1alpha1" }, before["status"]!["storedVersions"]!.AsArray().Select(v => v!.GetValue<string>()));

        var (code, crds, stderr) = HelmTool.Run(Dir, "show", "crds", Chart);
        Assert.True(code == 0, stderr);
        var applied = await Kubectl.OkWithInputAsync(crds, "--context", "host", "apply", "-f", "-");
        Assert.Equal(39, applied.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        string[] Stored(string crd) => JsonNode.Parse(Kubectl.OkAsync("--context", "host", "get", "crd", crd, "-o", "json").Result)!["status"]!["storedVersions"]!
            .AsArray().Select(v => v!.GetValue<string>()).ToArray();
        Assert.Equal(new[] { "v1alpha1", "v1beta1" }, Stored("workspaces.tenant.kubesphere.io"));
        Assert.Equal(new[] { "v1alpha2", "v1beta1" }, Stored("users.iam.kubesphere.io"));
        // the 3.4 Workspaces are read at v1beta1 and at the still-served v1alpha1; v1alpha2 is gone
        Assert.Equal("tenant.kubesphere.io/v1beta1", await Kubectl.OkAsync("--context", "host", "get", "workspaces.v1beta1.tenant.kubesphere.io", "system-workspace", "-o", "jsonpath={.apiVersion}"));
        Assert.Equal("tenant.kubesphere.io/v1alpha1", await Kubectl.OkAsync("--context", "host", "get", "workspaces.v1alpha1.tenant.kubesphere.io", "system-workspace", "-o", "jsonpath={.apiVersion}"));
        var gone = await Kubectl.RunAsync("--context", "host", "get", "workspaces.v1alpha2.tenant.kubesphere.io", "system-workspace");
        Assert.NotEqual(0, gone.ExitCode);
        // a kind that shares its name with a core kind: kubesphere.io ServiceAccounts beside the core ones
        Assert.Contains("kubesphere", await Kubectl.OkAsync("--context", "host", "-n", Ns, "get", "serviceaccounts", "-o", "name"));
        Assert.Equal("", (await Kubectl.OkAsync("--context", "host", "-n", Ns, "get", "serviceaccounts.kubesphere.io", "-o", "name")).Trim());
    }
}
