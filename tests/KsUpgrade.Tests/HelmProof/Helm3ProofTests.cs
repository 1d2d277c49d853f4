using System.Diagnostics;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Tests.Sandbox;

namespace KsUpgrade.Tests.HelmProof;

/// <summary>
/// Proof that real helm 3.17 works against the sandbox: the whole release lifecycle on a small chart with a CRD,
/// a Deployment (--wait) and a pre-upgrade hook Job, each step checked in the simulated cluster's state.
/// </summary>
public sealed class Helm3ProofTests : IAsyncLifetime
{
    private const string Ns = "apps";
    private SandboxHost _host = null!;
    private string _dir = null!;
    private string _chart = null!;

    public async Task InitializeAsync()
    {
        _host = await SandboxHost.StartAsync(new SandboxOptions { Clusters = new[] { TestSeed.Build("proof") } });
        _dir = Directory.CreateTempSubdirectory("ksupgrade-helmproof-").FullName;
        _chart = WriteChart(Path.Combine(_dir, "proof"));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_dir, true);
    }

    private static string HelmPath()
    {
        var env = Environment.GetEnvironmentVariable("KSUPGRADE_HELM3");
        var path = !string.IsNullOrEmpty(env) ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "ksupgrade", "tools", "helm-v3.17.3", "helm");
        Assert.True(File.Exists(path), $"helm 3.17.3 not found at {path}: run ./build.ps1 build, which fetches it");
        return path;
    }

    private async Task<string> HelmAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(HelmPath()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--kubeconfig");
        psi.ArgumentList.Add(_host.KubeconfigPath);
        psi.Environment["HELM_CONFIG_HOME"] = Path.Combine(_dir, "config");
        psi.Environment["HELM_CACHE_HOME"] = Path.Combine(_dir, "cache");
        psi.Environment["HELM_DATA_HOME"] = Path.Combine(_dir, "data");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await p.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.True(p.ExitCode == 0, $"helm {string.Join(' ', args)} failed ({p.ExitCode}): {await stderr}");
        return output;
    }

    private JsonObject? Get(string apiVersion, string resource, string? ns, string name) =>
        _host.Cluster("proof").Get(apiVersion, resource, ns, name);

    [Fact]
    public async Task Helm3_release_lifecycle_against_the_sandbox()
    {
        // show crds and a server-side dry-run render
        Assert.Contains("widgets.proof.ksupgrade.io", await HelmAsync("show", "crds", _chart));
        var rendered = await HelmAsync("template", "proof", _chart, "-n", Ns, "--dry-run=server", "-s", "templates/configmap.yaml");
        Assert.Contains("kind: ConfigMap", rendered);
        Assert.DoesNotContain("kind: Deployment", rendered);
        Assert.Null(Get("v1", "configmaps", Ns, "proof-settings")); // a dry run stores nothing

        // install --wait: CRD first, then the objects; the deployment becomes ready
        await HelmAsync("install", "proof", _chart, "-n", Ns, "--create-namespace", "--wait", "--timeout", "60s");
        Assert.NotNull(Get("apiextensions.k8s.io/v1", "customresourcedefinitions", null, "widgets.proof.ksupgrade.io"));
        Assert.Equal("one", Get("v1", "configmaps", Ns, "proof-settings")!["data"]!["message"]!.GetValue<string>());
        var deployment = Get("apps/v1", "deployments", Ns, "proof-web")!;
        Assert.Equal(2, deployment["status"]!["readyReplicas"]!.GetValue<int>());
        Assert.Equal("deployed", await StatusAsync());

        // upgrade --wait runs the pre-upgrade hook job to completion first
        await HelmAsync("upgrade", "proof", _chart, "-n", Ns, "--set", "message=two", "--wait", "--timeout", "60s");
        var hook = Get("batch/v1", "jobs", Ns, "proof-pre-upgrade")!;
        Assert.Equal(1, hook["status"]!["succeeded"]!.GetValue<int>());
        Assert.Equal("two", Get("v1", "configmaps", Ns, "proof-settings")!["data"]!["message"]!.GetValue<string>());

        var status = JsonNode.Parse(await HelmAsync("status", "proof", "-n", Ns, "-o", "json"))!;
        Assert.Equal(2, status["version"]!.GetValue<int>());
        var list = JsonNode.Parse(await HelmAsync("list", "-A", "-a", "-o", "json"))!.AsArray();
        Assert.Contains(list, r => r!["name"]!.GetValue<string>() == "proof" && r["revision"]!.GetValue<string>() == "2");
        var history = JsonNode.Parse(await HelmAsync("history", "proof", "-n", Ns, "-o", "json"))!.AsArray();
        Assert.Equal(new[] { "superseded", "deployed" }, history.Select(h => h!["status"]!.GetValue<string>()));

        // rollback restores revision 1's values as revision 3
        await HelmAsync("rollback", "proof", "1", "-n", Ns, "--wait", "--timeout", "60s");
        Assert.Equal("one", Get("v1", "configmaps", Ns, "proof-settings")!["data"]!["message"]!.GetValue<string>());
        var afterRollback = JsonNode.Parse(await HelmAsync("status", "proof", "-n", Ns, "-o", "json"))!;
        Assert.Equal(3, afterRollback["version"]!.GetValue<int>());

        // uninstall removes the objects and the release secrets
        await HelmAsync("uninstall", "proof", "-n", Ns, "--wait");
        Assert.Null(Get("v1", "configmaps", Ns, "proof-settings"));
        Assert.Null(Get("apps/v1", "deployments", Ns, "proof-web"));
        Assert.DoesNotContain(_host.Cluster("proof").List("v1", "secrets", Ns), s => s["metadata"]!["labels"]?["owner"]?.GetValue<string>() == "helm");
    }

    [Fact]
    public async Task Helm3_with_a_wrong_token_gets_401()
    {
        var kubeconfig = Path.Combine(_dir, "wrong-token.kubeconfig");
        var text = await File.ReadAllTextAsync(_host.KubeconfigPath);
        await File.WriteAllTextAsync(kubeconfig, System.Text.RegularExpressions.Regex.Replace(text, "token: \"?[^\"\\s]+\"?", "token: \"not-the-sandbox-token\""));
        var psi = new ProcessStartInfo(HelmPath()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "list", "-A", "--kubeconfig", kubeconfig }) psi.ArgumentList.Add(a);
        psi.Environment["HELM_CONFIG_HOME"] = Path.Combine(_dir, "config");
        psi.Environment["HELM_CACHE_HOME"] = Path.Combine(_dir, "cache");
        using var p = Process.Start(psi)!;
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.NotEqual(0, p.ExitCode);
        // client-go words a 401 Unauthorized this way
        Assert.True(stderr.Contains("the server has asked for the client to provide credentials"), stderr);
        Assert.Empty(_host.Cluster("proof").List("v1", "secrets", Ns));
    }

    private async Task<string> StatusAsync() =>
        JsonNode.Parse(await HelmAsync("status", "proof", "-n", Ns, "-o", "json"))!["info"]!["status"]!.GetValue<string>();

    private static string WriteChart(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "templates"));
        Directory.CreateDirectory(Path.Combine(dir, "crds"));
        File.WriteAllText(Path.Combine(dir, "Chart.yaml"), "apiVersion: v2\nname: proof\nversion: 0.1.0\nappVersion: \"1.0\"\n");
        File.WriteAllText(Path.Combine(dir, "values.yaml"), "message: one\nreplicas: 2\n");
        File.WriteAllText(Path.Combine(dir, "crds", "widgets.yaml"), """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.proof.ksupgrade.io
            spec:
              group: proof.ksupgrade.io
              scope: Namespaced
              names: {plural: widgets, singular: widget, kind: Widget}
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
            """);
        File.WriteAllText(Path.Combine(dir, "templates", "configmap.yaml"), """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: proof-settings
            data:
              message: {{ .Values.message | quote }}
            """);
        File.WriteAllText(Path.Combine(dir, "templates", "deployment.yaml"), """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: proof-web
              labels: {app: proof-web}
            spec:
              replicas: {{ .Values.replicas }}
              selector:
                matchLabels: {app: proof-web}
              template:
                metadata:
                  labels: {app: proof-web}
                spec:
                  containers:
                  - name: web
                    image: registry.invalid/proof/web:{{ .Values.message }}
            """);
        File.WriteAllText(Path.Combine(dir, "templates", "hook.yaml"), """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: proof-pre-upgrade
              annotations:
                helm.sh/hook: pre-upgrade
                helm.sh/hook-delete-policy: before-hook-creation
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers:
                  - name: hook
                    image: registry.invalid/proof/hook:1
            """);
        return dir;
    }
}
