using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Values;
using KsUpgrade.Tests.Values;

namespace KsUpgrade.Tests.Helm;

public class KsCoreChartValuesTests
{
    private static readonly KsCoreImageSettings Images = new() { ImageRegistry = "registry.local:5000/mirror", Tag = "v4.1.3", ExtensionVersion = "v1.1.5" };

    [Fact]
    public void Prepare_sets_follow_the_official_flow()
    {
        Assert.Equal(new[]
        {
            "upgrade.prepare=true", "upgrade.image.registry=registry.local:5000/mirror", "upgrade.image.tag=v4.1.3",
            "global.imageRegistry=registry.local:5000/mirror", "global.tag=v4.1.3",
        }, KsCoreChartValues.PrepareSets(Images).Select(s => s.ToArgument()));

        var withExtensionRegistry = KsCoreChartValues.PrepareSets(Images with { ExtensionImageRegistry = "ext.local", UpgradeImageTag = "v4.1.3-patch1" });
        Assert.Equal("extension.imageRegistry=ext.local", withExtensionRegistry[3].ToArgument());
        Assert.Equal("upgrade.image.tag=v4.1.3-patch1", withExtensionRegistry[2].ToArgument());
    }

    [Theory]
    [InlineData(KsClusterRole.Host, false, false, "true")]
    [InlineData(KsClusterRole.Member, true, true, "false")]
    public void Upgrade_sets_use_the_charts_real_extension_key_and_role_dependent_flags(KsClusterRole role, bool redis, bool redisHa, string museum)
    {
        var sets = KsCoreChartValues.UpgradeSets(Images, role, redis, redisHa).Select(s => s.ToArgument()).ToList();
        Assert.Equal($"multicluster.role={role.ToString().ToLowerInvariant()}", sets[0]);
        Assert.Contains("ksExtensionRepository.image.tag=v1.1.5", sets);
        Assert.DoesNotContain(sets, s => s.StartsWith("kseExtensionRepository", StringComparison.Ordinal));
        Assert.Equal(redis, sets.Contains("ha.enabled=true"));
        Assert.Equal(redisHa, sets.Contains("redisHA.enabled=true"));
        Assert.Equal($"upgrade.config.validator.extensionsMuseum.enabled={museum}", sets[^1]);
        Assert.Throws<KsUpgradeException>(() => KsCoreChartValues.UpgradeSets(Images, KsClusterRole.None, false, false));
    }

    [Fact]
    public void Dynamic_sets_name_the_gateway()
    {
        Assert.Equal(new[]
        {
            "upgrade.enabled=true", "upgrade.dynamic=true", "upgrade.config.jobs.gateway.enabled=true",
            "upgrade.config.jobs.gateway.dynamicOptions.gatewayName=kubesphere-router-kubesphere-system",
            "global.imageRegistry=registry.local:5000/mirror", "global.tag=v4.1.3", "upgrade.image.tag=v4.1.3",
        }, KsCoreChartValues.DynamicSets(Images, "kubesphere-router-kubesphere-system").Select(s => s.ToArgument()));
        Assert.Equal(ErrorIds.ParameterInvalid, Assert.Throws<KsUpgradeException>(() => KsCoreChartValues.DynamicSets(Images, "Bad Name,x=y")).ErrorId);
    }

    [Theory]
    [InlineData("docker.io; rm -rf /", "v4.1.3")]
    [InlineData("https://docker.io", "v4.1.3")]
    [InlineData("docker.io,global.tag=evil", "v4.1.3")]
    [InlineData("docker.io", "v4.1.3 --set x=y")]
    [InlineData("docker.io", "")]
    [InlineData("", "v4.1.3")]
    public void Bad_registries_and_tags_are_refused_before_anything_runs(string registry, string tag)
    {
        var e = Assert.Throws<KsUpgradeException>(() => KsCoreChartValues.PrepareSets(new KsCoreImageSettings { ImageRegistry = registry, Tag = tag }));
        Assert.Equal(ErrorIds.ParameterInvalid, e.ErrorId);
        Assert.Equal(KsErrorCategory.InvalidArgument, e.Category);
    }

    [Theory]
    [InlineData("docker.io")]
    [InlineData("registry.cn-beijing.aliyuncs.com/kse")]
    [InlineData("10.0.0.5:5000")]
    [InlineData("harbor.local/library/mirror_1")]
    public void Good_registries_pass(string registry)
    {
        Assert.Equal(6, KsCoreChartValues.PrepareSets(Images with { ImageRegistry = registry, ExtensionImageRegistry = registry }).Count);
    }

    /// <summary>A stand-in for ks-core's prepare template (our own, same gates and image rules as described in domain-facts §1.2/§1.3).</summary>
    private static string CreatePrepareChart(string root)
    {
        var dir = Path.Combine(root, "ks-core");
        Directory.CreateDirectory(Path.Combine(dir, "templates"));
        File.WriteAllText(Path.Combine(dir, "Chart.yaml"), "apiVersion: v2\nname: ks-core\nversion: 1.1.5\nappVersion: v4.1.3\n");
        File.WriteAllText(Path.Combine(dir, "values.yaml"),
            "global: {imageRegistry: docker.io, tag: v4.1.3}\nksExtensionRepository: {image: {tag: v1.1.3}}\n" +
            "upgrade: {enabled: false, image: {registry: '', repository: kubesphere/ks-upgrade, tag: ''}, persistenceVolume: {name: ks-upgrade}, config: {}}\n");
        File.WriteAllText(Path.Combine(dir, "templates", "prepare-upgrade-job.yaml"), """
            {{- if and .Values.upgrade.enabled .Values.upgrade.prepare }}
            {{- if .Values.upgrade.config }}
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: ks-upgrade-prepare-config
            data:
              config-patch.yaml: |
            {{ toYaml .Values.upgrade.config | indent 4 }}
            ---
            {{- end }}
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: prepare-upgrade
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers:
                  - name: prepare-upgrade-job
                    image: {{ .Values.upgrade.image.registry | default .Values.global.imageRegistry }}/{{ .Values.upgrade.image.repository }}:{{ .Values.upgrade.image.tag | default .Values.global.tag }}
                    args: ["museum={{ .Values.ksExtensionRepository.image.tag }}"]
            {{- end }}
            """);
        return dir;
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Prepare_render_with_the_guides_values_and_our_sets(int major)
    {
        using var tmp = new TempDir();
        var chart = CreatePrepareChart(tmp.Path);
        var valuesFile = tmp.File("ks-core-values.yaml");
        File.WriteAllText(valuesFile, UpgradeValuesTests.GoodValues);
        Assert.True(UpgradeValues.Load(valuesFile).IsValid);

        var yaml = await new HelmClient(HelmTestSupport.HelmFor(major)).TemplateAsync(new HelmTemplateRequest
        {
            ReleaseName = KsUpgrade.Engine.KsNames.KsCoreRelease,
            Namespace = KsUpgrade.Engine.KsNames.KubeSphereSystem,
            Chart = chart,
            ShowOnly = new[] { KsCoreChartValues.PrepareJobTemplate },
            ValueFiles = new[] { valuesFile },
            Sets = KsCoreChartValues.PrepareSets(Images),
        });
        var docs = HelmManifest.Split(yaml);
        Assert.Equal(new[] { "ConfigMap/ks-upgrade-prepare-config", "Job/prepare-upgrade" }, docs.Select(d => $"{d.Kind}/{d.Name}"));
        var image = docs[1].Object["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>();
        Assert.Equal("registry.local:5000/mirror/kubesphere/ks-upgrade:v4.1.3", image);
        var patch = docs[0].Object["data"]!["config-patch.yaml"]!.GetValue<string>();
        var reparsed = UpgradeValues.Parse("upgrade:\n  enabled: true\n  config:\n" + string.Join("\n", patch.Split('\n').Select(l => "    " + l)), "patch");
        Assert.Equal(new[] { "core", "network", "gateway" }, reparsed.EnabledJobs.Select(j => j.Name));
    }
}
