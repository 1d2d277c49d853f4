using KsUpgrade.Engine.Connection;

namespace KsUpgrade.Tests.Connection;

public sealed class KubeconfigSetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ksupgrade-kc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Config(string ctx, string server, string? current, string token = "t", string extraCluster = "") => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {ctx}
          cluster:
            server: {server}
            insecure-skip-tls-verify: true
        {extraCluster}
        users:
        - name: {ctx}
          user:
            token: {token}
        contexts:
        - name: {ctx}
          context:
            cluster: {ctx}
            user: {ctx}
        {(current is null ? "" : "current-context: " + current)}
        """;

    [Fact]
    public void FirstFileWinsPerNameAndForCurrentContext()
    {
        var a = Write("a", Config("shared", "https://a.example:6443", "shared"));
        var b = Write("b", Config("shared", "https://b.example:6443", "other") + "\n");
        var c = Write("c", Config("only-c", "https://c.example:6443", null));
        var set = KubeconfigSet.LoadFiles(new[] { a, b, c });
        Assert.Equal(new[] { "shared", "only-c" }, set.ContextNames);
        Assert.Equal("shared", set.Merged.CurrentContext);
        Assert.Equal("https://a.example:6443", set.Merged.Clusters.Single(x => x.Name == "shared").ClusterEndpoint.Server);
    }

    [Fact]
    public void LaterFileSuppliesCurrentContextWhenEarlierHasNone()
    {
        var a = Write("a", Config("first", "https://a.example", null));
        var b = Write("b", Config("second", "https://b.example", "second"));
        var set = KubeconfigSet.LoadFiles(new[] { a, b });
        Assert.Equal("second", set.ResolveContext(null).Name);
    }

    [Fact]
    public void KubeconfigEnvironmentVariableIsSplitOnPathSeparator()
    {
        var old = Environment.GetEnvironmentVariable("KUBECONFIG");
        try
        {
            Environment.SetEnvironmentVariable("KUBECONFIG", $"{_dir}/x{Path.PathSeparator}{_dir}/y");
            Assert.Equal(new[] { $"{_dir}/x", $"{_dir}/y" }, KubeconfigSet.DefaultPaths());
        }
        finally { Environment.SetEnvironmentVariable("KUBECONFIG", old); }
    }

    [Fact]
    public void MissingFilesAreSkippedButNoneAtAllIsAnError()
    {
        var a = Write("a", Config("real", "https://a.example", "real"));
        Assert.Equal(new[] { "real" }, KubeconfigSet.LoadFiles(new[] { Path.Combine(_dir, "missing"), a }).ContextNames);
        var e = Assert.Throws<KsUpgradeException>(() => KubeconfigSet.LoadFiles(new[] { Path.Combine(_dir, "missing") }));
        Assert.Equal(ErrorIds.KubeconfigNotFound, e.ErrorId);
    }

    [Fact]
    public void UnknownContextListsKnownOnes()
    {
        var set = KubeconfigSet.LoadFiles(new[] { Write("a", Config("alpha", "https://a.example", "alpha")) });
        var e = Assert.Throws<KsUpgradeException>(() => set.ResolveContext("beta"));
        Assert.Equal(ErrorIds.ContextNotFound, e.ErrorId);
        Assert.Equal(KsErrorCategory.ObjectNotFound, e.Category);
        Assert.Contains("alpha", e.Message);
    }

    [Fact]
    public void MalformedYamlGivesPositionButNotContent()
    {
        var path = Write("bad", "clusters:\n- name: x\n  cluster: {server: [oops\ntoken: SECRET-MARKER-1\n");
        var e = Assert.Throws<KsUpgradeException>(() => KubeconfigSet.LoadFiles(new[] { path }));
        Assert.Equal(ErrorIds.KubeconfigInvalid, e.ErrorId);
        Assert.Equal(KsErrorCategory.ParserError, e.Category);
        Assert.Matches(@"line \d+, column \d+", e.Message);
        Assert.DoesNotContain("SECRET-MARKER-1", e.Message);
    }

    [Fact]
    public void ContentThatIsNotAKubeconfigIsInvalid()
    {
        var e = Assert.Throws<KsUpgradeException>(() => KubeconfigSet.LoadContent("hello: world\n"));
        Assert.Equal(ErrorIds.KubeconfigInvalid, e.ErrorId);
        Assert.Throws<KsUpgradeException>(() => KubeconfigSet.LoadContent("   "));
    }

    [Fact]
    public void ProxyUrlIsKeptPerCluster()
    {
        var text = Config("p", "https://p.example", "p").Replace("insecure-skip-tls-verify: true", "insecure-skip-tls-verify: true\n    proxy-url: http://127.0.0.1:3128");
        var set = KubeconfigSet.LoadFiles(new[] { Write("p", text) });
        Assert.Equal("http://127.0.0.1:3128", set.ProxyUrls["p"]);
    }

    [Fact]
    public void RelativeCertificatePathsResolveAgainstTheirFile()
    {
        var text = Config("r", "https://r.example", "r").Replace("insecure-skip-tls-verify: true", "certificate-authority: certs/ca.crt");
        var sub = Directory.CreateDirectory(Path.Combine(_dir, "sub")).FullName;
        var path = Path.Combine(sub, "config");
        File.WriteAllText(path, text);
        var set = KubeconfigSet.LoadFiles(new[] { path });
        Assert.Equal(Path.Combine(sub, "certs", "ca.crt"), set.Merged.Clusters.Single().ClusterEndpoint.CertificateAuthority);
    }

    [Fact]
    public void SkipTlsVerifyProducesAWarning()
    {
        var warnings = new List<string>();
        var path = Write("w", Config("w", "https://w.example", "w"));
        var (config, ctx, _) = ClusterConnector.BuildConfiguration(new KsConnectionSettings { KubeconfigPaths = new[] { path } }, warnings.Add);
        Assert.True(config.SkipTlsVerify);
        Assert.Equal("w", ctx);
        Assert.Single(warnings);
        Assert.Contains("insecure-skip-tls-verify", warnings[0]);
    }
}
