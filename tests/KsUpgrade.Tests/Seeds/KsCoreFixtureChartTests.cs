using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Seeds.Files;

namespace KsUpgrade.Tests.Seeds;

/// <summary>Renders the ks-core fixture charts with the real helm 3.17.3, as upgrade.sh invokes it.</summary>
public class KsCoreFixtureChartTests
{
    /// <summary>The guide's ks-core-values.yaml upgrade: section (as upgrade.sh's -f file).</summary>
    private static readonly string GuideValuesYaml = KsUpgrade.Tests.GuideValues.Text;

    private static readonly string Fixtures = HelmTool.FixturesDir();

    private static List<JsonObject> Render(params string[] args)
    {
        var work = Directory.CreateTempSubdirectory("kschart");
        try
        {
            File.WriteAllText(Path.Combine(work.FullName, "ks-core-values.yaml"), GuideValuesYaml);
            var (code, stdout, stderr) = HelmTool.Run(work.FullName, args.Select(a => a.Replace("{fixtures}", Fixtures)).ToArray());
            Assert.True(code == 0, $"helm {string.Join(' ', args)} failed ({code}): {stderr}");
            return YamlJson.ParseAll(stdout).OfType<JsonObject>().ToList();
        }
        finally { work.Delete(true); }
    }

    /// <summary>upgrade.sh step 8 (without --dry-run=server, which needs a cluster).</summary>
    private static List<JsonObject> RenderPrepare(string chart, string registry = "docker.io", string tag = "v4.1.3", string? extensionRegistry = null)
    {
        var args = new List<string>
        {
            "template", "-s", "templates/prepare-upgrade-job.yaml", "-n", "kubesphere-system", "--release-name",
            "--set", $"upgrade.prepare=true,upgrade.image.registry={registry},upgrade.image.tag={tag}",
        };
        if (extensionRegistry is not null) args.AddRange(new[] { "--set", $"extension.imageRegistry={extensionRegistry}" });
        args.AddRange(new[] { "--set", $"global.imageRegistry={registry},global.tag={tag}", "-f", "ks-core-values.yaml", "{fixtures}/" + chart });
        return Render(args.ToArray());
    }

    private static JsonObject Container(JsonObject job) => (JsonObject)job["spec"]!["template"]!["spec"]!["containers"]![0]!;

    [HelmFact]
    public void Prepare_render_of_115_is_exactly_configmap_job_and_pvc_hook()
    {
        var docs = RenderPrepare("ks-core", extensionRegistry: "registry.example.local");
        Assert.Equal(new[] { ("ConfigMap", "ks-upgrade-prepare-config"), ("Job", "prepare-upgrade"), ("PersistentVolumeClaim", "ks-upgrade") },
            docs.Select(d => (d.Kind(), d.Name())));
        var cm = docs[0];
        var patch = YamlJson.Parse(cm.Str("data", "config-patch.yaml")!);
        var expected = YamlJson.Parse(GuideValuesYaml)!["upgrade"]!["config"];
        Assert.True(JsonNode.DeepEquals(expected, patch), patch?.ToJsonString());

        var job = docs[1];
        Assert.Null(job.Namespace());
        var c = Container(job);
        Assert.Equal("docker.io/kubesphere/ks-upgrade:v4.1.3", c.Str("image"));
        Assert.Equal(new[] { "ks-upgrade", "prepare-upgrade", "--logtostderr=true", "--config=/etc/kubesphere/config.yaml", "--config=/etc/kubesphere/config-patch.yaml" },
            c["command"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal("kubesphere", job.Str("spec", "template", "spec", "serviceAccountName"));
        var volumes = job["spec"]!["template"]!["spec"]!["volumes"]!.AsArray();
        Assert.Contains(volumes, v => v.Str("persistentVolumeClaim", "claimName") == "ks-upgrade");
        Assert.Contains(volumes, v => v.Str("configMap", "name") == "ks-upgrade-prepare-config");

        var pvc = docs[2];
        Assert.Equal("pre-upgrade", pvc.Str("metadata", "annotations", "helm.sh/hook"));
        Assert.Equal("5Gi", pvc.Str("spec", "resources", "requests", "storage"));
        Assert.Null(pvc["spec"]!["storageClassName"]);
    }

    [HelmFact]
    public void Prepare_render_of_114_has_no_pvc_and_mounts_none()
    {
        var docs = RenderPrepare("ks-core-1.1.4");
        Assert.Equal(new[] { ("ConfigMap", "ks-upgrade-prepare-config"), ("Job", "prepare-upgrade") }, docs.Select(d => (d.Kind(), d.Name())));
        Assert.DoesNotContain(docs[1]["spec"]!["template"]!["spec"]!["volumes"]!.AsArray(), v => v?["persistentVolumeClaim"] is not null);
        Assert.Single(Container(docs[1])["volumeMounts"]!.AsArray());
    }

    [HelmFact]
    public void Prepare_render_honours_a_private_registry()
    {
        var docs = RenderPrepare("ks-core", registry: "registry.example.local:5000/ks", tag: "v4.1.3-hotfix");
        Assert.Equal("registry.example.local:5000/ks/kubesphere/ks-upgrade:v4.1.3-hotfix", Container(docs.Single(d => d.Kind() == "Job")).Str("image"));
    }

    [HelmFact]
    public void Prepare_without_upgrade_enabled_renders_nothing_and_helm_fails()
    {
        var work = Directory.CreateTempSubdirectory("kschart");
        try
        {
            var (code, _, stderr) = HelmTool.Run(work.FullName, "template", "-s", "templates/prepare-upgrade-job.yaml", "-n", "kubesphere-system",
                "--set", "upgrade.prepare=true", Path.Combine(Fixtures, "ks-core"));
            Assert.NotEqual(0, code);
            Assert.Contains("could not find template", stderr);
        }
        finally { work.Delete(true); }
    }

    [HelmFact]
    public void Dynamic_render_is_configmap_with_only_the_gateway_and_job_mounting_the_pvc()
    {
        var docs = Render("template", "-s", "templates/dynamic-upgrade-job.yaml", "-n", "kubesphere-system", "--release-name",
            "--set", "upgrade.enabled=true,upgrade.dynamic=true,upgrade.config.jobs.gateway.enabled=true,upgrade.config.jobs.gateway.dynamicOptions.gatewayName=kubesphere-router-demo-project",
            "--set", "global.imageRegistry=registry.example.local,global.tag=v4.1.3,upgrade.image.tag=v4.1.3", "{fixtures}/ks-core");
        Assert.Equal(new[] { ("ConfigMap", "ks-upgrade-dynamic-config"), ("Job", "dynamic-upgrade") }, docs.Select(d => (d.Kind(), d.Name())));
        var patch = YamlJson.Parse(docs[0].Str("data", "config-patch.yaml")!);
        Assert.True(JsonNode.DeepEquals(YamlJson.Parse("jobs: {gateway: {enabled: true, dynamicOptions: {gatewayName: kubesphere-router-demo-project}}}"), patch), patch?.ToJsonString());
        var c = Container(docs[1]);
        Assert.Equal("registry.example.local/kubesphere/ks-upgrade:v4.1.3", c.Str("image"));
        Assert.Contains("dynamic-upgrade", c["command"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Contains(docs[1]["spec"]!["template"]!["spec"]!["volumes"]!.AsArray(), v => v.Str("persistentVolumeClaim", "claimName") == "ks-upgrade");
    }

    [HelmFact]
    public void Full_render_differs_by_role_and_only_the_real_extension_repository_key_counts()
    {
        var host = Render("template", "ks-core", "{fixtures}/ks-core", "-n", "kubesphere-system", "-f", "ks-core-values.yaml",
            "--set", "multicluster.role=host,kseExtensionRepository.image.tag=v9.9.9,upgrade.config.validator.extensionsMuseum.enabled=true");
        var member = Render("template", "ks-core", "{fixtures}/ks-core", "-n", "kubesphere-system", "-f", "ks-core-values.yaml",
            "--set", "multicluster.role=member,ha.enabled=true,ksExtensionRepository.image.tag=v1.1.6");
        Assert.Contains(host, d => d.Kind() == "Deployment" && d.Name() == "ks-apiserver");
        Assert.Contains(host, d => d.Kind() == "Repository" && d.Name() == "extensions-museum");
        Assert.DoesNotContain(host, d => d.Name() == "ks-agent");
        var museum = host.Single(d => d.Kind() == "Deployment" && d.Name() == "extensions-museum");
        Assert.Equal("docker.io/kubesphere/ks-extensions-museum:v1.1.5", Container(museum).Str("image"));
        Assert.Contains(member, d => d.Kind() == "Deployment" && d.Name() == "ks-agent");
        Assert.DoesNotContain(member, d => d.Name() == "ks-apiserver" || d.Kind() == "Repository");
        Assert.Contains(member, d => d.Kind() == "Secret" && d.Name() == "redis-secret");
        Assert.Contains("clusterRole: \"member\"", member.Single(d => d.Name() == "kubesphere-config").Str("data", "kubesphere.yaml"));
        foreach (var (hook, weight) in new[] { ("ks-core-upgrade-config", "-1"), ("ks-core-pre-upgrade", "0"), ("ks-core-ks-crds-pre-upgrade", "10") })
            Assert.Equal(weight, host.Single(d => d.Name() == hook).Str("metadata", "annotations", "helm.sh/hook-weight"));
        Assert.Equal("post-upgrade", host.Single(d => d.Name() == "ks-core-post-upgrade").Str("metadata", "annotations", "helm.sh/hook"));
    }

    [HelmFact]
    public void Show_crds_yields_the_v4_crds_with_a_cluster_crd_without_status_subresource()
    {
        var crds = Render("show", "crds", "{fixtures}/ks-core");
        Assert.Equal(new[]
            {
                "builtinroles.iam.kubesphere.io", "clusters.cluster.kubesphere.io", "extensions.kubesphere.io", "extensionversions.kubesphere.io",
                "globalrolebindings.iam.kubesphere.io", "globalroles.iam.kubesphere.io", "installplans.kubesphere.io", "repositories.kubesphere.io",
                "roletemplates.iam.kubesphere.io", "workspacetemplates.tenant.kubesphere.io",
            },
            crds.Select(c => c.Name()).OrderBy(n => n, StringComparer.Ordinal));
        // like the public chart: kinds 3.4 serves at v1alpha2 gain v1beta1 as their storage version, v1alpha2 still served
        foreach (var name in new[] { "globalroles.iam.kubesphere.io", "globalrolebindings.iam.kubesphere.io", "workspacetemplates.tenant.kubesphere.io" })
        {
            var versions = crds.Single(c => c.Name() == name)["spec"]!["versions"]!.AsArray();
            Assert.Equal(new[] { ("v1alpha2", true, false), ("v1beta1", true, true) },
                versions.Select(v => (v!["name"]!.GetValue<string>(), v["served"]!.GetValue<bool>(), v["storage"]!.GetValue<bool>())));
        }
        var cluster = crds.Single(c => c.Name() == "clusters.cluster.kubesphere.io");
        Assert.Equal("Cluster", cluster.Str("spec", "scope"));
        Assert.Empty(cluster["spec"]!["versions"]![0]!["subresources"]!.AsObject());
    }

    [HelmFact]
    public void Rendered_prepare_job_runs_in_the_simulation_against_the_host_seed()
    {
        var view = InMemoryClusterView.From(SeedCatalog.Load("ks34-host").Single());
        var docs = RenderPrepare("ks-core");
        view.Apply(docs);
        var job = docs.Single(d => d.Kind() == "Job");
        job.Child("metadata")["namespace"] = "kubesphere-system";
        var outcome = new KsUpgradeJobBehaviour().OnJobRun(job, view)!;
        Assert.True(outcome.Succeeded, string.Join("\n", outcome.LogLines));
        Assert.Contains("enabled jobs: core(10000), iam(999), network(100), gateway(90)", string.Join("\n", outcome.LogLines));
        Assert.Contains("iam-upgrade-status-prepare-upgrade",
            view.Get("v1", "persistentvolumeclaims", "kubesphere-system", "ks-upgrade").Str("metadata", "annotations", KsUpgradeRun.StorageAnnotation));
    }
}
