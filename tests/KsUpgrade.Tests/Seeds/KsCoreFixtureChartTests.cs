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
    public void Show_crds_yields_the_39_v4_crds_with_their_version_changes()
    {
        var crds = Render("show", "crds", "{fixtures}/ks-core");
        Assert.Equal(39, crds.Count);
        Assert.Equal(39, crds.Select(c => c.Name()).Distinct().Count());
        (string, bool, bool)[] Versions(string name) => crds.Single(c => c.Name() == name)["spec"]!["versions"]!.AsArray()
            .Select(v => (v!["name"]!.GetValue<string>(), v["served"]!.GetValue<bool>(), v["storage"]!.GetValue<bool>())).ToArray();
        // like the public chart: the iam and tenant kinds 3.4 stores at v1alpha2 gain v1beta1 as their storage version,
        // v1alpha2 still served
        foreach (var name in new[]
                 {
                     "globalroles.iam.kubesphere.io", "globalrolebindings.iam.kubesphere.io", "users.iam.kubesphere.io", "groups.iam.kubesphere.io",
                     "groupbindings.iam.kubesphere.io", "loginrecords.iam.kubesphere.io", "workspaceroles.iam.kubesphere.io",
                     "workspacerolebindings.iam.kubesphere.io", "workspacetemplates.tenant.kubesphere.io",
                 })
            Assert.Equal(new[] { ("v1alpha2", true, false), ("v1beta1", true, true) }, Versions(name));
        // Workspaces: v1alpha1 (3.4's storage version) still served, v1beta1 stored, v1alpha2 dropped
        Assert.Equal(new[] { ("v1alpha1", true, false), ("v1beta1", true, true) }, Versions("workspaces.tenant.kubesphere.io"));
        // kinds that share a name with a core or another group's kind
        Assert.Equal("Namespaced", crds.Single(c => c.Name() == "serviceaccounts.kubesphere.io").Str("spec", "scope"));
        Assert.Equal(3, crds.Count(c => c.Str("spec", "names", "kind") == "Category"));
        var cluster = crds.Single(c => c.Name() == "clusters.cluster.kubesphere.io");
        Assert.Equal("Cluster", cluster.Str("spec", "scope"));
        Assert.Empty(cluster["spec"]!["versions"]![0]!["subresources"]!.AsObject());
    }

    private static List<JsonObject> RenderFull(string role, params string[] sets)
    {
        var args = new List<string> { "template", "ks-core", "{fixtures}/ks-core", "-n", "kubesphere-system", "-f", "ks-core-values.yaml", "--set", "multicluster.role=" + role };
        foreach (var s in sets) args.AddRange(new[] { "--set", s });
        return Render(args.ToArray());
    }

    [HelmFact]
    public void Webhooks_get_a_ca_generated_on_every_render_and_signed_by_it()
    {
        var host = RenderFull("host");
        var again = RenderFull("host");
        var member = RenderFull("member");
        static List<JsonObject> Hooks(List<JsonObject> docs) => docs.Where(d => d.Kind() is "ValidatingWebhookConfiguration" or "MutatingWebhookConfiguration").ToList();
        Assert.Equal(12, Hooks(host).Count);
        Assert.Equal(6, Hooks(member).Count);
        var ca = host.Single(d => d.Kind() == "Secret" && d.Name() == "ks-controller-manager-webhook-cert").Str("data", "ca.crt");
        Assert.All(Hooks(host), h => Assert.Equal(ca, h["webhooks"]![0].Str("clientConfig", "caBundle")));
        var caAgain = again.Single(d => d.Kind() == "Secret" && d.Name() == "ks-controller-manager-webhook-cert").Str("data", "ca.crt");
        Assert.NotEqual(ca, caAgain);
        // the serving certificate is signed by that CA for the ks-controller-manager Service
        var secret = host.Single(d => d.Name() == "ks-controller-manager-webhook-cert");
        var caCert = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(Encoding(ca!));
        var cert = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(Encoding(secret.Str("data", "tls.crt")!));
        Assert.Equal(caCert.Subject, cert.Issuer);
        Assert.Contains("ks-controller-manager.kubesphere-system.svc", cert.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.DnsName, false) + " " +
            string.Join(" ", cert.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames())));
    }

    private static string Encoding(string b64) => System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(b64));

    [HelmFact]
    public void Redis_ha_subchart_renders_only_with_redisHA_enabled_and_the_cache_uses_its_haproxy_port()
    {
        var plain = RenderFull("host", "ha.enabled=true");
        Assert.DoesNotContain(plain, d => d.Name()!.Contains("redisha"));
        Assert.Contains(plain, d => d.Kind() == "Deployment" && d.Name() == "redis");
        var ha = RenderFull("host", "ha.enabled=true", "redisHA.enabled=true", "redisHA.haproxy.servicePort=16379");
        Assert.DoesNotContain(ha, d => d.Kind() == "Deployment" && d.Name() == "redis");
        Assert.Equal(3L, ha.Single(d => d.Kind() == "StatefulSet" && d.Name() == "ks-core-redisha-server")["spec"]!["replicas"]!.GetValue<long>());
        Assert.Contains(ha, d => d.Kind() == "Deployment" && d.Name() == "ks-core-redisha-haproxy");
        Assert.Equal(new[] { "ks-core-redisha-announce-0", "ks-core-redisha-announce-1", "ks-core-redisha-announce-2" },
            ha.Where(d => d.Kind() == "Service" && d.Name()!.Contains("announce")).Select(d => d.Name()));
        Assert.Contains(ha, d => d.Kind() == "Secret" && d.Name() == "ks-core-redisha");
        Assert.Contains("port: 16379", ha.Single(d => d.Name() == "kubesphere-config").Str("data", "kubesphere.yaml"));
    }

    [HelmFact]
    public void Kubectl_hook_jobs_run_after_install_and_upgrade_and_are_deleted_whatever_their_outcome()
    {
        var host = RenderFull("host", "global.imageRegistry=registry.example.local");
        foreach (var (name, weight) in new[] { ("ks-core-post-patch-system-ns", "-5"), ("ks-core-post-patch-user", "-4") })
        {
            var job = host.Single(d => d.Kind() == "Job" && d.Name() == name);
            Assert.Equal("post-install,post-upgrade", job.Str("metadata", "annotations", "helm.sh/hook"));
            Assert.Equal(weight, job.Str("metadata", "annotations", "helm.sh/hook-weight"));
            Assert.Equal("before-hook-creation,hook-succeeded,hook-failed", job.Str("metadata", "annotations", "helm.sh/hook-delete-policy"));
            Assert.Equal("registry.example.local/kubesphere/kubectl:v1.27.16", Container(job).Str("image"));
            Assert.Contains("kubectl ", Container(job)["command"]!.AsArray().Last()!.GetValue<string>());
        }
        // custom resources of the re-versioned and the new kinds; lookups are empty without a cluster
        Assert.Equal("iam.kubesphere.io/v1beta1", host.Single(d => d.Kind() == "User" && d.Name() == "admin").Str("apiVersion"));
        Assert.Equal(5, host.Count(d => d.Kind() == "Category" && d.Str("apiVersion") == "kubesphere.io/v1alpha1"));
        Assert.Equal(3, host.Count(d => d.Kind() == "Category" && d.Str("apiVersion") == "iam.kubesphere.io/v1beta1"));
        Assert.Contains(host, d => d.Kind() == "ServiceAccount" && d.Str("apiVersion") == "kubesphere.io/v1alpha1");
        Assert.Contains("enabled: true", host.Single(d => d.Name() == "io.kubesphere.config.platformconfig.telemetry").Str("stringData", "configuration.yaml"));
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
