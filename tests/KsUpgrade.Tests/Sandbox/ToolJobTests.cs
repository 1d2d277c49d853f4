using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Hosting;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>
/// Jobs whose container image is kubectl (or helm) do their real work (issue 15): the sandbox runs the real binary with
/// the container's command and args, against itself, as the pod's ServiceAccount (RBAC applies), with mounted
/// ConfigMaps materialised as files; the exit code decides Complete or Failed and the output is the pod log. Real kubectl
/// drives the tests and runs inside the jobs.
/// </summary>
public sealed class ToolJobTests
{
    private static Task<SandboxHost> Start(string? kubectlPath = null) => SandboxHost.StartAsync(new SandboxOptions
    {
        Clusters = new[] { TestSeed.Build("test") },
        KubectlPath = kubectlPath,
    });

    /// <summary>A ServiceAccount in apps that may get and patch namespaces (and nothing else).</summary>
    private const string NamespacePatcher = """
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: patcher, namespace: apps}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: namespace-patcher}
        rules:
        - apiGroups: [""]
          resources: [namespaces]
          verbs: [get, patch]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: namespace-patcher}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: namespace-patcher}
        subjects:
        - {kind: ServiceAccount, name: patcher, namespace: apps}
        """;

    private static string LabelJob(string name, string serviceAccount) => Job(name,
        "{name: kubectl, image: 'kubesphere/kubectl:v1.27.16', command: [kubectl, label, ns, kubesphere-system, kubesphere.io/protected-resource=true, --overwrite]}",
        serviceAccount);

    [Fact]
    public async Task A_kubectl_job_labels_the_namespace_as_its_service_account()
    {
        await using var host = await Start();
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        await kubectl.OkAsync("create", "namespace", "kubesphere-system");
        await kubectl.OkWithInputAsync(NamespacePatcher, "apply", "-f", "-");
        await kubectl.OkWithInputAsync(LabelJob("protect", "patcher"), "apply", "-f", "-");

        await kubectl.OkAsync("wait", "--for=condition=complete", "job/protect", "-n", "apps", "--timeout=60s");
        var ns = JsonNode.Parse(await kubectl.OkAsync("get", "ns", "kubesphere-system", "-o", "json"))!;
        Assert.Equal("true", ns["metadata"]!["labels"]?["kubesphere.io/protected-resource"]?.GetValue<string>());
        var log = await kubectl.OkAsync("logs", "job/protect", "-n", "apps");
        Assert.Contains("namespace/kubesphere-system labeled", log);
        var pod = JsonNode.Parse(await kubectl.OkAsync("get", "pods", "-n", "apps", "-l", "job-name=protect", "-o", "json"))!["items"]![0]!;
        Assert.Equal("Succeeded", pod["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(0, pod["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["exitCode"]!.GetValue<int>());
    }

    private static string Job(string name, string container, string serviceAccount = "default", string volumes = "") => $$"""
        apiVersion: batch/v1
        kind: Job
        metadata: {name: {{name}}, namespace: apps}
        spec:
          backoffLimit: 0
          template:
            spec:
              restartPolicy: Never
              serviceAccountName: {{serviceAccount}}
              containers:
              - {{container}}
        {{volumes}}
        """;

    private static async Task<JsonNode> PodOf(KubectlRunner kubectl, string job) =>
        JsonNode.Parse(await kubectl.OkAsync("get", "pods", "-n", "apps", "-l", "job-name=" + job, "-o", "json"))!["items"]![0]!;

    [Fact]
    public async Task A_kubectl_job_whose_service_account_lacks_rbac_fails_with_forbidden_in_its_log()
    {
        await using var host = await Start();
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        await kubectl.OkAsync("create", "namespace", "kubesphere-system");
        await kubectl.OkAsync("create", "serviceaccount", "nobody", "-n", "apps");
        await kubectl.OkWithInputAsync(LabelJob("protect", "nobody"), "apply", "-f", "-");

        await kubectl.OkAsync("wait", "--for=condition=failed", "job/protect", "-n", "apps", "--timeout=60s");
        var log = await kubectl.OkAsync("logs", "job/protect", "-n", "apps");
        Assert.Contains("Forbidden", log);
        Assert.Contains("system:serviceaccount:apps:nobody", log);
        var ns = JsonNode.Parse(await kubectl.OkAsync("get", "ns", "kubesphere-system", "-o", "json"))!;
        Assert.Null(ns["metadata"]!["labels"]?["kubesphere.io/protected-resource"]);
        var pod = await PodOf(kubectl, "protect");
        Assert.Equal("Failed", pod["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(1, pod["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!["exitCode"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_failing_command_fails_the_job_with_its_exit_code_and_output()
    {
        await using var host = await Start();
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        await kubectl.OkWithInputAsync(Job("boom",
            """{name: c, image: "docker.io/bitnami/kubectl:1.27", command: [/bin/sh, -c, "echo before the failure; echo to stderr >&2; exit 3"]}"""),
            "apply", "-f", "-");

        await kubectl.OkAsync("wait", "--for=condition=failed", "job/boom", "-n", "apps", "--timeout=60s");
        var pod = await PodOf(kubectl, "boom");
        Assert.Equal("Failed", pod["status"]!["phase"]!.GetValue<string>());
        var terminated = pod["status"]!["containerStatuses"]![0]!["state"]!["terminated"]!;
        Assert.Equal(3, terminated["exitCode"]!.GetValue<int>());
        Assert.Equal("Error", terminated["reason"]!.GetValue<string>());
        var log = await kubectl.OkAsync("logs", "job/boom", "-n", "apps");
        Assert.Contains("before the failure", log);
        Assert.Contains("to stderr", log);
        var job = JsonNode.Parse(await kubectl.OkAsync("get", "job", "boom", "-n", "apps", "-o", "json"))!;
        Assert.Equal(1, job["status"]!["failed"]!.GetValue<int>());
        Assert.Null(job["status"]!["succeeded"]);
    }

    [Fact]
    public async Task A_mounted_configmap_is_a_file_the_command_reads()
    {
        await using var host = await Start();
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        await kubectl.OkWithInputAsync("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: manifests, namespace: apps}
            data:
              x.yaml: |
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: applied-from-a-job, namespace: apps}
                data: {origin: job}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: applier, namespace: apps}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
            subjects: [{kind: ServiceAccount, name: default, namespace: apps}]
            """, "apply", "-f", "-");
        await kubectl.OkWithInputAsync(Job("apply",
            """{name: c, image: kubesphere/kubectl:v1.27.16, command: [kubectl, apply, -f, /config/x.yaml], volumeMounts: [{name: config, mountPath: /config}]}""",
            volumes: "      volumes: [{name: config, configMap: {name: manifests}}]"),
            "apply", "-f", "-");

        await kubectl.OkAsync("wait", "--for=condition=complete", "job/apply", "-n", "apps", "--timeout=60s");
        var applied = JsonNode.Parse(await kubectl.OkAsync("get", "configmap", "applied-from-a-job", "-n", "apps", "-o", "json"))!;
        Assert.Equal("job", applied["data"]!["origin"]!.GetValue<string>());
        Assert.Contains("configmap/applied-from-a-job created", await kubectl.OkAsync("logs", "job/apply", "-n", "apps"));
    }

    [Fact]
    public async Task A_missing_binary_fails_the_job_with_a_log_saying_so()
    {
        await using var host = await Start(kubectlPath: "/nonexistent/kubectl");
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        await kubectl.OkWithInputAsync(Job("nobinary", """{name: c, image: kubesphere/kubectl:v1.27.16, command: [kubectl, get, ns]}"""), "apply", "-f", "-");

        await kubectl.OkAsync("wait", "--for=condition=failed", "job/nobinary", "-n", "apps", "--timeout=60s");
        var log = await kubectl.OkAsync("logs", "job/nobinary", "-n", "apps");
        Assert.Contains("no kubectl binary was found", log);
    }

    /// <summary>A job that sleeps; the sleep's argument is unique, so its process can be found in /proc.</summary>
    private static string SleepJob(string name, string marker) =>
        Job(name, $$"""{name: c, image: kubesphere/kubectl:v1.27.16, command: [/bin/sh, -c, "kubectl version --client >/dev/null; sleep {{marker}}"]}""");

    private static bool ProcessWithArgumentRuns(string argument) =>
        Directory.GetDirectories("/proc").Any(d =>
        {
            try { return File.ReadAllText(Path.Combine(d, "cmdline")).Split('\0').Contains(argument); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
        });

    [Fact]
    public async Task Stopping_the_sandbox_kills_the_job_process_and_its_children()
    {
        var marker = "299." + Random.Shared.Next(100000, 999999);
        var host = await Start();
        try
        {
            var kubectl = new KubectlRunner(host.KubeconfigPath);
            await kubectl.OkWithInputAsync(SleepJob("sleeper", marker), "apply", "-f", "-");
            await SandboxFixture.EventuallyAsync(() => ProcessWithArgumentRuns(marker), "the job's sleep runs", 30);
            var shell = Assert.Single(host.RunningToolJobs).ProcessId;
            await host.DisposeAsync();
            Assert.False(ProcessWithArgumentRuns(marker), "the job's sleep outlived the sandbox");
            Assert.False(File.Exists($"/proc/{shell}/cmdline") && !File.ReadAllText($"/proc/{shell}/stat").Contains(") Z "),
                "the job's shell outlived the sandbox");
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Deleting_the_job_kills_its_process()
    {
        var marker = "298." + Random.Shared.Next(100000, 999999);
        await using var host = await Start();
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        await kubectl.OkWithInputAsync(SleepJob("sleeper", marker), "apply", "-f", "-");
        await SandboxFixture.EventuallyAsync(() => ProcessWithArgumentRuns(marker), "the job's sleep runs", 30);
        await kubectl.OkAsync("delete", "job", "sleeper", "-n", "apps", "--wait=false");
        await SandboxFixture.EventuallyAsync(() => !ProcessWithArgumentRuns(marker), "the job's sleep is killed", 10);
        await SandboxFixture.EventuallyAsync(() => host.RunningToolJobs.Count == 0, "no tool job runs", 10);
    }

    [Fact]
    public async Task Active_deadline_seconds_kills_the_job_and_fails_it_as_deadline_exceeded()
    {
        var marker = "297." + Random.Shared.Next(100000, 999999);
        await using var host = await Start();
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        var job = SleepJob("late", marker).Replace("  backoffLimit: 0", "  backoffLimit: 0\n  activeDeadlineSeconds: 2");
        await kubectl.OkWithInputAsync(job, "apply", "-f", "-");
        await kubectl.OkAsync("wait", "--for=condition=failed", "job/late", "-n", "apps", "--timeout=60s");
        var status = JsonNode.Parse(await kubectl.OkAsync("get", "job", "late", "-n", "apps", "-o", "json"))!["status"]!;
        var failed = status["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "Failed")!;
        Assert.Equal("DeadlineExceeded", failed["reason"]!.GetValue<string>());
        Assert.Equal("Job was active longer than specified deadline", failed["message"]!.GetValue<string>());
        Assert.False(ProcessWithArgumentRuns(marker), "the job's sleep outlived its deadline");
    }

    [Fact]
    public async Task A_helm_job_runs_the_image_entrypoint_helm_with_its_args_as_its_service_account()
    {
        await using var host = await Start();
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        await kubectl.OkWithInputAsync("""
            apiVersion: v1
            kind: ServiceAccount
            metadata: {name: helmer, namespace: apps}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: helmer, namespace: apps}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
            subjects: [{kind: ServiceAccount, name: helmer, namespace: apps}]
            """, "apply", "-f", "-");
        // No command: the image's entrypoint (helm) runs with the args; helm's namespace is the pod's.
        await kubectl.OkWithInputAsync(Job("helm-list", """{name: c, image: alpine/helm:3.17.3, args: [list, --all]}""", "helmer"), "apply", "-f", "-");
        await kubectl.OkAsync("wait", "--for=condition=complete", "job/helm-list", "-n", "apps", "--timeout=60s");
        Assert.Matches(@"NAME\s+NAMESPACE\s+REVISION", await kubectl.OkAsync("logs", "job/helm-list", "-n", "apps"));

        // The same as the namespace's default account, which RBAC gives nothing: helm's list of secrets is forbidden.
        await kubectl.OkWithInputAsync(Job("helm-denied", """{name: c, image: alpine/helm:3.17.3, args: [list]}"""), "apply", "-f", "-");
        await kubectl.OkAsync("wait", "--for=condition=failed", "job/helm-denied", "-n", "apps", "--timeout=60s");
        var log = await kubectl.OkAsync("logs", "job/helm-denied", "-n", "apps");
        Assert.Contains("forbidden", log);
        Assert.Contains("system:serviceaccount:apps:default", log);
    }

    /// <summary>The shape of the chart's post-install hooks: a bash script in a kubectl image, piping kubectl into kubectl.</summary>
    private const string ScriptHook = """
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: hook, namespace: kubesphere-system}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: hook-admin}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
        subjects: [{kind: ServiceAccount, name: hook, namespace: kubesphere-system}]
        ---
        apiVersion: batch/v1
        kind: Job
        metadata: {name: patch-namespaces, namespace: kubesphere-system}
        spec:
          template:
            spec:
              restartPolicy: Never
              serviceAccountName: hook
              containers:
              - name: patch
                image: kubesphere/kubectl:v1.27.16
                command:
                - /bin/bash
                - -c
                - |
                  set -euo pipefail
                  kubectl create namespace kubesphere-controls-system --dry-run=client -o yaml | kubectl apply -f -
                  for each in kubesphere-system kubesphere-controls-system default; do
                    kubectl label ns "$each" kubesphere.io/managed=true --overwrite
                  done
                  echo "done in $(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace) as $(kubectl auth whoami -o jsonpath='{.status.userInfo.username}' 2>/dev/null || echo unknown)"
        """;

    [Fact]
    public async Task A_bash_script_in_a_kubectl_image_runs_its_kubectl_pipeline_in_the_pods_namespace()
    {
        await using var host = await Start();
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        await kubectl.OkAsync("create", "namespace", "kubesphere-system");
        await kubectl.OkWithInputAsync(ScriptHook, "apply", "-f", "-");

        await kubectl.OkAsync("wait", "--for=condition=complete", "job/patch-namespaces", "-n", "kubesphere-system", "--timeout=60s");
        foreach (var ns in new[] { "kubesphere-system", "kubesphere-controls-system", "default" })
        {
            var o = JsonNode.Parse(await kubectl.OkAsync("get", "ns", ns, "-o", "json"))!;
            Assert.Equal("true", o["metadata"]!["labels"]?["kubesphere.io/managed"]?.GetValue<string>());
        }
        var log = await kubectl.OkAsync("logs", "job/patch-namespaces", "-n", "kubesphere-system");
        Assert.Contains("namespace/kubesphere-controls-system created", log);
        // The ServiceAccount mount's namespace file is the pod's; a 1.26 server has no whoami (the script says unknown).
        Assert.Contains("done in kubesphere-system as unknown", log);
    }
}
