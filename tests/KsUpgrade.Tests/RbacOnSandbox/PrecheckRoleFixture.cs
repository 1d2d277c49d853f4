using System.Text.Json.Nodes;
using k8s;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Sandbox.Authorization;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Tests.ChecksOnSandbox;
using KsUpgrade.Tests.Sandbox;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Tests.RbacOnSandbox;

/// <summary>
/// The ks34-host seed with docs/rbac/ksupgrade-precheck-clusterrole.yaml applied by kubectl (as an admin would), bound to
/// ServiceAccount ksupgrade/ksupgrade-precheck, plus narrower copies of it (without secrets, without the installer
/// group), each bound to its own ServiceAccount; one minted identity (kubeconfig context host-&lt;name&gt;) per account.
/// </summary>
public sealed class PrecheckRoleFixture : IAsyncLifetime
{
    public const string Cluster = SandboxChecks.Cluster;
    public const string Namespace = "ksupgrade";
    public const string RoleName = "ksupgrade-precheck";

    public SandboxHost Host { get; private set; } = null!;
    public KubectlRunner Kubectl { get; private set; } = null!;
    /// <summary>identity name → kubeconfig context.</summary>
    public Dictionary<string, string> Contexts { get; } = new();

    public static string RoleFile => Path.Combine(RepoRoot(), "docs", "rbac", "ksupgrade-precheck-clusterrole.yaml");

    public async Task InitializeAsync()
    {
        Host = await SandboxChecks.StartAsync(SandboxChecks.LoadHostSeed());
        Kubectl = new KubectlRunner(Host.KubeconfigPath);
        await Kubectl.OkAsync("--context", Cluster, "apply", "-f", RoleFile);
        await Kubectl.OkAsync("--context", Cluster, "create", "namespace", Namespace);
        await BindAsync("precheck", RoleName);

        var role = JsonNode.Parse(await Kubectl.OkAsync("--context", Cluster, "get", "clusterrole", RoleName, "-o", "json"))!.AsObject();
        await ApplyNarrowedAsync(role, "no-secrets", r => Without(r, "resources", "secrets"));
        await ApplyNarrowedAsync(role, "no-installer", r => Without(r, "apiGroups", "installer.kubesphere.io"));
    }

    /// <summary>A ClusterRoleBinding of ClusterRole &lt;role&gt; to ServiceAccount &lt;ns&gt;/&lt;role&gt;, as YAML for kubectl apply.</summary>
    internal static string ClusterRoleBindingYaml(string role, string ns) => $"""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata:
          name: {role}
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: ClusterRole
          name: {role}
        subjects:
        - kind: ServiceAccount
          name: {role}
          namespace: {ns}
        """;

    /// <summary>A ServiceAccount ksupgrade/&lt;role&gt;, a ClusterRoleBinding of the role to it, and a minted identity for it.</summary>
    private async Task BindAsync(string identity, string role)
    {
        await Kubectl.OkAsync("--context", Cluster, "create", "serviceaccount", role, "-n", Namespace);
        // kubectl create clusterrolebinding would send protobuf, which the sandbox does not decode for RBAC kinds: apply YAML.
        await Kubectl.OkWithInputAsync(ClusterRoleBindingYaml(role, Namespace), "--context", Cluster, "apply", "-f", "-");
        var minted = Host.MintServiceAccountIdentity(identity, Namespace, role);
        Contexts[identity] = Assert.Single(minted.Contexts);
    }

    /// <summary>Applies a copy of the precheck role with each rule narrowed (rules left empty are dropped) and binds it.</summary>
    private async Task ApplyNarrowedAsync(JsonObject role, string suffix, Func<JsonObject, JsonObject?> narrow)
    {
        var name = RoleName + "-" + suffix;
        var copy = new JsonObject
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1",
            ["kind"] = "ClusterRole",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["rules"] = new JsonArray(role["rules"]!.AsArray().Select(r => narrow((JsonObject)r!.DeepClone())).Where(r => r is not null).Select(r => (JsonNode)r!).ToArray()),
        };
        await Kubectl.OkWithInputAsync(copy.ToJsonString(), "--context", Cluster, "apply", "-f", "-");
        await BindAsync(suffix, name);
    }

    private static JsonObject? Without(JsonObject rule, string field, string value)
    {
        if (rule[field] is not JsonArray values) return rule;
        var kept = values.Where(v => (string?)v != value).Select(v => (JsonNode)JsonValue.Create((string)v!)!).ToArray();
        if (kept.Length == 0) return null;
        rule[field] = new JsonArray(kept);
        return rule;
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>The request of every run here: preflight, fixed helm and values, and chart objects of every kind the role's ChartAdoption rules name.</summary>
    public static CheckRequest Request() => new()
    {
        Phase = KsCheckPhase.Preflight,
        Helm = new FixedHelmProbe(HelmProbeResult.Of("/usr/bin/helm", "v3.17.3")),
        Values = LocalValuesInspector.InspectText(SandboxChecks.HealthyValues, "ks-core-values.yaml"),
        ChartResources = ChartResources,
    };

    /// <summary>Objects as the ks-core chart renders them, one or more per kind the ChartAdoption rules grant.</summary>
    public static IReadOnlyList<ChartResourceRef> ChartResources { get; } = new ChartResourceRef[]
    {
        new("v1", "ConfigMap", "kubesphere-system", "ks-console-config"),
        new("v1", "Secret", "kubesphere-system", "ks-controller-manager-webhook-cert"),
        new("v1", "Service", "kubesphere-system", "ks-apiserver"),
        new("v1", "ServiceAccount", "kubesphere-system", "kubesphere"),
        new("v1", "PersistentVolumeClaim", "kubesphere-system", "ks-probe-data"),
        new("v1", "Namespace", null, "kubesphere-controls-system"),
        new("apps/v1", "Deployment", "kubesphere-system", "ks-apiserver"),
        new("rbac.authorization.k8s.io/v1", "ClusterRole", null, SandboxChecks.NewClusterRole),
        new("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", null, "kubesphere"),
        new("rbac.authorization.k8s.io/v1", "Role", "kubesphere-system", "ks-probe-role"),
        new("rbac.authorization.k8s.io/v1", "RoleBinding", "kubesphere-system", "ks-probe-binding"),
        new("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", null, "users.iam.kubesphere.io"),
        new("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", null, "ks-probe-mutating"),
        new("iam.kubesphere.io/v1beta1", "RoleTemplate", null, "ks-probe-template"),
        new("tenant.kubesphere.io/v1beta1", "WorkspaceTemplate", null, "ks-probe-workspace"),
        new("kubesphere.io/v1alpha1", "Category", null, "ks-probe-category"),
    };

    /// <summary>Runs the engine (KubeClusterReader over KubernetesClient) as the identity of a kubeconfig context.</summary>
    public async Task<KsClusterReport> RunAsync(string context)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(Host.KubeconfigPath, context);
        using var client = new Kubernetes(config);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await new ClusterChecker(new KubeClusterReader(new KubeApi(client, context, config.Host ?? ""))).RunAsync(Request(), null, timeout.Token);
    }

    /// <summary>Runs as <paramref name="context"/> with the access log on; returns the report and what was asked.</summary>
    public async Task<(KsClusterReport Report, IReadOnlyList<AccessRecord> Access)> RunRecordedAsync(string context)
    {
        Host.Access.Clear();
        Host.Access.Enabled = true;
        try
        {
            var report = await RunAsync(context);
            return (report, Host.Access.Snapshot());
        }
        finally
        {
            Host.Access.Enabled = false;
            Host.Access.Clear();
        }
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KsUpgrade.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("KsUpgrade.sln not found above the test output");
    }
}
