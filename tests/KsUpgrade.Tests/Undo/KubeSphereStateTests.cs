using System.Text;
using System.Text.Json.Nodes;

namespace KsUpgrade.Tests.Undo;

/// <summary>
/// Undo's comparison (<see cref="KubeSphereState"/>) hides what it declares and nothing else: a Deployment's rollout
/// revision and ReplicaSet name, a re-created claim's volume, the generated certificates; the other generated values
/// (jwtSecret, redis passwords) are compared, and so is everything else.
/// </summary>
public class KubeSphereStateTests
{
    private static JsonObject State(params JsonObject[] objects) => new()
    {
        ["objects"] = new JsonArray(new JsonNode?[]
        {
            new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Namespace",
                ["metadata"] = new JsonObject { ["name"] = "kubesphere-system", ["labels"] = new JsonObject { ["kubesphere.io/workspace"] = "system-workspace" } },
            },
        }.Concat(objects.Select(o => (JsonNode?)o)).ToArray()),
    };

    private static JsonObject Deployment(int replicas, string revision, string replicaSet) => new()
    {
        ["apiVersion"] = "apps/v1", ["kind"] = "Deployment",
        ["metadata"] = new JsonObject
        {
            ["name"] = "ks-installer", ["namespace"] = "kubesphere-system",
            ["annotations"] = new JsonObject { ["deployment.kubernetes.io/revision"] = revision },
        },
        ["spec"] = new JsonObject { ["replicas"] = replicas },
        ["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Progressing", ["message"] = $"ReplicaSet \"{replicaSet}\" has successfully progressed." }),
        },
    };

    private static JsonObject Claim(string volume, string storage) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "PersistentVolumeClaim",
        ["metadata"] = new JsonObject
        {
            ["name"] = "redis-pvc", ["namespace"] = "kubesphere-system",
            ["annotations"] = new JsonObject { ["pv.kubernetes.io/bind-completed"] = "yes" },
        },
        ["spec"] = new JsonObject { ["volumeName"] = volume, ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = storage } } },
        ["status"] = new JsonObject { ["phase"] = "Bound" },
    };

    private static JsonObject Secret(string name, params (string Key, string Value)[] data) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "Secret", ["type"] = "Opaque",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "kubesphere-system" },
        ["data"] = new JsonObject(data.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)Convert.ToBase64String(Encoding.UTF8.GetBytes(d.Value))))),
    };

    private static JsonObject Config(string jwt) => new()
    {
        ["apiVersion"] = "v1", ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = "kubesphere-config", ["namespace"] = "kubesphere-system" },
        ["data"] = new JsonObject { ["kubesphere.yaml"] = $"authentication:\n  jwtSecret: {jwt}\n" },
    };

    private static string Diff(JsonObject before, JsonObject after) =>
        Reliability.StateNormaliser.Difference(KubeSphereState.Of(State(before)).Objects, KubeSphereState.Of(State(after)).Objects);

    [Fact]
    public void A_Deployments_rollout_revision_and_ReplicaSet_name_are_hidden_its_replicas_are_not()
    {
        Assert.Equal("", Diff(Deployment(1, "1", "ks-installer-abc"), Deployment(1, "3", "ks-installer-xyz")));
        Assert.Contains("spec.replicas", Diff(Deployment(1, "1", "ks-installer-abc"), Deployment(0, "1", "ks-installer-abc")));
    }

    [Fact]
    public void A_recreated_claims_volume_is_hidden_its_size_is_not()
    {
        Assert.Equal("", Diff(Claim("pvc-old", "2Gi"), Claim("pvc-new", "2Gi")));
        Assert.Contains("storage", Diff(Claim("pvc-old", "2Gi"), Claim("pvc-old", "5Gi")));
    }

    [Fact]
    public void Generated_certificates_are_hidden_the_other_generated_values_are_compared()
    {
        Assert.Equal("", Diff(Secret("ks-controller-manager-webhook-cert", ("tls.crt", "A"), ("tls.key", "B"), ("ca.crt", "C")),
            Secret("ks-controller-manager-webhook-cert", ("tls.crt", "X"), ("tls.key", "Y"), ("ca.crt", "Z"))));
        Assert.Contains(KubeSphereState.GeneratedValueKind, Diff(Secret("redis-secret", ("auth", "old")), Secret("redis-secret", ("auth", "new"))));
        Assert.Contains(KubeSphereState.GeneratedValueKind, Diff(Config("jwt-one"), Config("jwt-two")));
        Assert.Equal("", Diff(Config("jwt-one"), Config("jwt-one")));
        Assert.Equal(5, KubeSphereState.Certificates.Count); // the two webhook kinds' caBundle; ks-controller-manager-webhook-cert's ca.crt, tls.crt, tls.key
    }
}
