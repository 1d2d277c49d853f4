using System.Text.Json.Nodes;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>
/// Real helm v4.1.4 against the sandbox. helm 4's <c>template --dry-run=server</c>, <c>install</c> and <c>upgrade</c>
/// build the rendered objects with client-side validation: a kind missing from the OpenAPI v3 documents (a custom
/// resource whose CRD is not installed, a v1 List) is validated against /openapi/v2, which must be served.
/// </summary>
public sealed class Helm4Tests : IClassFixture<SandboxFixture>, IDisposable
{
    private readonly SandboxFixture _f;
    private readonly Helm4Runner _helm;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ksup-helm4-" + Guid.NewGuid().ToString("N"));

    public Helm4Tests(SandboxFixture f)
    {
        _f = f;
        _helm = new Helm4Runner(f.Host.KubeconfigPath, SandboxFixture.Cluster);
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private KsUpgrade.Sandbox.Simulation.ISandboxClusterView View => _f.Host.Cluster(SandboxFixture.Cluster);

    /// <summary>A chart with a ConfigMap (one value looked up from the cluster), a PVC, a Job and a Deployment using the PVC.</summary>
    private string SmallChart(string name, string? extraTemplate = null)
    {
        var chart = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.Combine(chart, "templates"));
        File.WriteAllText(Path.Combine(chart, "Chart.yaml"), $"apiVersion: v2\nname: {name}\nversion: 0.1.0\nappVersion: \"1.0\"\n");
        File.WriteAllText(Path.Combine(chart, "values.yaml"), "message: hello\nreplicas: 2\n");
        File.WriteAllText(Path.Combine(chart, "templates", "all.yaml"), """
            {{- $seen := lookup "v1" "ConfigMap" "apps" "web-config" }}
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}-config
            data:
              message: {{ .Values.message | quote }}
              looked-up: {{ if $seen }}{{ $seen.data.k | quote }}{{ else }}"nothing"{{ end }}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: {{ .Release.Name }}-data
            spec:
              accessModes: [ReadWriteOnce]
              resources:
                requests:
                  storage: 1Gi
            ---
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: {{ .Release.Name }}-job-{{ .Release.Revision }}
            spec:
              backoffLimit: 0
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: main
                      image: busybox:1.36
                      command: [sh, -c, "echo {{ .Values.message }}"]
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ .Release.Name }}-web
            spec:
              replicas: {{ .Values.replicas }}
              selector:
                matchLabels: {app: {{ .Release.Name }}-web}
              template:
                metadata:
                  labels: {app: {{ .Release.Name }}-web}
                spec:
                  containers:
                    - name: web
                      image: nginx:1.27
                      env:
                        - name: MESSAGE
                          value: {{ .Values.message | quote }}
                      volumeMounts:
                        - name: data
                          mountPath: /data
                  volumes:
                    - name: data
                      persistentVolumeClaim:
                        claimName: {{ .Release.Name }}-data
            """);
        if (extraTemplate is not null) File.WriteAllText(Path.Combine(chart, "templates", "extra.yaml"), extraTemplate);
        return chart;
    }

    private static string Describe((int ExitCode, string StdOut, string StdErr) r) => $"exit {r.ExitCode}\n{r.StdErr}\n{r.StdOut}";

    [Helm4Fact]
    public async Task Template_dry_run_server_validates_through_the_openapi_documents_sees_the_cluster_and_creates_nothing()
    {
        var chart = SmallChart("drychart");
        var openapiBefore = _f.Host.Requests.Get(SandboxFixture.Cluster, "get", "openapi");

        var r = await _helm.RunAsync("template", "dry", chart, "--namespace", "apps", "--dry-run=server");

        Assert.True(r.ExitCode == 0, Describe(r));
        foreach (var kind in new[] { "ConfigMap", "PersistentVolumeClaim", "Job", "Deployment" })
            Assert.Contains($"kind: {kind}", r.StdOut);
        Assert.Contains("looked-up: \"web-config\"", r.StdOut); // lookup answered by the server
        Assert.Contains("claimName: dry-data", r.StdOut);
        // helm 4 fetched the OpenAPI documents to decide how to validate; a dry run leaves nothing behind
        Assert.True(_f.Host.Requests.Get(SandboxFixture.Cluster, "get", "openapi") > openapiBefore);
        Assert.Null(View.Get("v1", "configmaps", "apps", "dry-config"));
        Assert.Null(View.Get("batch/v1", "jobs", "apps", "dry-job-1"));
        Assert.Null(View.Get("apps/v1", "deployments", "apps", "dry-web"));
        Assert.Null(View.Get("v1", "persistentvolumeclaims", "apps", "dry-data"));
    }

    [Helm4Fact]
    public async Task A_kind_without_its_CRD_passes_client_side_validation_and_fails_on_the_missing_kind()
    {
        // The kind is absent from the OpenAPI v3 documents and from the CRDs, so helm 4 validates it against
        // /openapi/v2; there it has no model and validation is skipped, as on a real server. What remains is the
        // REST mapping, which fails as it would on a real cluster: the CRD is not installed.
        var chart = SmallChart("gadgetchart", """
            apiVersion: example.org/v1
            kind: Gadget
            metadata:
              name: {{ .Release.Name }}-gadget
            spec:
              size: 3
            """);

        var r = await _helm.RunAsync("template", "gadget", chart, "--namespace", "apps", "--dry-run=server");

        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("error validating", r.StdErr);
        Assert.Contains("no matches for kind \"Gadget\" in version \"example.org/v1\"", r.StdErr);

        // the same chart with a served custom kind (the seed's Widget CRD) renders
        var widget = SmallChart("widgetchart", """
            apiVersion: example.com/v1
            kind: Widget
            metadata:
              name: {{ .Release.Name }}-widget
            spec:
              size: 3
            """);
        var ok = await _helm.RunAsync("template", "widget", widget, "--namespace", "apps", "--dry-run=server");
        Assert.True(ok.ExitCode == 0, Describe(ok));
        Assert.Contains("kind: Widget", ok.StdOut);
    }

    [Helm4Fact]
    public async Task Install_then_upgrade_with_wait_creates_and_updates_the_objects()
    {
        const string ns = "helm4-apps";
        var chart = SmallChart("webchart");

        var install = await _helm.RunAsync("install", "web", chart, "--namespace", ns, "--create-namespace",
            "--wait", "--wait-for-jobs", "--timeout", "60s");

        Assert.True(install.ExitCode == 0, Describe(install));
        Assert.Contains("STATUS: deployed", install.StdOut);
        Assert.NotNull(View.Get("v1", "namespaces", null, ns));
        var cm = View.Get("v1", "configmaps", ns, "web-config")!;
        Assert.Equal("hello", cm["data"]!["message"]!.GetValue<string>());
        Assert.Equal("web-config", cm["data"]!["looked-up"]!.GetValue<string>());
        Assert.Equal("Helm", cm["metadata"]!["labels"]!["app.kubernetes.io/managed-by"]!.GetValue<string>());
        Assert.Equal("Bound", View.Get("v1", "persistentvolumeclaims", ns, "web-data")!["status"]!["phase"]!.GetValue<string>());
        AssertJobComplete(ns, "web-job-1");
        AssertDeploymentReady(ns, "web-web", 2, "hello");
        Assert.Equal("deployed", ReleaseStatus(ns, "web", 1));

        var upgrade = await _helm.RunAsync("upgrade", "web", chart, "--namespace", ns, "--set", "message=bye,replicas=3",
            "--wait", "--wait-for-jobs", "--timeout", "60s");

        Assert.True(upgrade.ExitCode == 0, Describe(upgrade));
        Assert.Contains("REVISION: 2", upgrade.StdOut);
        Assert.Equal("bye", View.Get("v1", "configmaps", ns, "web-config")!["data"]!["message"]!.GetValue<string>());
        AssertJobComplete(ns, "web-job-2");
        Assert.Null(View.Get("batch/v1", "jobs", ns, "web-job-1")); // no longer in the manifest: deleted by helm
        AssertDeploymentReady(ns, "web-web", 3, "bye");
        Assert.Equal("superseded", ReleaseStatus(ns, "web", 1));
        Assert.Equal("deployed", ReleaseStatus(ns, "web", 2));
    }

    private void AssertJobComplete(string ns, string name)
    {
        var job = View.Get("batch/v1", "jobs", ns, name);
        Assert.NotNull(job);
        var conditions = job!["status"]?["conditions"]?.AsArray() ?? new JsonArray();
        Assert.Contains(conditions, c => c!["type"]!.GetValue<string>() == "Complete" && c["status"]!.GetValue<string>() == "True");
        Assert.Equal(1, job["status"]!["succeeded"]!.GetValue<int>());
    }

    private void AssertDeploymentReady(string ns, string name, int replicas, string message)
    {
        var d = View.Get("apps/v1", "deployments", ns, name)!;
        Assert.Equal(replicas, d["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal(replicas, d["status"]!["readyReplicas"]!.GetValue<int>());
        Assert.Equal(replicas, d["status"]!["updatedReplicas"]!.GetValue<int>());
        var env = d["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        Assert.Equal(message, env.Single(e => e!["name"]!.GetValue<string>() == "MESSAGE")!["value"]!.GetValue<string>());
        var pods = View.List("v1", "pods", ns).Where(p => p["metadata"]?["labels"]?["app"]?.GetValue<string>() == name).ToList();
        Assert.Equal(replicas, pods.Count(p => p["status"]?["phase"]?.GetValue<string>() == "Running"));
    }

    /// <summary>The status label of helm's release secret sh.helm.release.v1.&lt;release&gt;.v&lt;revision&gt;.</summary>
    private string? ReleaseStatus(string ns, string release, int revision) =>
        View.Get("v1", "secrets", ns, $"sh.helm.release.v1.{release}.v{revision}")?["metadata"]?["labels"]?["status"]?.GetValue<string>();
}
