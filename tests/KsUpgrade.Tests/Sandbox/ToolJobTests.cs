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

    private static string LabelJob(string name, string serviceAccount) => $$"""
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
              - name: kubectl
                image: kubesphere/kubectl:v1.27.16
                command: [kubectl, label, ns, kubesphere-system, kubesphere.io/protected-resource=true, --overwrite]
        """;

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
}
