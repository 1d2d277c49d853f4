using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>
/// The 3.4 redis of kubesphere-system. Single redis: objects ks-installer applied with kubectl (NOT Helm-managed):
/// Deployment/Service <c>redis</c>, Secret <c>redis-secret</c>, ConfigMap <c>redis-configmap</c>, PVC <c>redis-pvc</c>.
/// With enableHA: Helm release <c>ks-redis</c> (redis-ha chart) with StatefulSet redis-ha-server and PVCs labelled app=redis-ha.
/// </summary>
public static class RedisPart
{
    private const string Ns = KubeSpherePart.Ns;

    public static void Add(SeedContext ctx)
    {
        var p = ctx.Profile;
        var auth = "sandbox" + SeedIds.Hex("redis/" + p.ClusterName, 16);
        ctx.Add(K8s.Secret(Ns, "redis-secret", "Opaque", new Dictionary<string, string> { ["auth"] = auth }));
        if (!p.RedisHa)
        {
            var labels = Json.Strings(("app", "redis"), ("tier", "database"), ("version", "redis-4.0"));
            ctx.Add(K8s.ConfigMap(Ns, "redis-configmap", new JsonObject
            {
                ["redis.conf"] = "appendonly yes\nsave 900 1\nmaxmemory-policy allkeys-lru\n",
            }, (JsonObject)labels.DeepClone()));
            var (pvc, pv) = K8s.BoundClaim(Ns, "redis-pvc", "2Gi", p.StorageClass, (JsonObject)labels.DeepClone());
            ctx.Add(pvc);
            ctx.Add(pv);
            var spec = K8s.PodSpec(new[] { K8s.Container("redis", "kubesphere/redis:6.2.6-alpine", new[] { "redis-server", "/etc/redis/redis.conf" }, 6379) });
            ctx.Deployment(Ns, "redis", spec, 1, labels: labels, selector: Json.Strings(("app", "redis"), ("tier", "database")),
                log: _ => new[] { "1:C 10 Mar 2025 08:03:01.101 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo", "1:M 10 Mar 2025 08:03:01.105 * Ready to accept connections" });
            ctx.Add(K8s.Service(Ns, "redis", Json.Strings(("app", "redis"), ("tier", "database")), new[] { ("redis", 6379, 6379, (int?)null) }, labels: Json.Strings(("app", "redis"), ("tier", "database"))));
            return;
        }

        // HA: the ks-redis release (chart redis-ha).
        var manifest = new HelmManifest();
        void Owned(string template, JsonObject o)
        {
            K8s.HelmManaged(o, "ks-redis", Ns);
            manifest.Add("redis-ha/templates/" + template, o);
            ctx.Add(o);
        }
        var sel = Json.Strings(("app", "redis-ha"), ("release", "ks-redis"));
        Owned("redis-ha-configmap.yaml", K8s.ConfigMap(Ns, "ks-redis-configmap", new JsonObject { ["redis.conf"] = "min-replicas-to-write 1\n" }, (JsonObject)sel.DeepClone()));
        Owned("redis-ha-announce-service.yaml", K8s.Service(Ns, "redis-ha", (JsonObject)sel.DeepClone(), new[] { ("server", 6379, 6379, (int?)null), ("sentinel", 26379, 26379, null) }, labels: (JsonObject)sel.DeepClone(), clusterIp: "None"));
        var sts = Workloads.StatefulSet(Ns, "redis-ha-server", "redis-ha",
            K8s.PodSpec(new[] { K8s.Container("redis", "kubesphere/redis:6.2.6-alpine", port: 6379), K8s.Container("sentinel", "kubesphere/redis:6.2.6-alpine", port: 26379) }),
            ctx.PickNodes(Math.Min(3, ctx.Nodes.Count), "redis-ha"), (n, _) => ctx.NextPodIp(n), sel, _ => new[] { "1:M * Ready to accept connections" });
        Owned("redis-ha-statefulset.yaml", sts.Controller);
        ctx.AddRange(sts.Pods);
        var haproxy = Workloads.Deployment(Ns, "redis-ha-haproxy",
            K8s.PodSpec(new[] { K8s.Container("haproxy", "kubesphere/haproxy:2.0.25-alpine", port: 6379) }),
            ctx.PickNodes(Math.Min(3, ctx.Nodes.Count), "redis-ha-haproxy"), (n, _) => ctx.NextPodIp(n),
            selectorLabels: Json.Strings(("app", "redis-ha-haproxy"), ("release", "ks-redis")));
        Owned("redis-haproxy-deployment.yaml", haproxy.Controller);
        ctx.Add(haproxy.ReplicaSet!);
        ctx.AddRange(haproxy.Pods);
        Owned("redis-haproxy-service.yaml", K8s.Service(Ns, "redis", Json.Strings(("app", "redis-ha-haproxy"), ("release", "ks-redis")),
            new[] { ("tcp-haproxy", 6379, 6379, (int?)null) }));
        for (var i = 0; i < sts.Pods.Count; i++)
        {
            var (pvc, pv) = K8s.BoundClaim(Ns, $"data-redis-ha-server-{i}", "2Gi", p.StorageClass, (JsonObject)sel.DeepClone());
            ctx.Add(pvc);
            ctx.Add(pv);
        }
        ctx.Add(HelmReleaseSecret.Build("ks-redis", Ns, 1, "deployed", "redis-ha", "4.12.17", "5.0.6",
            new JsonObject { ["fullnameOverride"] = "redis-ha", ["haproxy"] = new JsonObject { ["enabled"] = true } }, manifest.ToString(),
            SeedIds.InstalledAt.AddMinutes(3)));
    }
}
