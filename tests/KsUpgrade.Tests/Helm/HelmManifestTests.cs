using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Tests.Helm;

public class HelmManifestTests
{
    [Fact]
    public async Task Splits_real_helm_output_into_objects_with_sources_and_hooks()
    {
        using var tmp = new TempDir();
        var chart = HelmTestSupport.CreateChart(tmp.Path);
        File.WriteAllText(Path.Combine(chart, "templates", "hook.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-upgrade-config\n  annotations:\n    \"helm.sh/hook\": pre-upgrade\ndata:\n  a: \"1\"\n");
        var yaml = await new HelmClient(HelmTestSupport.Helm3).TemplateAsync(new HelmTemplateRequest
        {
            ReleaseName = "ks-core", Namespace = "kubesphere-system", Chart = chart, Sets = new[] { new HelmSet("upgrade.enabled", "true") },
        });

        var docs = HelmManifest.Split(yaml);
        Assert.Equal(
            // helm's install order by kind, hooks last; the order is kept.
            new[] { "ConfigMap ks-core-cm", "PersistentVolumeClaim ks-upgrade", "Job prepare-upgrade", "ConfigMap ks-core-upgrade-config" },
            docs.Select(d => $"{d.Kind} {d.Name}"));
        var cm = docs.Single(d => d.Name == "ks-core-cm");
        Assert.Equal(("v1", "kubesphere-system", "demo/templates/cm.yaml"), (cm.ApiVersion, cm.Namespace, cm.Source));
        Assert.Equal("hi", cm.Object["data"]!["greeting"]!.GetValue<string>());
        Assert.Null(cm.Hook);
        Assert.Equal("pre-upgrade", docs.Single(d => d.Name == "ks-core-upgrade-config").Hook);
        Assert.Null(docs.Single(d => d.Kind == "Job").Namespace);
        Assert.StartsWith("# Source: demo/templates/job.yaml\napiVersion: batch/v1", docs.Single(d => d.Kind == "Job").Yaml);
    }

    [Fact]
    public void Empty_documents_are_skipped_and_incomplete_ones_refused()
    {
        Assert.Empty(HelmManifest.Split("---\n# Source: x/templates/empty.yaml\n---\n\n"));
        var e = Assert.Throws<KsUpgradeException>(() => HelmManifest.Split("---\n# Source: x/templates/bad.yaml\napiVersion: v1\nkind: ConfigMap\n"));
        Assert.Equal(ErrorIds.HelmFailed, e.ErrorId);
        Assert.Contains("x/templates/bad.yaml", e.Message);
        var syntax = Assert.Throws<KsUpgradeException>(() => HelmManifest.Split("kind: [\n"));
        Assert.Equal(ErrorIds.HelmFailed, syntax.ErrorId);
    }
}
