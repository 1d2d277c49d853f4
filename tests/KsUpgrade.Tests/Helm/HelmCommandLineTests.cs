using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Versions;

namespace KsUpgrade.Tests.Helm;

public class HelmCommandLineTests
{
    private static readonly HelmTemplateRequest Prepare = new()
    {
        ReleaseName = "ks-core",
        Namespace = "kubesphere-system",
        Chart = "/charts/ks-core",
        ShowOnly = new[] { "templates/prepare-upgrade-job.yaml" },
        ValueFiles = new[] { "/work/ks-core-values.yaml" },
        Sets = new[] { new HelmSet("upgrade.prepare", "true"), new HelmSet("global.imageRegistry", "docker.io") },
        DryRunServer = true,
        Kube = HelmKubeAccess.FromKubeconfigFile("/home/u/.kube/config", "prod"),
    };

    [Theory]
    [InlineData("v3.17.3")]
    [InlineData("v4.1.4")]
    [InlineData("v3.13.0")]
    public void Template_arguments_are_exact(string helmVersion)
    {
        var args = HelmCommandLine.Template(Prepare, KsVersion.Parse(helmVersion));
        Assert.Equal(new[]
        {
            "template", "ks-core", "/charts/ks-core", "--namespace", "kubesphere-system",
            "--show-only", "templates/prepare-upgrade-job.yaml",
            "--values", "/work/ks-core-values.yaml",
            "--set", "upgrade.prepare=true", "--set", "global.imageRegistry=docker.io",
            "--dry-run=server",
            "--kubeconfig", "/home/u/.kube/config", "--kube-context", "prod",
        }, args);
    }

    [Fact]
    public void Server_dry_run_on_old_helm_is_refused()
    {
        var e = Assert.Throws<KsUpgradeException>(() => HelmCommandLine.Template(Prepare, KsVersion.Parse("v3.12.3")));
        Assert.Equal(ErrorIds.HelmVersionUnsupported, e.ErrorId);
        Assert.Contains("3.13", e.Message);
        var clientSide = HelmCommandLine.Template(Prepare with { DryRunServer = false, IsUpgrade = true, Kube = null }, KsVersion.Parse("v3.12.3"));
        Assert.DoesNotContain("--dry-run=server", clientSide);
        Assert.Equal("--is-upgrade", clientSide[^1]);
    }

    [Fact]
    public void Upgrade_arguments_are_exact()
    {
        var request = new HelmUpgradeRequest
        {
            ReleaseName = "ks-core", Namespace = "kubesphere-system", Chart = "/charts/ks-core.tgz",
            ValueFiles = new[] { "values.yaml" },
            Sets = new[] { new HelmSet("multicluster.role", "host"), new HelmSet("ksExtensionRepository.image.tag", "v1.1.5") },
            Timeout = TimeSpan.FromMinutes(30),
            Kube = HelmKubeAccess.FromKubeconfigContent("apiVersion: v1", "ctx"),
        };
        Assert.Equal(new[]
        {
            "upgrade", "ks-core", "/charts/ks-core.tgz", "--namespace", "kubesphere-system",
            "--values", "values.yaml", "--set", "multicluster.role=host", "--set", "ksExtensionRepository.image.tag=v1.1.5",
            "--wait", "--timeout", "1800s", "--output", "json", "--debug",
            "--kubeconfig", "<temporary kubeconfig>", "--kube-context", "ctx",
        }, HelmCommandLine.Upgrade(request));

        var minimal = HelmCommandLine.Upgrade(request with { Wait = false, Debug = false, Install = true, Kube = null, ValueFiles = Array.Empty<string>(), Sets = Array.Empty<HelmSet>(), Timeout = TimeSpan.FromSeconds(90.2) });
        Assert.Equal(new[] { "upgrade", "ks-core", "/charts/ks-core.tgz", "--namespace", "kubesphere-system", "--install", "--timeout", "91s", "--output", "json" }, minimal);
    }

    [Fact]
    public void Rollback_history_show_and_version_arguments_are_exact()
    {
        Assert.Equal(new[] { "rollback", "kubesphere-router-x-ingress", "3", "--namespace", "kubesphere-controls-system", "--wait", "--timeout", "300s" },
            HelmCommandLine.Rollback("kubesphere-router-x-ingress", "kubesphere-controls-system", 3, true, TimeSpan.FromMinutes(5), null));
        Assert.Equal(new[] { "history", "ks-core", "--namespace", "kubesphere-system", "--output", "json" },
            HelmCommandLine.History("ks-core", "kubesphere-system", null));
        Assert.Equal(new[] { "show", "crds", "/c" }, HelmCommandLine.ShowCrds("/c"));
        Assert.Equal(new[] { "version", "--short" }, HelmCommandLine.Version());
    }

    [Fact]
    public void Format_quotes_only_what_needs_quoting()
    {
        Assert.Equal("helm template r '/my charts/c' --set 'a=it'\\''s' --kubeconfig '<temporary kubeconfig>'",
            HelmCommandLine.Format("helm", new[] { "template", "r", "/my charts/c", "--set", "a=it's", "--kubeconfig", "<temporary kubeconfig>" }));
    }

    [Theory]
    [InlineData("a.b", "x", "a.b=x")]
    [InlineData("a", "1,2", "a=1\\,2")]
    [InlineData("a", "c:\\path", "a=c:\\\\path")]
    [InlineData("a", "", "a=")]
    public void Set_values_are_escaped(string key, string value, string expected)
    {
        Assert.Equal(expected, new HelmSet(key, value).ToArgument());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a=b")]
    [InlineData("a,b")]
    [InlineData("a b")]
    public void Bad_set_keys_are_refused(string key)
    {
        Assert.Throws<KsUpgradeException>(() => new HelmSet(key, "v"));
    }

    [Fact]
    public void Set_parse_splits_on_the_first_equals()
    {
        var set = HelmSet.Parse("upgrade.image.tag=v4.1.3=x");
        Assert.Equal(("upgrade.image.tag", "v4.1.3=x"), (set.Key, set.Value));
        Assert.Throws<KsUpgradeException>(() => HelmSet.Parse("novalue"));
    }
}

public class HelmLocatorTests
{
    private static Func<string, string?> Env(Dictionary<string, string?> values) => k => values.TryGetValue(k, out var v) ? v : null;

    [Fact]
    public void Missing_helm_is_HelmNotFound()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<KsUpgradeException>(() => HelmLocator.Find(null, Env(new() { ["PATH"] = tmp.Path })));
        Assert.Equal(ErrorIds.HelmNotFound, e.ErrorId);
        Assert.Equal(KsErrorCategory.NotInstalled, e.Category);
        Assert.NotNull(e.Remedy);
        Assert.Null(HelmLocator.TryFind(null, Env(new() { ["PATH"] = tmp.Path })));
    }

    [Fact]
    public void Explicit_path_wins_and_must_exist()
    {
        using var tmp = new TempDir();
        var onPath = Path.Combine(tmp.Path, "onpath");
        Directory.CreateDirectory(onPath);
        var pathHelm = HelmTestSupport.CreateScript(onPath, "echo v3.17.3");
        File.Move(pathHelm, Path.Combine(onPath, "helm"));
        var env = Env(new() { ["PATH"] = "/nonexistent:" + onPath });

        Assert.Equal(Path.Combine(onPath, "helm"), HelmLocator.Find(null, env));
        Assert.Equal(HelmTestSupport.Helm3, HelmLocator.Find(HelmTestSupport.Helm3, env));
        Assert.Equal(HelmTestSupport.Helm4, HelmLocator.Find(Path.GetDirectoryName(HelmTestSupport.Helm4), env)); // a directory holding helm
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (HelmTestSupport.Helm3.StartsWith(home + "/", StringComparison.Ordinal))
        {
            Assert.Equal(HelmTestSupport.Helm3, HelmLocator.Find("~/" + Path.GetRelativePath(home, HelmTestSupport.Helm3), env));
        }
        var e = Assert.Throws<KsUpgradeException>(() => HelmLocator.Find(Path.Combine(tmp.Path, "missing-helm"), env));
        Assert.Equal(ErrorIds.HelmNotFound, e.ErrorId);
        Assert.Contains("missing-helm", e.Message);
    }

    [Fact]
    public void Environment_variable_comes_before_PATH()
    {
        using var tmp = new TempDir();
        var env = Env(new() { ["KSUPGRADE_HELM"] = HelmTestSupport.Helm4, ["PATH"] = Path.GetDirectoryName(HelmTestSupport.Helm3) });
        Assert.Equal(HelmTestSupport.Helm4, HelmLocator.Find(null, env));
        var bad = Env(new() { ["KSUPGRADE_HELM"] = tmp.File("nope"), ["PATH"] = Path.GetDirectoryName(HelmTestSupport.Helm3) });
        Assert.Contains("KSUPGRADE_HELM", Assert.Throws<KsUpgradeException>(() => HelmLocator.Find(null, bad)).Message);
    }

    [Fact]
    public void A_non_executable_file_on_PATH_is_not_helm()
    {
        if (OperatingSystem.IsWindows()) return; // Windows has no execute bit
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("helm"), "not executable");
        File.SetUnixFileMode(tmp.File("helm"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Null(HelmLocator.TryFind(null, Env(new() { ["PATH"] = tmp.Path })));
    }
}

public class HelmKubeAccessTests
{
    [Fact]
    public void Content_is_written_owner_only_and_deleted_on_dispose()
    {
        var access = HelmKubeAccess.FromKubeconfigContent("apiVersion: v1\nkind: Config\n", "c1");
        Assert.True(access.UsesTemporaryKubeconfig);
        string path;
        using (var session = access.Materialize())
        {
            path = session.TemporaryKubeconfig!;
            Assert.Equal(new[] { "--kubeconfig", path, "--kube-context", "c1" }, session.Arguments);
            Assert.Equal("apiVersion: v1\nkind: Config\n", File.ReadAllText(path));
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Helms_own_cluster_variables_are_not_inherited()
    {
        using var content = HelmKubeAccess.FromKubeconfigContent("x: y").Materialize();
        Assert.True(content.Environment.ContainsKey("HELM_KUBETOKEN"));
        Assert.Null(content.Environment["HELM_KUBETOKEN"]);
        Assert.Null(content.Environment["HELM_KUBEAPISERVER"]);
        Assert.Null(content.Environment["KUBECONFIG"]);
        using var merged = HelmKubeAccess.FromKubeconfigFiles(new[] { "/a", "/b" }).Materialize();
        Assert.Equal("/a:/b", merged.Environment["KUBECONFIG"]);
        Assert.Empty(merged.Arguments);
    }

    [Fact]
    public void Token_connections_get_a_generated_kubeconfig_and_the_token_is_scrubbed()
    {
        var access = HelmKubeAccess.FromToken("https://api.example:6443", "tok-123456", "/tmp/ca.pem");
        using var session = access.Materialize();
        var text = File.ReadAllText(session.TemporaryKubeconfig!);
        Assert.Contains("\"server\":\"https://api.example:6443\"", text);
        Assert.Contains("\"token\":\"tok-123456\"", text);
        Assert.Contains("\"certificate-authority\":\"/tmp/ca.pem\"", text);
        Assert.DoesNotContain(session.Arguments, a => a.Contains("tok-123456"));
        Assert.Equal(new[] { "--kubeconfig", "<temporary kubeconfig>", "--kube-context", "ksupgrade" }, access.DescribeArguments());
    }

    [Fact]
    public void In_cluster_points_at_the_service_account_files_without_copying_the_token()
    {
        var access = HelmKubeAccess.InCluster(k => k switch { "KUBERNETES_SERVICE_HOST" => "10.0.0.1", "KUBERNETES_SERVICE_PORT" => "443", _ => null });
        using var session = access.Materialize();
        var text = File.ReadAllText(session.TemporaryKubeconfig!);
        Assert.Contains("https://10.0.0.1:443", text);
        Assert.Contains("/var/run/secrets/kubernetes.io/serviceaccount/token", text);
        var e = Assert.Throws<KsUpgradeException>(() => HelmKubeAccess.InCluster(_ => null));
        Assert.Equal(ErrorIds.InClusterUnavailable, e.ErrorId);
    }

    [Fact]
    public void Settings_map_to_the_matching_access()
    {
        var file = HelmKubeAccess.FromSettings(new KsConnectionSettings { KubeconfigPaths = new[] { "/k/config" } }, "resolved");
        Assert.Equal(new[] { "--kubeconfig", "/k/config", "--kube-context", "resolved" }, file.DescribeArguments());
        var explicitContext = HelmKubeAccess.FromSettings(new KsConnectionSettings { KubeconfigPaths = new[] { "/k/config" }, Context = "mine" }, "resolved");
        Assert.Equal("mine", explicitContext.Context);
        var content = HelmKubeAccess.FromSettings(new KsConnectionSettings { KubeconfigContent = "x: y" });
        Assert.True(content.UsesTemporaryKubeconfig);
        var secure = new System.Security.SecureString();
        foreach (var c in "abcd1234") secure.AppendChar(c);
        var token = HelmKubeAccess.FromSettings(new KsConnectionSettings { Server = "https://s", Token = secure });
        Assert.True(token.UsesTemporaryKubeconfig);
        Assert.Equal("ksupgrade", token.Context);
    }
}

public class HelmOutputScrubberTests
{
    [Theory]
    [InlineData("Authorization: Bearer abc.def-123", "abc.def-123")]
    [InlineData("token: sha256~verysecretvalue", "sha256~verysecretvalue")]
    [InlineData("{\"client-key-data\":\"LS0tLS1CRUdJTg==\"}", "LS0tLS1CRUdJTg==")]
    [InlineData("jwtSecret=Zm9vYmFyYmF6", "Zm9vYmFyYmF6")]
    [InlineData("got eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl here", "eyJhbGciOiJSUzI1NiJ9")]
    public void Credentials_are_masked(string text, string secret)
    {
        var scrubbed = HelmOutputScrubber.Scrub(text);
        Assert.DoesNotContain(secret, scrubbed);
        Assert.Contains(HelmOutputScrubber.Mask, scrubbed);
    }

    [Fact]
    public void Known_secrets_and_plain_text()
    {
        Assert.Equal("x *** y", HelmOutputScrubber.Scrub("x my-known-secret y", new[] { "my-known-secret" }));
        const string plain = "Error: UPGRADE FAILED: Kubernetes cluster unreachable: dial tcp 127.0.0.1:1";
        Assert.Equal(plain, HelmOutputScrubber.Scrub(plain));
    }
}
