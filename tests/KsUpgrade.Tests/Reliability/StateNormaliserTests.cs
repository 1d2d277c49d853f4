using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// The fault matrix's state comparison hides the values the chart generates on each render (GeneratedValues) and
/// nothing else: a changed password or CA is not a difference, a changed non-generated Secret value or a changed
/// object in helm's stored manifest is.
/// </summary>
public class StateNormaliserTests
{
    private static JsonObject Helm(JsonObject o)
    {
        var meta = (JsonObject)o["metadata"]!;
        meta["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "Helm" };
        meta["annotations"] = new JsonObject { ["meta.helm.sh/release-name"] = "ks-core" };
        return o;
    }

    private static JsonObject Secret(string name, params (string Key, string Value)[] data) => Helm(new JsonObject
    {
        ["apiVersion"] = "v1", ["kind"] = "Secret", ["type"] = "Opaque",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "kubesphere-system", ["uid"] = Guid.NewGuid().ToString() },
        ["data"] = new JsonObject(data.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)Convert.ToBase64String(Encoding.UTF8.GetBytes(d.Value))))),
    });

    private static JsonObject Webhook(string caBundle) => Helm(new JsonObject
    {
        ["apiVersion"] = "admissionregistration.k8s.io/v1", ["kind"] = "ValidatingWebhookConfiguration",
        ["metadata"] = new JsonObject { ["name"] = "protector.kubesphere.io" },
        ["webhooks"] = new JsonArray(new JsonObject
        {
            ["name"] = "protector.kubesphere.io",
            ["clientConfig"] = new JsonObject { ["caBundle"] = caBundle, ["service"] = new JsonObject { ["name"] = "ks-controller-manager", ["path"] = "/protect" } },
        }),
    });

    /// <summary>A helm release Secret as helm stores it (JSON, gzip, base64) with this manifest.</summary>
    private static JsonObject Release(string manifest, JsonArray? hooks = null)
    {
        var body = new JsonObject
        {
            ["name"] = "ks-core", ["namespace"] = "kubesphere-system", ["version"] = 3,
            ["info"] = new JsonObject { ["status"] = "deployed", ["last_deployed"] = DateTime.UtcNow.ToString("O") },
            ["manifest"] = manifest,
        };
        if (hooks is not null) body["hooks"] = hooks;
        var json = body.ToJsonString();
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, true)) gz.Write(Encoding.UTF8.GetBytes(json));
        var once = Convert.ToBase64String(ms.ToArray());
        return new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Secret", ["type"] = "helm.sh/release.v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = "sh.helm.release.v1.ks-core.v3", ["namespace"] = "kubesphere-system",
                ["labels"] = new JsonObject { ["owner"] = "helm", ["name"] = "ks-core", ["status"] = "deployed", ["version"] = "3" },
            },
            ["data"] = new JsonObject { ["release"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(once)) },
        };
    }

    private static string Manifest(string ca, string password, string image) => $"""
        ---
        # Source: ks-core/templates/webhooks.yaml
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingWebhookConfiguration
        metadata:
          name: protector.kubesphere.io
        webhooks:
          - name: protector.kubesphere.io
            clientConfig:
              caBundle: "{ca}"
        ---
        # Source: ks-core/templates/redis.yaml
        apiVersion: v1
        kind: Secret
        metadata:
          name: redis-secret
        stringData:
          auth: "{password}"
        ---
        # Source: ks-core/templates/ks-apiserver.yaml
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ks-apiserver
        spec:
          template:
            spec:
              containers:
                - name: ks-apiserver
                  image: {image}
        """;

    private static List<string> Normalise(params JsonObject[] objects) =>
        StateNormaliser.Normalise(new JsonObject { ["objects"] = new JsonArray(objects.Select(o => (JsonNode)o.DeepClone()).ToArray()) });

    [Fact]
    public void Generated_values_are_not_a_difference()
    {
        var a = Normalise(Webhook("Q0EtMQ=="), Secret("redis-secret", ("auth", "one")), Release(Manifest("Q0EtMQ==", "one", "ks-apiserver:v4.1.3")));
        var b = Normalise(Webhook("Q0EtMg=="), Secret("redis-secret", ("auth", "two")), Release(Manifest("Q0EtMg==", "two", "ks-apiserver:v4.1.3")));
        Assert.Equal("", StateNormaliser.Difference(a, b));
    }

    [Fact]
    public void A_changed_value_the_chart_does_not_generate_is_a_difference()
    {
        // the telemetry setting of a helm-managed Secret
        var a = Normalise(Secret("io.kubesphere.config.platformconfig.telemetry", ("configuration.yaml", "enabled: false")));
        var b = Normalise(Secret("io.kubesphere.config.platformconfig.telemetry", ("configuration.yaml", "enabled: true")));
        Assert.Contains("platformconfig.telemetry", StateNormaliser.Difference(a, b));
    }

    [Fact]
    public void A_changed_object_in_helms_stored_manifest_is_a_difference()
    {
        var a = Normalise(Release(Manifest("Q0EtMQ==", "one", "ks-apiserver:v4.1.3")));
        var b = Normalise(Release(Manifest("Q0EtMg==", "two", "ks-apiserver:v3.4.1")));
        Assert.Contains("sh.helm.release.v1.ks-core", StateNormaliser.Difference(a, b));
        var c = Normalise(Webhook("Q0EtMQ=="));
        var changedPath = Webhook("Q0EtMg==");
        changedPath["webhooks"]![0]!["clientConfig"]!["service"]!["path"] = "/elsewhere";
        Assert.Contains("protector.kubesphere.io", StateNormaliser.Difference(c, Normalise(changedPath)));
    }

    /// <summary>A hook as helm 3 and 4 record it in the release: when it last ran, and how that ended.</summary>
    private static JsonArray Hooks(string started, string completed, string phase) => new(new JsonObject
    {
        ["name"] = "ks-core-post-upgrade", ["kind"] = "Job", ["path"] = "ks-core/templates/post-upgrade.yaml", ["manifest"] = "kind: Job",
        ["events"] = new JsonArray("post-upgrade"),
        ["last_run"] = new JsonObject { ["started_at"] = started, ["completed_at"] = completed, ["phase"] = phase },
    });

    [Fact]
    public void When_a_hook_ran_is_not_a_difference_how_it_ended_is()
    {
        var manifest = Manifest("Q0EtMQ==", "one", "ks-apiserver:v4.1.3");
        var a = Normalise(Release(manifest, Hooks("2026-12-06T03:58:34.88Z", "2026-12-06T03:58:34.89Z", "Succeeded")));
        var b = Normalise(Release(manifest, Hooks("2026-12-06T04:00:23.27Z", "2026-12-06T04:00:23.32Z", "Succeeded")));
        Assert.Equal("", StateNormaliser.Difference(a, b));
        var failed = Normalise(Release(manifest, Hooks("2026-12-06T04:00:23.27Z", "2026-12-06T04:00:23.32Z", "Failed")));
        Assert.Contains("phase", StateNormaliser.Difference(a, failed));
    }

    private static JsonObject NodeAndLease(string heartbeat, string renew, string rv, string transition = "2025-03-10T08:00:00Z", string holder = "worker1", bool unschedulable = false)
    {
        var node = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = "worker1", ["resourceVersion"] = rv, ["uid"] = "5b0c1d6e-0000-4000-8000-000000000001" },
            ["spec"] = new JsonObject { ["unschedulable"] = unschedulable },
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready", ["status"] = "True", ["reason"] = "KubeletReady",
                    ["lastHeartbeatTime"] = heartbeat, ["lastTransitionTime"] = transition,
                }),
            },
        };
        var lease = new JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1", ["kind"] = "Lease",
            ["metadata"] = new JsonObject { ["name"] = "worker1", ["namespace"] = "kube-node-lease", ["resourceVersion"] = rv },
            ["spec"] = new JsonObject { ["holderIdentity"] = holder, ["leaseDurationSeconds"] = 40, ["renewTime"] = renew },
        };
        return new JsonObject { ["resourceVersion"] = rv, ["objects"] = new JsonArray(node, lease) };
    }

    private static JsonObject Event(string name, int count) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "Event",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "apps" },
        ["involvedObject"] = new JsonObject { ["kind"] = "Pod", ["name"] = "web-1" }, ["reason"] = "Started", ["count"] = count,
    };

    [Fact]
    public void What_the_running_cluster_writes_on_its_own_is_hidden_and_only_that()
    {
        var a = NodeAndLease("2025-03-10T08:00:00Z", "2025-03-10T08:00:00.000000Z", "100");
        var b = NodeAndLease("2026-12-06T02:40:00Z", "2026-12-06T02:40:10.123456Z", "140");
        b["objects"]!.AsArray().Add(Event("web-1.1870a", 2));
        Assert.NotEqual(a.ToJsonString(), b.ToJsonString());
        Assert.Equal(StateNormaliser.WithoutVolatile(a).ToJsonString(), StateNormaliser.WithoutVolatile(b).ToJsonString());
        Assert.Equal("", StateNormaliser.Difference(StateNormaliser.Normalise(a), StateNormaliser.Normalise(b)));
        Assert.Equal(4, StateNormaliser.Volatile.Count);

        // the same objects' other fields are still compared, by both
        foreach (var changed in new[]
                 {
                     NodeAndLease("2025-03-10T08:00:00Z", "2025-03-10T08:00:00.000000Z", "100", holder: "worker2"),
                     NodeAndLease("2025-03-10T08:00:00Z", "2025-03-10T08:00:00.000000Z", "100", unschedulable: true),
                 })
        {
            Assert.NotEqual(StateNormaliser.WithoutVolatile(a).ToJsonString(), StateNormaliser.WithoutVolatile(changed).ToJsonString());
            Assert.Contains("worker1", StateNormaliser.Difference(StateNormaliser.Normalise(a), StateNormaliser.Normalise(changed)));
        }
        // a transition time is not a heartbeat: the raw comparison (read-only runs) sees it
        var transitioned = NodeAndLease("2025-03-10T08:00:00Z", "2025-03-10T08:00:00.000000Z", "100", transition: "2026-12-06T02:40:00Z");
        Assert.NotEqual(StateNormaliser.WithoutVolatile(a).ToJsonString(), StateNormaliser.WithoutVolatile(transitioned).ToJsonString());
        // a Lease elsewhere (leader election) is not a node's: its renewTime and resourceVersion are compared
        var leader = NodeAndLease("2025-03-10T08:00:00Z", "2025-03-10T08:00:00.000000Z", "100");
        leader["objects"]![1]!["metadata"]!["namespace"] = "kube-system";
        var leaderRenewed = NodeAndLease("2025-03-10T08:00:00Z", "2026-12-06T02:40:10.123456Z", "100");
        leaderRenewed["objects"]![1]!["metadata"]!["namespace"] = "kube-system";
        Assert.NotEqual(StateNormaliser.WithoutVolatile(leader).ToJsonString(), StateNormaliser.WithoutVolatile(leaderRenewed).ToJsonString());
        // and other objects' resourceVersions are kept (a write during a read-only run shows)
        var cm = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "c", ["namespace"] = "apps", ["resourceVersion"] = "7" } };
        var state = new JsonObject { ["objects"] = new JsonArray(cm) };
        Assert.Equal("7", StateNormaliser.WithoutVolatile(state)["objects"]![0]!["metadata"]!["resourceVersion"]!.GetValue<string>());
    }
}
