using KsUpgrade.Engine.Values;
using KsUpgrade.Tests.Helm;

namespace KsUpgrade.Tests.Values;

public class UpgradeValuesTests
{
    // The guide's example upgrade: section.
    internal const string GoodValues = """
        upgrade:
          enabled: true
          image:
            registry: ""
            repository: kubesphere/ks-upgrade
            tag: "v4.1.3"
            pullPolicy: IfNotPresent
          persistenceVolume:
            name: ks-upgrade
            storageClassName: "fast-ssd"
            accessMode: ReadWriteOnce
            size: 5Gi
          config:
            storage:
              local:
                path: /tmp/ks-upgrade
            validator:
              ksVersion:
                enabled: true
              extensionsMuseum:
                enabled: true
                namespace: kubesphere-system
                name: extensions-museum
                syncInterval: 0
                watchTimeout: 30m
            jobs:
              network:
                enabled: true
                priority: 100
                extensionRef:
                  name: "network"
                  version: "1.1.0"
                dynamicOptions: {
                  "rerun": "false"
                }
              gateway:
                enabled: true
                priority: 90
                extensionRef:
                  name: "gateway"
                  version: "1.0.5"
              devops:
                enabled: false
                priority: 800
                extensionRef:
                  name: devops
                  version: 1.1.2
              core:
                enabled: true
                priority: 10000
        """;

    private static UpgradeValues LoadText(string yaml)
    {
        using var tmp = new TempDir();
        var path = tmp.File("ks-core-values.yaml");
        File.WriteAllText(path, yaml);
        return UpgradeValues.Load(path);
    }

    [Fact]
    public void The_guides_values_are_valid_and_read()
    {
        var values = LoadText(GoodValues);
        Assert.True(values.IsValid, string.Join("\n", values.Findings));
        Assert.Empty(values.Findings);
        Assert.True(values.UpgradeEnabled);
        Assert.Equal("fast-ssd", values.StorageClassName);
        Assert.Equal("ks-upgrade", values.PersistenceVolumeName);
        Assert.Null(values.ImageRegistry);
        Assert.Equal("v4.1.3", values.ImageTag);
        Assert.Equal(new[] { "core", "network", "gateway" }, values.EnabledJobs.Select(j => j.Name)); // by priority, devops disabled
        var gateway = values.EnabledJobs.Single(j => j.Name == "gateway");
        Assert.Equal(new UpgradeJobSettings("gateway", 90, "gateway", "1.0.5"), gateway);
        Assert.NotNull(values.UpgradeConfig);
        Assert.Equal("/tmp/ks-upgrade", values.UpgradeConfig!["storage"]!["local"]!["path"]!.GetValue<string>());
        Assert.Equal(0L, values.UpgradeConfig["validator"]!["extensionsMuseum"]!["syncInterval"]!.GetValue<long>());
        Assert.True(values.UpgradeConfig["jobs"]!["network"]!["enabled"]!.GetValue<bool>());
        Assert.Equal("false", values.UpgradeConfig["jobs"]!["network"]!["dynamicOptions"]!["rerun"]!.GetValue<string>());
        Assert.Equal("1.1.2", values.UpgradeConfig["jobs"]!["devops"]!["extensionRef"]!["version"]!.GetValue<string>());
        Assert.Equal(800L, values.UpgradeConfig["jobs"]!["devops"]!["priority"]!.GetValue<long>());
        values.ThrowIfInvalid();
    }

    [Fact]
    public void Typos_are_reported_with_their_path_and_line()
    {
        var yaml = GoodValues
            .Replace("      network:\n        enabled: true", "      network:\n        enable: true")
            .Replace("  persistenceVolume:\n    name: ks-upgrade", "  persistenceVolume:\n    nmae: ks-upgrade")
            .Replace("  config:\n    storage:", "  config:\n    skipValidator: false\n    storage:");
        var values = LoadText(yaml);
        Assert.False(values.IsValid);

        var enable = Assert.Single(values.Findings, f => f.Path == "upgrade.config.jobs.network.enable");
        Assert.Equal(ValuesFindingSeverity.Error, enable.Severity);
        Assert.Contains("did you mean 'enabled'", enable.Message);
        Assert.Equal(yaml.Split('\n').ToList().FindIndex(l => l.Contains("enable: true")) + 1, enable.Line);

        Assert.Contains(values.Findings, f => f.Path == "upgrade.persistenceVolume.nmae" && f.Severity == ValuesFindingSeverity.Error && f.Message.Contains("'name'"));
        var skip = Assert.Single(values.Findings, f => f.Path == "upgrade.config.skipValidator");
        Assert.Equal(ValuesFindingSeverity.Warning, skip.Severity);
        Assert.DoesNotContain(values.EnabledJobs, j => j.Name == "network"); // as written, the network job is off
        Assert.Equal("ks-upgrade", values.PersistenceVolumeName);

        var e = Assert.Throws<KsUpgradeException>(values.ThrowIfInvalid);
        Assert.Equal(ErrorIds.ValuesInvalid, e.ErrorId);
        Assert.Contains("upgrade.config.jobs.network.enable", e.Message);
    }

    [Fact]
    public void Enabled_jobs_need_an_extension_reference()
    {
        var values = LoadText("""
            upgrade:
              enabled: true
              config:
                jobs:
                  gateway:
                    enabled: true
                    extensionRef:
                      name: gateway
                  vector:
                    enabled: yes
                  iam:
                    enabled: true
                  monitoring:
                    enabled: false
                  network:
                    disabled: false
                    extensionRef: {name: network, version: 1.1.0}
            """);
        Assert.Contains(values.Findings, f => f.Path == "upgrade.config.jobs.gateway.extensionRef.version" && f.Severity == ValuesFindingSeverity.Error);
        Assert.DoesNotContain(values.Findings, f => f.Path == "upgrade.config.jobs.gateway.extensionRef.name");
        Assert.Contains(values.Findings, f => f.Path == "upgrade.config.jobs.vector.extensionRef.name");
        Assert.Contains(values.Findings, f => f.Path == "upgrade.config.jobs.vector.extensionRef.version");
        Assert.DoesNotContain(values.Findings, f => f.Path.StartsWith("upgrade.config.jobs.iam"));
        var monitoring = Assert.Single(values.Findings, f => f.Path == "upgrade.config.jobs.monitoring");
        Assert.Equal(ValuesFindingSeverity.Warning, monitoring.Severity);
        Assert.Contains("whizard-monitoring", monitoring.Message);
        Assert.Contains(values.Findings, f => f.Path == "upgrade.config.jobs.network.disabled" && f.Severity == ValuesFindingSeverity.Error);
        Assert.Equal(new[] { "gateway", "iam", "vector" }, values.EnabledJobs.Select(j => j.Name));
        Assert.Null(values.StorageClassName);
    }

    [Theory]
    [InlineData("other: 1\n", "upgrade", "no upgrade: section")]
    [InlineData("", "", "empty")]
    [InlineData("upgrade:\n  enabled: false\n  config: {}\n", "upgrade.enabled", "is false")]
    [InlineData("upgrade:\n  image: {tag: v4.1.3}\n", "upgrade.enabled", "missing")]
    [InlineData("upgrade:\n  enabled: \"false\"\n", "upgrade.enabled", "not a boolean")]
    [InlineData("upgrade: [1, 2]\n", "upgrade", "must be a mapping")]
    [InlineData("- a\n- b\n", "", "mapping")]
    [InlineData("upgrade:\n  enabled: true\n  config:\n    jobs: [network]\n", "upgrade.config.jobs", "mapping")]
    public void Structural_problems_are_errors(string yaml, string path, string message)
    {
        var values = UpgradeValues.Parse(yaml, "t.yaml");
        Assert.False(values.IsValid);
        Assert.Contains(values.Findings, f => f.Path == path && f.Severity == ValuesFindingSeverity.Error && f.Message.Contains(message));
    }

    [Fact]
    public void A_quoted_true_works_but_is_warned_about()
    {
        var values = UpgradeValues.Parse("upgrade:\n  enabled: \"true\"\n  config: {storage: {local: {path: /tmp/x}}}\n", "q.yaml");
        Assert.True(values.IsValid, string.Join("\n", values.Findings));
        Assert.True(values.UpgradeEnabled);
        Assert.Equal(ValuesFindingSeverity.Warning, Assert.Single(values.Findings).Severity);
    }

    [Fact]
    public void Syntax_error_names_line_and_column()
    {
        using var tmp = new TempDir();
        var path = tmp.File("bad.yaml");
        File.WriteAllText(path, "upgrade:\n  enabled: true\n  image:\n    tag: [v4.1.3\n  config: {}\n");
        var e = Assert.Throws<KsUpgradeException>(() => UpgradeValues.Load(path));
        Assert.Equal(ErrorIds.ValuesInvalid, e.ErrorId);
        Assert.Equal(KsErrorCategory.ParserError, e.Category);
        Assert.Matches(@"line \d+, column \d+", e.Message);
        Assert.Contains(path, e.Message);

        var tab = Assert.Throws<KsUpgradeException>(() => UpgradeValues.Parse("upgrade:\n  enabled: true\n   bad: : x\n", "tab.yaml"));
        Assert.Contains("line 3", tab.Message);
    }

    [Fact]
    public void Duplicate_keys_are_a_parser_error()
    {
        var e = Assert.Throws<KsUpgradeException>(() => UpgradeValues.Parse("upgrade:\n  enabled: true\n  enabled: false\n", "dup.yaml"));
        Assert.Equal(ErrorIds.ValuesInvalid, e.ErrorId);
        Assert.Equal(KsErrorCategory.ParserError, e.Category);
    }

    [Fact]
    public void Missing_file_is_ObjectNotFound_naming_the_path()
    {
        using var tmp = new TempDir();
        var path = tmp.File("nope.yaml");
        var e = Assert.Throws<KsUpgradeException>(() => UpgradeValues.Load(path));
        Assert.Equal(ErrorIds.ValuesInvalid, e.ErrorId);
        Assert.Equal(KsErrorCategory.ObjectNotFound, e.Category);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Alias_bomb_is_refused_quickly()
    {
        var yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" +
                   string.Concat(Enumerable.Range(1, 8).Select(i => $"{(char)('a' + i)}: &{(char)('a' + i)} [*{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}]\n")) +
                   "upgrade:\n  enabled: true\n";
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<KsUpgradeException>(() => UpgradeValues.Parse(yaml, "bomb.yaml"));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(ErrorIds.ValuesInvalid, e.ErrorId);
        Assert.Equal(KsErrorCategory.LimitsExceeded, e.Category);
    }

    [Fact]
    public void Modest_aliases_are_fine()
    {
        var values = UpgradeValues.Parse("common: &c {enabled: true, priority: 5, extensionRef: {name: x, version: '1'}}\nupgrade:\n  enabled: true\n  config:\n    jobs:\n      network: *c\n", "ok.yaml");
        Assert.True(values.IsValid, string.Join("\n", values.Findings));
        Assert.Equal("network", Assert.Single(values.EnabledJobs).Name);
    }

    [Fact]
    public void Merge_keys_are_applied_like_helm_does()
    {
        var values = UpgradeValues.Parse("""
            base: &job {enabled: true, priority: 5, extensionRef: {name: x, version: '1'}}
            upgrade:
              enabled: true
              config:
                jobs:
                  network:
                    <<: *job
                    priority: 100
                    extensionRef: {name: network, version: 1.1.0}
            """, "merge.yaml");
        Assert.True(values.IsValid, string.Join("\n", values.Findings));
        Assert.Empty(values.Findings);
        Assert.Equal(new UpgradeJobSettings("network", 100, "network", "1.1.0"), Assert.Single(values.EnabledJobs));
        Assert.Null(values.UpgradeConfig!["jobs"]!["network"]!["<<"]);
    }

    [Fact]
    public void Huge_file_is_refused_before_parsing()
    {
        using var tmp = new TempDir();
        var path = tmp.File("huge.yaml");
        using (var f = new FileStream(path, FileMode.Create)) f.SetLength(11L * 1024 * 1024);
        var e = Assert.Throws<KsUpgradeException>(() => UpgradeValues.Load(path));
        Assert.Equal(KsErrorCategory.LimitsExceeded, e.Category);
        Assert.Equal(ErrorIds.ValuesInvalid, e.ErrorId);
    }

    [Fact]
    public void Deep_nesting_is_refused()
    {
        var yaml = "upgrade:\n  enabled: true\n  config:\n    x: " + new string('[', 150) + new string(']', 150) + "\n";
        var e = Assert.Throws<KsUpgradeException>(() => UpgradeValues.Parse(yaml, "deep.yaml"));
        Assert.Equal(ErrorIds.ValuesInvalid, e.ErrorId);
    }
}
