using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>Real kubectl changing the sandbox: apply (client- and server-side), patch, scale, delete, wait, logs.</summary>
public sealed class KubectlWriteTests : IClassFixture<SandboxFixture>
{
    private readonly SandboxFixture _f;
    private ISandboxClusterView Store => _f.Host.Cluster(SandboxFixture.Cluster);
    public KubectlWriteTests(SandboxFixture f) => _f = f;

    private static string Deployment(string name, string image, int replicas, string envValue) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{name}}
          namespace: apps
          labels: {app: {{name}} }
        spec:
          replicas: {{replicas}}
          selector: {matchLabels: {app: {{name}} } }
          template:
            metadata: {labels: {app: {{name}} } }
            spec:
              containers:
              - name: main
                image: {{image}}
                env: [{name: MODE, value: "{{envValue}}"}]
                ports: [{containerPort: 8080}]
        """;

    private List<JsonObject> PodsOf(string app) =>
        Store.List("v1", "pods", "apps").Where(p => p["metadata"]?["labels"]?["app"]?.GetValue<string>() == app).ToList();

    [Fact]
    public async Task Apply_creates_then_changes_a_deployment_and_rolls_it_out()
    {
        await _f.Kubectl.OkWithInputAsync(Deployment("shop", "shop:1", 2, "a"), "apply", "-f", "-");
        var created = Store.Get("apps/v1", "deployments", "apps", "shop")!;
        Assert.Equal(1, created["metadata"]!["generation"]!.GetValue<long>());
        Assert.NotNull(created["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]);
        await _f.Kubectl.OkAsync("rollout", "status", "deployment/shop", "-n", "apps", "--timeout=20s");

        var out2 = await _f.Kubectl.OkWithInputAsync(Deployment("shop", "shop:2", 2, "b"), "apply", "-f", "-");
        Assert.Contains("deployment.apps/shop configured", out2);
        var changed = Store.Get("apps/v1", "deployments", "apps", "shop")!;
        Assert.Equal("shop:2", changed["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal("b", changed["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]![0]!["value"]!.GetValue<string>());
        Assert.Equal(2, changed["metadata"]!["generation"]!.GetValue<long>());
        await _f.Kubectl.OkAsync("rollout", "status", "deployment/shop", "-n", "apps", "--timeout=20s");
        await SandboxFixture.EventuallyAsync(() =>
        {
            var pods = PodsOf("shop");
            return pods.Count == 2 && pods.All(p => p["spec"]!["containers"]![0]!["image"]!.GetValue<string>() == "shop:2"
                && p["status"]!["phase"]!.GetValue<string>() == "Running");
        }, "two running shop:2 pods");
        var status = Store.Get("apps/v1", "deployments", "apps", "shop")!["status"]!;
        Assert.Equal(2, status["observedGeneration"]!.GetValue<long>());
        Assert.Equal(2, status["availableReplicas"]!.GetValue<long>());

        var unchanged = await _f.Kubectl.OkWithInputAsync(Deployment("shop", "shop:2", 2, "b"), "apply", "-f", "-");
        Assert.Contains("unchanged", unchanged);
    }

    [Fact]
    public async Task Apply_server_side_records_the_manager_and_removes_fields_it_no_longer_applies()
    {
        const string v1 = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: apps}\ndata: {a: '1', b: '2'}\n";
        const string v2 = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: apps}\ndata: {a: '3'}\n";
        Assert.Contains("serverside-applied", await _f.Kubectl.OkWithInputAsync(v1, "apply", "--server-side", "-f", "-"));
        var cm = Store.Get("v1", "configmaps", "apps", "ssa")!;
        Assert.Equal("2", cm["data"]!["b"]!.GetValue<string>());
        var mf = cm["metadata"]!["managedFields"]!.AsArray().Single()!;
        Assert.Equal("kubectl", mf["manager"]!.GetValue<string>());
        Assert.Equal("Apply", mf["operation"]!.GetValue<string>());
        Assert.NotNull(mf["fieldsV1"]!["f:data"]!["f:b"]);

        await _f.Kubectl.OkWithInputAsync(v2, "apply", "--server-side", "-f", "-");
        cm = Store.Get("v1", "configmaps", "apps", "ssa")!;
        Assert.Equal("3", cm["data"]!["a"]!.GetValue<string>());
        Assert.Null(cm["data"]!["b"]);
        var rv = cm["metadata"]!["resourceVersion"]!.GetValue<string>();
        await _f.Kubectl.OkWithInputAsync(v2, "apply", "--server-side", "-f", "-");
        Assert.Equal(rv, Store.Get("v1", "configmaps", "apps", "ssa")!["metadata"]!["resourceVersion"]!.GetValue<string>());

        // Another manager changing an owned field conflicts unless forced.
        var conflict = await _f.Kubectl.RunWithInputAsync(v1, "apply", "--server-side", "--field-manager=other", "-f", "-");
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("conflict", conflict.StdErr, StringComparison.OrdinalIgnoreCase);
        await _f.Kubectl.OkWithInputAsync(v1, "apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-");
        Assert.Equal("1", Store.Get("v1", "configmaps", "apps", "ssa")!["data"]!["a"]!.GetValue<string>());
    }

    [Fact]
    public async Task Apply_server_side_twice_keeps_the_labels_and_annotations_it_applies()
    {
        const string cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-labels\n  namespace: apps\n  labels: {app: ks-upgrade}\n  annotations: {note: kept}\ndata: {a: '1'}\n";
        await _f.Kubectl.OkWithInputAsync(cm, "apply", "--server-side", "--field-manager=ksupgrade", "-f", "-");
        await _f.Kubectl.OkWithInputAsync(cm.Replace("a: '1'", "a: '2'"), "apply", "--server-side", "--field-manager=ksupgrade", "-f", "-");
        var live = Store.Get("v1", "configmaps", "apps", "ssa-labels")!;
        Assert.Equal("ks-upgrade", live["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Equal("kept", live["metadata"]!["annotations"]!["note"]!.GetValue<string>());
        Assert.Equal("2", live["data"]!["a"]!.GetValue<string>());
    }

    [Fact]
    public async Task Patch_json_merge_and_strategic()
    {
        await _f.Kubectl.OkWithInputAsync(Deployment("patchme", "p:1", 1, "x"), "apply", "-f", "-");
        await _f.Kubectl.OkAsync("patch", "deployment", "patchme", "-n", "apps", "--type", "json",
            "-p", """[{"op":"test","path":"/spec/replicas","value":1},{"op":"add","path":"/metadata/labels/patched","value":"json"}]""");
        await _f.Kubectl.OkAsync("patch", "deployment", "patchme", "-n", "apps", "--type", "merge", "-p", """{"metadata":{"annotations":{"note":"merge"}}}""");
        await _f.Kubectl.OkAsync("patch", "deployment", "patchme", "-n", "apps", "--type", "strategic",
            "-p", """{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"EXTRA","value":"1"}]}]}}}}""");
        var d = Store.Get("apps/v1", "deployments", "apps", "patchme")!;
        Assert.Equal("json", d["metadata"]!["labels"]!["patched"]!.GetValue<string>());
        Assert.Equal("merge", d["metadata"]!["annotations"]!["note"]!.GetValue<string>());
        var container = d["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Single()!;
        Assert.Equal("p:1", container["image"]!.GetValue<string>());
        Assert.Equal(new[] { "MODE", "EXTRA" }, container["env"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()));

        // $patch: delete removes one env entry by its merge key.
        await _f.Kubectl.OkAsync("patch", "deployment", "patchme", "-n", "apps",
            "-p", """{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"MODE","$patch":"delete"}]}]}}}}""");
        container = Store.Get("apps/v1", "deployments", "apps", "patchme")!["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal(new[] { "EXTRA" }, container["env"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()));

        var failedTest = await _f.Kubectl.RunAsync("patch", "deployment", "patchme", "-n", "apps", "--type", "json",
            "-p", """[{"op":"test","path":"/spec/replicas","value":5}]""");
        Assert.NotEqual(0, failedTest.ExitCode);
    }

    [Fact]
    public async Task Scale_changes_replicas_and_pods_follow()
    {
        await _f.Kubectl.OkWithInputAsync(Deployment("scaler", "s:1", 1, "x"), "apply", "-f", "-");
        await _f.Kubectl.OkAsync("scale", "deployment/scaler", "-n", "apps", "--replicas=3");
        Assert.Equal(3, Store.Get("apps/v1", "deployments", "apps", "scaler")!["spec"]!["replicas"]!.GetValue<long>());
        await SandboxFixture.EventuallyAsync(() => PodsOf("scaler").Count(p => p["status"]?["phase"]?.GetValue<string>() == "Running") == 3, "3 running pods");
        await _f.Kubectl.OkAsync("scale", "deployment/scaler", "-n", "apps", "--replicas=0");
        await SandboxFixture.EventuallyAsync(() => PodsOf("scaler").Count == 0, "no pods after scaling to 0");
        await _f.Kubectl.OkAsync("rollout", "status", "deployment/scaler", "-n", "apps", "--timeout=10s");
    }

    [Fact]
    public async Task Delete_by_selector_and_ignore_not_found()
    {
        foreach (var n in new[] { "d1", "d2", "d3" })
            await _f.Kubectl.OkAsync("create", "configmap", n, "-n", "team-a", "--from-literal=k=v");
        await _f.Kubectl.OkAsync("label", "configmap", "d1", "d2", "-n", "team-a", "purge=yes");
        var deleted = await _f.Kubectl.OkAsync("delete", "configmap", "-n", "team-a", "-l", "purge=yes");
        Assert.Contains("\"d1\" deleted", deleted);
        Assert.Null(Store.Get("v1", "configmaps", "team-a", "d1"));
        Assert.Null(Store.Get("v1", "configmaps", "team-a", "d2"));
        Assert.NotNull(Store.Get("v1", "configmaps", "team-a", "d3"));

        var missing = await _f.Kubectl.RunAsync("delete", "configmap", "never-was", "-n", "team-a");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("NotFound", missing.StdErr);
        await _f.Kubectl.OkAsync("delete", "configmap", "never-was", "-n", "team-a", "--ignore-not-found");
    }

    [Fact]
    public async Task Wait_for_job_completion_and_read_its_logs()
    {
        const string job = """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: greeter, namespace: apps}
            spec:
              template:
                metadata:
                  annotations:
                    sandbox.ksupgrade.io/log: "starting\nWelcome to KubeSphere!"
                spec:
                  restartPolicy: Never
                  containers: [{name: c, image: busybox}]
            """;
        await _f.Kubectl.OkWithInputAsync(job, "apply", "-f", "-");
        await _f.Kubectl.OkAsync("wait", "--for=condition=complete", "job/greeter", "-n", "apps", "--timeout=20s");
        var stored = Store.Get("batch/v1", "jobs", "apps", "greeter")!;
        Assert.Equal(1, stored["status"]!["succeeded"]!.GetValue<long>());
        Assert.Equal("starting\nWelcome to KubeSphere!\n", await _f.Kubectl.OkAsync("logs", "job/greeter", "-n", "apps"));
        Assert.Equal("Welcome to KubeSphere!\n", await _f.Kubectl.OkAsync("logs", "job/greeter", "-n", "apps", "--tail=1"));

        // Deleting the job collects its pod.
        var podName = Store.List("v1", "pods", "apps").Single(p => p["metadata"]?["labels"]?["job-name"]?.GetValue<string>() == "greeter")["metadata"]!["name"]!.GetValue<string>();
        await _f.Kubectl.OkAsync("delete", "job", "greeter", "-n", "apps");
        Assert.Null(Store.Get("v1", "pods", "apps", podName));
    }

    [Fact]
    public async Task A_job_named_in_the_fault_plan_fails()
    {
        _f.Host.FailJob("doomed", SandboxFixture.Cluster, "apps");
        await _f.Kubectl.OkWithInputAsync("""
            apiVersion: batch/v1
            kind: Job
            metadata: {name: doomed, namespace: apps}
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: c, image: busybox}]
            """, "apply", "-f", "-");
        await _f.Kubectl.OkAsync("wait", "--for=condition=failed", "job/doomed", "-n", "apps", "--timeout=20s");
        var r = await _f.Kubectl.RunAsync("wait", "--for=condition=complete", "job/doomed", "-n", "apps", "--timeout=1s");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal(1, Store.Get("batch/v1", "jobs", "apps", "doomed")!["status"]!["failed"]!.GetValue<long>());
    }

    [Fact]
    public async Task Finalizers_hold_deletion_until_removed()
    {
        await _f.Kubectl.OkWithInputAsync("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: apps, finalizers: [example.com/hold]}\n", "apply", "-f", "-");
        await _f.Kubectl.OkAsync("delete", "configmap", "held", "-n", "apps", "--wait=false");
        var held = Store.Get("v1", "configmaps", "apps", "held");
        Assert.NotNull(held);
        Assert.NotNull(held!["metadata"]!["deletionTimestamp"]);
        await _f.Kubectl.OkAsync("patch", "configmap", "held", "-n", "apps", "--type", "merge", "-p", """{"metadata":{"finalizers":null}}""");
        Assert.Null(Store.Get("v1", "configmaps", "apps", "held"));
    }

    [Fact]
    public async Task Deleting_a_namespace_removes_its_contents()
    {
        await _f.Kubectl.OkAsync("create", "namespace", "doomed-ns");
        await _f.Kubectl.OkAsync("create", "configmap", "c1", "-n", "doomed-ns");
        await _f.Kubectl.OkAsync("create", "secret", "generic", "s1", "-n", "doomed-ns", "--from-literal=a=b");
        await _f.Kubectl.OkAsync("delete", "namespace", "doomed-ns", "--timeout=20s");
        Assert.Null(Store.Get("v1", "namespaces", null, "doomed-ns"));
        Assert.Null(Store.Get("v1", "configmaps", "doomed-ns", "c1"));
        Assert.Null(Store.Get("v1", "secrets", "doomed-ns", "s1"));
    }

    [Fact]
    public async Task Claims_bind_through_the_default_class_and_stay_pending_without_a_class()
    {
        const string claims = """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data, namespace: apps}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 2Gi}}}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: orphan, namespace: apps}
            spec: {storageClassName: missing, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
            """;
        await _f.Kubectl.OkWithInputAsync(claims, "apply", "-f", "-");
        await _f.Kubectl.OkAsync("wait", "--for=jsonpath={.status.phase}=Bound", "pvc/data", "-n", "apps", "--timeout=10s");
        var bound = Store.Get("v1", "persistentvolumeclaims", "apps", "data")!;
        var pvName = bound["spec"]!["volumeName"]!.GetValue<string>();
        var pv = Store.Get("v1", "persistentvolumes", null, pvName)!;
        Assert.Equal("2Gi", pv["spec"]!["capacity"]!["storage"]!.GetValue<string>());
        Assert.Equal("local", bound["spec"]!["storageClassName"]!.GetValue<string>());
        await Task.Delay(300);
        Assert.Equal("Pending", Store.Get("v1", "persistentvolumeclaims", "apps", "orphan")!["status"]!["phase"]!.GetValue<string>());
    }

    [Fact]
    public async Task Custom_resources_are_served_from_their_crd()
    {
        await _f.Kubectl.OkWithInputAsync("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: apps}\nspec: {size: 3}\n", "apply", "-f", "-");
        var table = await _f.Kubectl.OkAsync("get", "wd", "-n", "apps");
        Assert.Matches(@"NAME\s+SIZE\s+AGE", table);
        Assert.Matches(@"w1\s+3", table);
        await _f.Kubectl.OkAsync("patch", "widget", "w1", "-n", "apps", "--type", "merge", "-p", """{"spec":{"size":4},"status":{"ignored":true}}""");
        var w = Store.Get("example.com/v1", "widgets", "apps", "w1")!;
        Assert.Equal(4, w["spec"]!["size"]!.GetValue<long>());
        Assert.Null(w["status"]);
        Assert.Equal(2, w["metadata"]!["generation"]!.GetValue<long>());
        await _f.Kubectl.OkAsync("patch", "widget", "w1", "-n", "apps", "--subresource=status", "--type", "merge", "-p", """{"status":{"ready":true}}""");
        Assert.True(Store.Get("example.com/v1", "widgets", "apps", "w1")!["status"]!["ready"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Scaling_a_seeded_deployment_to_zero_removes_its_unowned_pod()
    {
        Assert.NotNull(Store.Get("v1", "pods", "team-a", "installer-5d8f7c-abcde"));
        await _f.Kubectl.OkAsync("scale", "deployment/installer", "-n", "team-a", "--replicas=0");
        await SandboxFixture.EventuallyAsync(() => Store.Get("v1", "pods", "team-a", "installer-5d8f7c-abcde") is null, "seeded installer pod deleted");
        var r = await _f.Kubectl.OkAsync("get", "pods", "-n", "team-a", "-l", "app in (ks-install, installer)", "-o", "name");
        Assert.Equal("", r.Trim());
    }

    [Fact]
    public async Task Drain_cordons_the_node_and_evicts_its_pods()
    {
        await _f.Kubectl.OkWithInputAsync(Deployment("drainme", "d:1", 3, "x"), "apply", "-f", "-");
        await _f.Kubectl.OkAsync("rollout", "status", "deployment/drainme", "-n", "apps", "--timeout=20s");
        try
        {
            await _f.Kubectl.OkAsync("drain", "worker2", "--ignore-daemonsets", "--force", "--timeout=20s");
            Assert.True(Store.Get("v1", "nodes", null, "worker2")!["spec"]!["unschedulable"]!.GetValue<bool>());
            Assert.DoesNotContain(PodsOf("drainme"), p => p["spec"]?["nodeName"]?.GetValue<string>() == "worker2");
            await SandboxFixture.EventuallyAsync(() => PodsOf("drainme").Count(p => p["status"]?["phase"]?.GetValue<string>() == "Running") == 3, "3 pods running elsewhere");
        }
        finally
        {
            await _f.Kubectl.OkAsync("uncordon", "worker2");
        }
    }

    [Fact]
    public async Task Service_account_tokens_authenticate_as_the_account_with_its_rights_only()
    {
        await _f.Kubectl.OkAsync("create", "serviceaccount", "robot", "-n", "apps");
        Assert.NotNull(Store.Get("v1", "serviceaccounts", "apps", "robot"));
        var token = (await _f.Kubectl.OkAsync("create", "token", "robot", "-n", "apps")).Trim();
        Assert.False(token == _f.Host.Token, "kubectl create token handed out the sandbox's admin token");
        Assert.Matches("^[0-9a-f]{48}$", token);
        // nothing binds the account: it may discover, not read; the denial names the account (no whoami on 1.26)
        var denied = await _f.Kubectl.RunAsync("--token", token, "get", "secrets", "-n", "apps");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("User \"system:serviceaccount:apps:robot\" cannot list resource \"secrets\"", denied.StdErr);
        var missing = await _f.Kubectl.RunAsync("create", "token", "nobody", "-n", "apps");
        Assert.NotEqual(0, missing.ExitCode);
    }

    [Fact]
    public async Task Rollout_undo_goes_back_to_the_previous_replica_set()
    {
        await _f.Kubectl.OkWithInputAsync(Deployment("undo", "u:1", 1, "x"), "apply", "-f", "-");
        await _f.Kubectl.OkAsync("rollout", "status", "deployment/undo", "-n", "apps", "--timeout=20s");
        await _f.Kubectl.OkWithInputAsync(Deployment("undo", "u:2", 1, "x"), "apply", "-f", "-");
        await _f.Kubectl.OkAsync("rollout", "status", "deployment/undo", "-n", "apps", "--timeout=20s");
        List<JsonObject> Sets() => Store.List("apps/v1", "replicasets", "apps").Where(r => r["metadata"]!["name"]!.GetValue<string>().StartsWith("undo-")).ToList();
        Assert.Equal(2, Sets().Count);

        await _f.Kubectl.OkAsync("rollout", "undo", "deployment/undo", "-n", "apps");
        await _f.Kubectl.OkAsync("rollout", "status", "deployment/undo", "-n", "apps", "--timeout=20s");
        Assert.Equal("u:1", Store.Get("apps/v1", "deployments", "apps", "undo")!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        var sets = Sets();
        Assert.Equal(2, sets.Count);
        var active = sets.Single(r => r["spec"]!["replicas"]!.GetValue<long>() == 1);
        Assert.Equal("u:1", active["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal("3", active["metadata"]!["annotations"]!["deployment.kubernetes.io/revision"]!.GetValue<string>());
    }
}
