using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>A small cluster for the sandbox proof tests: nodes, namespaces, a default StorageClass, a CRD, a few objects.</summary>
public static class TestSeed
{
    // A 1.26 server makes the kubectl dispatcher on the test machines pick its default kubectl (1.32).
    public const string Version = "v1.26.7";

    public static SeedCluster Build(string name = "test")
    {
        var objects = new List<JsonObject>
        {
            Node("master1", "control-plane", "192.168.10.1"),
            Node("worker1", "worker", "192.168.10.2"),
            Node("worker2", "worker", "192.168.10.3"),
            Ns("apps", "web"),
            Ns("team-a", "db"),
            new()
            {
                ["apiVersion"] = "storage.k8s.io/v1", ["kind"] = "StorageClass",
                ["metadata"] = new JsonObject
                {
                    ["name"] = "local",
                    ["annotations"] = new JsonObject { ["storageclass.kubernetes.io/is-default-class"] = "true" },
                },
                ["provisioner"] = "sandbox.local/hostpath",
                ["reclaimPolicy"] = "Delete",
            },
            Crd(),
            Cm("apps", "web-config", "web"),
            Cm("apps", "db-config", "db"),
            Cm("team-a", "a-config", "web"),
            Cm("team-a", "plain", null),
            Pod("apps", "runner", "Running", "worker1"),
            Pod("apps", "crashed", "Failed", "worker1"),
            Pod("team-a", "done", "Succeeded", "worker2"),
            // A seeded deployment whose pod no replica set owns (as seeds describe ks-installer).
            Deployment("team-a", "installer"),
            Pod("team-a", "installer-5d8f7c-abcde", "Running", "worker1", app: "installer"),
        };
        return new SeedCluster { Name = name, KubernetesVersion = Version, Objects = objects, JobRunSeconds = 0.3, PodReadySeconds = 0.1 };
    }

    private static JsonObject Node(string name, string role, string ip) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "Node",
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["labels"] = new JsonObject { [$"node-role.kubernetes.io/{role}"] = "", ["kubernetes.io/hostname"] = name },
        },
        ["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "KubeletReady" }),
            ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = ip }),
            ["nodeInfo"] = new JsonObject { ["kubeletVersion"] = Version },
        },
    };

    private static JsonObject Ns(string name, string tier) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "Namespace",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["tier"] = tier } },
    };

    private static JsonObject Cm(string ns, string name, string? tier)
    {
        var meta = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (tier is not null) meta["labels"] = new JsonObject { ["tier"] = tier };
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = meta, ["data"] = new JsonObject { ["k"] = name } };
    }

    private static JsonObject Deployment(string ns, string name) => new()
    {
        ["apiVersion"] = "apps/v1", ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["generation"] = 1 },
        ["spec"] = new JsonObject
        {
            ["replicas"] = 1,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "installer:v3.4.1" }) },
            },
        },
        ["status"] = new JsonObject { ["observedGeneration"] = 1, ["replicas"] = 1, ["readyReplicas"] = 1, ["availableReplicas"] = 1, ["updatedReplicas"] = 1 },
    };

    private static JsonObject Pod(string ns, string name, string phase, string? node, string? app = null)
    {
        var spec = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "busybox" }) };
        if (node is not null) spec["nodeName"] = node;
        return new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = new JsonObject { ["app"] = app ?? name } },
            ["spec"] = spec,
            ["status"] = new JsonObject { ["phase"] = phase },
        };
    }

    private static JsonObject Crd() => (JsonObject)JsonNode.Parse("""
    {
      "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
      "metadata": { "name": "widgets.example.com" },
      "spec": {
        "group": "example.com", "scope": "Namespaced",
        "names": { "plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"], "categories": ["toys"] },
        "versions": [ { "name": "v1", "served": true, "storage": true,
          "schema": { "openAPIV3Schema": { "type": "object", "x-kubernetes-preserve-unknown-fields": true } },
          "subresources": { "status": {} },
          "additionalPrinterColumns": [ { "name": "Size", "type": "integer", "jsonPath": ".spec.size" } ] } ]
      }
    }
    """)!;
}
