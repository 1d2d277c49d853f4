using System.Diagnostics;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Tests.Seeds;

public class SeedScaleAndFileTests
{
    [Fact]
    public void Scale_grows_the_host_to_the_asked_counts_in_seconds()
    {
        var scale = new Dictionary<string, int> { ["Nodes"] = 200, ["Namespaces"] = 400, ["PodsPerNode"] = 25, ["RbacObjects"] = 2000 };
        var baseline = SeedCatalog.Load("ks34-host").Single();
        var sw = Stopwatch.StartNew();
        var big = SeedCatalog.Load("ks34-host", scale).Single();
        sw.Stop();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"scaling took {sw.Elapsed}");

        Assert.Equal(200, big.OfKind("Node").Count());
        Assert.Equal(3, big.OfKind("Node").Count(n => n.Label("node-role.kubernetes.io/master") is not null));
        Assert.Equal(200, big.OfKind("Node").Select(n => n.Name()).Distinct().Count());

        var userNs = big.OfKind("Namespace").Count(n => n.Label("kubesphere.io/workspace") is { } ws && ws != "system-workspace");
        Assert.Equal(400, userNs);

        var podsPerNode = big.OfKind("Pod").GroupBy(p => p.Str("spec", "nodeName")).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(200, podsPerNode.Count);
        Assert.All(podsPerNode.Values, n => Assert.InRange(n, 25, 50));

        int Rbac(SeedCluster c) => new[] { "User", "GlobalRoleBinding", "WorkspaceRoleBinding", "RoleBinding" }.Sum(k => c.OfKind(k).Count());
        var baselineRbacWithScaledNamespaces = Rbac(SeedCatalog.Load("ks34-host", new Dictionary<string, int> { ["Namespaces"] = 400 }).Single());
        Assert.Equal(baselineRbacWithScaledNamespaces + 2000, Rbac(big));

        Assert.True(big.Objects.Count > 10 * baseline.Objects.Count, $"{big.Objects.Count} objects");
        Assert.True(big.Objects.Count >= 10000, $"{big.Objects.Count} objects");
        // user app deployments report the replicas placed on nodes
        foreach (var d in big.OfKind("Deployment").Where(d => d.Namespace()!.StartsWith("scale-project-")).Take(20))
        {
            var replicas = d["spec"]!["replicas"]!.GetValue<int>();
            Assert.Equal(replicas, big.OfKind("Pod", d.Namespace()).Count());
            Assert.Equal(replicas, d["status"]!["readyReplicas"]!.GetValue<int>());
        }
    }

    [Fact]
    public void Scale_can_shrink_and_rejects_unknown_keys()
    {
        var small = SeedCatalog.Load("ks34-member", new Dictionary<string, int> { ["Nodes"] = 1, ["Namespaces"] = 0 }).Single();
        Assert.Single(small.OfKind("Node"));
        Assert.DoesNotContain(small.OfKind("Namespace"), n => n.Label("kubesphere.io/workspace") is { } ws && ws != "system-workspace");
        Assert.DoesNotContain(small.OfKind("Ingress"), _ => true);
        var ex = Assert.Throws<ArgumentException>(() => SeedCatalog.Load("ks34-host", new Dictionary<string, int> { ["Pods"] = 3 }));
        Assert.Contains("Unknown scale key", ex.Message);
    }

    [Theory]
    [InlineData("seed.yaml")]
    [InlineData("seed.json")]
    public void Save_then_load_round_trips_every_object(string fileName)
    {
        var dir = Directory.CreateTempSubdirectory("ksseed");
        try
        {
            var original = SeedCatalog.Load("ks34-multicluster");
            var path = Path.Combine(dir.FullName, fileName);
            SeedCatalog.Save(original, path);
            var loaded = SeedCatalog.Load(path);
            Assert.Equal(original.Select(c => c.Name), loaded.Select(c => c.Name));
            for (var i = 0; i < original.Count; i++)
            {
                Assert.Equal(original[i].KubernetesVersion, loaded[i].KubernetesVersion);
                Assert.Equal(original[i].JobRunSeconds, loaded[i].JobRunSeconds);
                Assert.Equal(original[i].Objects.Count, loaded[i].Objects.Count);
                for (var j = 0; j < original[i].Objects.Count; j++)
                    Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(original[i].Objects[j], loaded[i].Objects[j]),
                        $"object {j} differs: {original[i].Objects[j].Kind()} {original[i].Objects[j].Name()}");
            }
            // helm release payloads survive the file
            var rel = HelmReleaseSecret.Decode(loaded[0].One("Secret", "sh.helm.release.v1.ks-core.v2", "kubesphere-system"));
            Assert.Equal("v3.3.2", rel.AppVersion);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Seed_file_with_base_overrides_removes_and_adds_objects()
    {
        var dir = Directory.CreateTempSubdirectory("ksseed");
        try
        {
            var path = Path.Combine(dir.FullName, "custom.yaml");
            File.WriteAllText(path, """
                clusters:
                  - name: host
                    base: ks34-host
                    jobRunSeconds: 2
                    remove:
                      - {kind: Deployment, namespace: kubesphere-system, name: ks-installer}
                    objects:
                      - apiVersion: installer.kubesphere.io/v1alpha1
                        kind: ClusterConfiguration
                        metadata:
                          name: ks-installer
                          namespace: kubesphere-system
                          labels: {version: v3.3.2}
                        spec:
                          multicluster: {clusterRole: none}
                      - apiVersion: v1
                        kind: ConfigMap
                        metadata: {name: extra, namespace: default}
                        data: {answer: "42", enabled: "true"}
                  - name: lonely
                    kubernetesVersion: v1.20.4
                    objects:
                      - apiVersion: v1
                        kind: Namespace
                        metadata: {name: only}
                """);
            var seed = SeedCatalog.Load(path, new Dictionary<string, int> { ["Nodes"] = 4 });
            Assert.Equal(2, seed.Count);
            var host = seed[0];
            Assert.Equal(2, host.JobRunSeconds);
            Assert.Equal(4, host.OfKind("Node").Count());
            Assert.Equal("v3.3.2", host.One("ClusterConfiguration", "ks-installer", "kubesphere-system").Label("version"));
            Assert.DoesNotContain(host.OfKind("Deployment"), d => d.Name() == "ks-installer");
            var cm = host.One("ConfigMap", "extra", "default");
            Assert.Equal("42", cm.Str("data", "answer"));
            Assert.Equal("v1.20.4", seed[1].KubernetesVersion);
            Assert.Single(seed[1].Objects);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Unknown_seed_name_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => SeedCatalog.Load("ks35-host"));
        Assert.Contains("ks34-multicluster", ex.Message);
    }
}
