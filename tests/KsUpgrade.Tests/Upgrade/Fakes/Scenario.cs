using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Tests.Upgrade.Fakes;

/// <summary>A KubeSphere 3.4 cluster in the fake API, as upgrade.sh finds it.</summary>
public static class Scenario
{
    public const string Ns = "kubesphere-system";
    private static readonly Dictionary<string, string> SystemWs = new() { ["kubesphere.io/workspace"] = "system-workspace" };
    private static readonly Dictionary<string, string> HelmManaged = new() { ["app.kubernetes.io/managed-by"] = "Helm" };

    public static FakeKubeApi Ks34(string role = "host", string prepareLog = "I1125 prepare-upgrade done")
    {
        var api = new FakeKubeApi(ResourceKind.ClusterConfigurations);
        api.Add(ResourceKind.Namespaces, null, Ns, SystemWs);
        api.Add(ResourceKind.Namespaces, null, "kube-system", SystemWs);
        api.Add(ResourceKind.ClusterConfigurations, Ns, "ks-installer", new Dictionary<string, string> { ["version"] = "v3.4.1" }, FakeKubeApi.Json("""
            {"spec":{"multicluster":{"clusterRole":"ROLE"},"etcd":{"endpointIps":"localhost","port":2379},"common":{"redis":{"enabled":true,"enableHA":false}}},
             "status":{"redis":{"status":"enabled"},"core":{"version":"v3.4.1"}}}
            """.Replace("ROLE", role)));
        api.Add(ResourceKind.Endpoints, "kube-system", "etcd", extra: FakeKubeApi.Json("""
            {"subsets":[{"addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"}],"ports":[{"port":2379}]}]}
            """));
        api.Add(ResourceKind.Deployments, Ns, "ks-installer", extra: FakeKubeApi.Json("""{"spec":{"replicas":1}}"""));
        api.Add(ResourceKind.Deployments, Ns, "redis", extra: FakeKubeApi.Json("""{"spec":{"replicas":1}}"""));
        api.Add(ResourceKind.Services, Ns, "redis", HelmManaged);
        api.Add(ResourceKind.Secrets, Ns, "redis-secret", extra: FakeKubeApi.Json("""{"data":{"auth":"cGFzcw=="}}"""));
        api.Add(ResourceKind.ConfigMaps, Ns, "redis-configmap");
        api.Add(ResourceKind.PersistentVolumeClaims, Ns, "redis-pvc");
        api.Add(ResourceKind.PersistentVolumeClaims, Ns, "data-redis-ha-server-0", new Dictionary<string, string> { ["app"] = "redis-ha" });
        api.Add(ResourceKind.StatefulSets, Ns, "redis-ha-server");
        api.Add(ResourceKind.Services, Ns, "redis-ha", extra: FakeKubeApi.Json("""{"metadata":{"annotations":{"helm.sh/resource-policy":"keep"}}}"""));
        AddRelease(api, "ks-redis", 1, "deployed", "5.0.14", "3.9.0", """
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: redis-ha-server
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: redis-ha
            """);
        AddRelease(api, "ks-core", 1, "deployed", "v3.3.2", "0.1.0", "");
        api.OnApplied = (kind, obj) =>
        {
            if (kind.Kind == "Job" && obj.Name() == "prepare-upgrade") CompleteJob(api, obj.Name(), prepareLog);
        };
        return api;
    }

    public static void AddRelease(FakeKubeApi api, string name, int revision, string status, string appVersion, string chartVersion, string manifest)
    {
        var body = new JsonObject
        {
            ["name"] = name, ["namespace"] = Ns, ["version"] = revision,
            ["info"] = new JsonObject { ["status"] = status },
            ["chart"] = new JsonObject { ["metadata"] = new JsonObject { ["name"] = name, ["version"] = chartVersion, ["appVersion"] = appVersion } },
            ["manifest"] = manifest,
        };
        api.Add(ResourceKind.Secrets, Ns, $"sh.helm.release.v1.{name}.v{revision}",
            new Dictionary<string, string> { ["owner"] = "helm", ["name"] = name, ["status"] = status, ["version"] = revision.ToString() },
            new JsonObject { ["type"] = "helm.sh/release.v1", ["data"] = new JsonObject { ["release"] = HelmReleaseDecoder.EncodeSecretData(body) } });
    }

    /// <summary>Marks a job Complete (or Failed) with one pod whose log is given.</summary>
    public static void CompleteJob(FakeKubeApi api, string job, string log, bool failed = false)
    {
        var obj = api.Find(ResourceKind.Jobs, Ns, job)!;
        obj["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = failed ? "Failed" : "Complete", ["status"] = "True" }) };
        api.Add(ResourceKind.Jobs, obj);
        var pod = $"{job}-x1y2z";
        api.Add(ResourceKind.Pods, Ns, pod, new Dictionary<string, string> { ["job-name"] = job },
            FakeKubeApi.Json("""{"status":{"phase":"PHASE"}}""".Replace("PHASE", failed ? "Failed" : "Succeeded")));
        lock (api.PodLogs) api.PodLogs[pod] = log;
    }

    public static void AddCompletedJob(FakeKubeApi api, string job, string log)
    {
        api.Add(ResourceKind.Jobs, Ns, job);
        CompleteJob(api, job, log);
    }

    public static string Crd(string plural, string group, string kind) => $"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: {plural}.{group}
        spec:
          group: {group}
          names: {"{"}plural: {plural}, kind: {kind}{"}"}
          scope: Cluster
          versions:
          - name: v1beta1
            served: true
            storage: true
        """;

    public const string Values = """
        upgrade:
          enabled: true
          image:
            registry: ""
          config:
            storage:
              local:
                path: /tmp/ks-upgrade
            validator:
              ksVersion:
                enabled: true
        """;
}
