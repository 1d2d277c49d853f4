using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Text;
using KsUpgrade.Engine.Charts;
using KsUpgrade.Engine.Helm;
using KsUpgrade.Tests.Helm;

namespace KsUpgrade.Tests.Charts;

public class ChartSourceTests
{
    private static string Crd(string plural, string group = "example.com") =>
        $"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: {plural}.{group}\nspec:\n  group: {group}\n" +
        $"  names: {{kind: K{plural}, plural: {plural}}}\n  scope: Namespaced\n  versions: [{{name: v1, served: true, storage: true, schema: {{openAPIV3Schema: {{type: object}}}}}}]\n";

    /// <summary>One archive entry: a file (Content), or a link (LinkTarget) or another type.</summary>
    public sealed record E(string Name, string? Content = null, string? LinkTarget = null, TarEntryType Type = TarEntryType.RegularFile);

    private static byte[] Tgz(params E[] entries)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax))
        {
            foreach (var e in entries)
            {
                var entry = new PaxTarEntry(e.LinkTarget is not null ? (e.Type == TarEntryType.HardLink ? TarEntryType.HardLink : TarEntryType.SymbolicLink) : e.Type, e.Name);
                if (e.LinkTarget is not null) entry.LinkName = e.LinkTarget;
                if (e.Content is not null) entry.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(e.Content));
                tar.WriteEntry(entry);
            }
        }
        return ms.ToArray();
    }

    /// <summary>ks-core-like: own crds, a directory subchart with crds, a packaged subchart with crds, a subchart without.</summary>
    private static string CreateUmbrellaChart(string root)
    {
        var dir = HelmTestSupport.CreateChart(root, "ks-core", "1.1.5");
        File.AppendAllText(Path.Combine(dir, "Chart.yaml"),
            "dependencies:\n- name: ks-crds\n  version: 1.0.0\n  alias: ksCRDs\n- name: redis-ha\n  version: 4.26.1\n  repository: file://charts/redis-ha\n  alias: redisHA\n  condition: redisHA.enabled\n- name: packaged\n  version: 0.1.0\n");
        File.WriteAllText(Path.Combine(dir, "crds", "README.md"), "not a manifest");
        var sub = Path.Combine(dir, "charts", "ks-crds");
        Directory.CreateDirectory(Path.Combine(sub, "crds"));
        File.WriteAllText(Path.Combine(sub, "Chart.yaml"), "apiVersion: v2\nname: ks-crds\nversion: 1.0.0\n");
        File.WriteAllText(Path.Combine(sub, "crds", "b-users.yaml"), Crd("users", "iam.kubesphere.io"));
        File.WriteAllText(Path.Combine(sub, "crds", "a-clusters.yaml"), Crd("clusters", "cluster.kubesphere.io"));
        var redis = Path.Combine(dir, "charts", "redis-ha");
        Directory.CreateDirectory(Path.Combine(redis, "templates"));
        File.WriteAllText(Path.Combine(redis, "Chart.yaml"), "apiVersion: v2\nname: redis-ha\nversion: 4.26.1\n");
        File.WriteAllBytes(Path.Combine(dir, "charts", "packaged-0.1.0.tgz"), Tgz(
            new E("packaged/Chart.yaml", "apiVersion: v2\nname: packaged\nversion: 0.1.0\n"),
            new E("packaged/crds/gadgets.yaml", Crd("gadgets")),
            new E("packaged/templates/x.yaml", "kind: ConfigMap\n")));
        return dir;
    }

    internal static byte[] PackDirectory(string chartDir)
    {
        var name = Path.GetFileName(chartDir);
        var entries = Directory.EnumerateFiles(chartDir, "*", SearchOption.AllDirectories)
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => new E($"{name}/{Path.GetRelativePath(chartDir, f).Replace('\\', '/')}", null))
            .ToList();
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax))
        {
            foreach (var e in entries)
            {
                var file = Path.Combine(chartDir, e.Name[(name.Length + 1)..]);
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, e.Name) { DataStream = new MemoryStream(File.ReadAllBytes(file)) });
            }
        }
        return ms.ToArray();
    }

    [Fact]
    public void A_chart_directory_is_used_in_place_with_its_metadata_and_all_crds()
    {
        using var tmp = new TempDir();
        var dir = CreateUmbrellaChart(tmp.Path);
        using var chart = ChartSource.Resolve(dir);
        Assert.Equal(dir, chart.Path);
        Assert.False(chart.IsTemporary);
        Assert.Null(chart.ArchiveSha256);
        Assert.Equal(("ks-core", "1.1.5", "v4.1.3"), (chart.Metadata.Name, chart.Metadata.Version, chart.Metadata.AppVersion));
        Assert.Equal(new[] { "ks-crds", "redis-ha", "packaged" }, chart.Metadata.Dependencies.Select(d => d.Name));
        Assert.Equal(new ChartDependency("redis-ha", "4.26.1", "file://charts/redis-ha", "redisHA", "redisHA.enabled"), chart.Metadata.Dependencies[1]);

        var crds = chart.ReadCrds();
        Assert.Equal(new[]
        {
            "crds/widgets.yaml",
            "charts/ks-crds/crds/a-clusters.yaml",
            "charts/ks-crds/crds/b-users.yaml",
            "charts/packaged-0.1.0.tgz/packaged/crds/gadgets.yaml",
        }, crds.Select(c => c.Path));
        Assert.Contains("name: users.iam.kubesphere.io", crds[2].Yaml);
        Assert.Contains("name: gadgets.example.com", crds[3].Yaml);
        chart.Dispose();
        Assert.True(Directory.Exists(dir)); // a user's directory is never deleted
    }

    [Fact]
    public async Task Native_crds_match_what_helm_show_crds_prints()
    {
        using var tmp = new TempDir();
        var dir = CreateUmbrellaChart(tmp.Path);
        var native = ChartSource.ReadCrds(dir).Select(c => CrdName(c.Yaml)).OrderBy(n => n).ToList();
        foreach (var helm in new[] { HelmTestSupport.Helm3, HelmTestSupport.Helm4 })
        {
            var shown = await new HelmClient(helm).ShowCrdsAsync(dir);
            var fromHelm = shown.Split("\n").Where(l => l.StartsWith("  name: ", StringComparison.Ordinal) && l.Contains('.'))
                .Select(l => l["  name: ".Length..].Trim()).OrderBy(n => n).ToList();
            Assert.Equal(fromHelm, native);
        }
        Assert.Equal(4, native.Count);
    }

    private static string CrdName(string yaml) => yaml.Split('\n').First(l => l.StartsWith("  name: ", StringComparison.Ordinal))["  name: ".Length..].Trim();

    [Fact]
    public void A_packaged_chart_is_extracted_to_a_private_temporary_directory_and_verified()
    {
        using var tmp = new TempDir();
        var dir = CreateUmbrellaChart(Path.Combine(tmp.Path, "src"));
        var tgz = tmp.File("ks-core-1.1.5.tgz");
        File.WriteAllBytes(tgz, PackDirectory(dir));
        var sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(tgz))).ToLowerInvariant();

        string path;
        using (var chart = ChartSource.Resolve(tgz, "SHA256:" + sha.ToUpperInvariant()))
        {
            path = chart.Path;
            Assert.True(chart.IsTemporary);
            Assert.Equal(sha, chart.ArchiveSha256);
            Assert.Equal("ks-core", Path.GetFileName(chart.Path));
            Assert.True(File.Exists(Path.Combine(chart.Path, "Chart.yaml")));
            Assert.Equal("1.1.5", chart.Metadata.Version);
            Assert.Equal(4, chart.ReadCrds().Count);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(chart.Path)!));
            }
        }
        Assert.False(Directory.Exists(path));

        var e = Assert.Throws<KsUpgradeException>(() => ChartSource.Resolve(tgz, new string('0', 64)));
        Assert.Equal(ErrorIds.ChartDigestMismatch, e.ErrorId);
        Assert.Equal(KsErrorCategory.SecurityError, e.Category);
        Assert.Contains(sha, e.Message);
    }

    public static IEnumerable<object[]> MaliciousArchives() => new[]
    {
        new object[] { "dot-dot", "climbs out", new[] { new E("demo/Chart.yaml", "name: demo\nversion: 1.0.0\n"), new E("demo/../../evil.txt", "pwned") } },
        new object[] { "absolute", "absolute entry", new[] { new E("demo/Chart.yaml", "name: demo\nversion: 1.0.0\n"), new E("/tmp/ksupgrade-evil.txt", "pwned") } },
        new object[] { "symlink-out", "points outside", new[] { new E("demo/Chart.yaml", "name: demo\nversion: 1.0.0\n"), new E("demo/templates/passwd", LinkTarget: "../../../etc/passwd") } },
        new object[] { "symlink-absolute", "absolute path", new[] { new E("demo/Chart.yaml", "name: demo\nversion: 1.0.0\n"), new E("demo/x", LinkTarget: "/etc/passwd") } },
        new object[] { "hardlink-out", "points outside", new[] { new E("demo/Chart.yaml", "name: demo\nversion: 1.0.0\n"), new E("demo/x", LinkTarget: "../outside", Type: TarEntryType.HardLink) } },
        new object[] { "device", "CharacterDevice", new[] { new E("demo/Chart.yaml", "name: demo\nversion: 1.0.0\n"), new E("demo/dev", Type: TarEntryType.CharacterDevice) } },
    };

    [Theory]
    [MemberData(nameof(MaliciousArchives))]
    public void Malicious_archives_are_refused_and_nothing_is_written(string label, string reason, E[] entries)
    {
        using var tmp = new TempDir();
        var tgz = tmp.File(label + ".tgz");
        File.WriteAllBytes(tgz, Tgz(entries));
        var before = Directory.GetDirectories(Path.GetTempPath(), "ksupgrade-chart-*").Length;
        var e = Assert.Throws<KsUpgradeException>(() => ChartSource.Resolve(tgz));
        Assert.Equal(ErrorIds.ChartInvalid, e.ErrorId);
        Assert.Equal(KsErrorCategory.SecurityError, e.Category);
        Assert.Contains(reason, e.Message);
        Assert.False(File.Exists(Path.Combine(tmp.Path, "..", "evil.txt")));
        Assert.False(File.Exists("/tmp/ksupgrade-evil.txt"));
        Assert.True(Directory.GetDirectories(Path.GetTempPath(), "ksupgrade-chart-*").Length <= before);
    }

    [Fact]
    public void A_malicious_packaged_subchart_is_refused_when_reading_crds()
    {
        using var tmp = new TempDir();
        var dir = HelmTestSupport.CreateChart(tmp.Path);
        Directory.CreateDirectory(Path.Combine(dir, "charts"));
        File.WriteAllBytes(Path.Combine(dir, "charts", "bad-1.0.0.tgz"), Tgz(new E("bad/Chart.yaml", "name: bad\nversion: 1\n"), new E("bad/../../x", "y")));
        Assert.Equal(ErrorIds.ChartInvalid, Assert.Throws<KsUpgradeException>(() => ChartSource.ReadCrds(dir)).ErrorId);
    }

    [Fact]
    public void Links_inside_the_chart_are_tolerated_but_not_created()
    {
        using var tmp = new TempDir();
        var tgz = tmp.File("ok.tgz");
        File.WriteAllBytes(tgz, Tgz(
            new E("demo/Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"),
            new E("demo/templates/a.yaml", "kind: ConfigMap\n"),
            new E("demo/templates/b.yaml", LinkTarget: "a.yaml")));
        using var chart = ChartSource.Resolve(tgz);
        Assert.True(File.Exists(Path.Combine(chart.Path, "templates", "a.yaml")));
        Assert.False(File.Exists(Path.Combine(chart.Path, "templates", "b.yaml")));
    }

    [Theory]
    [InlineData("not-gzip", KsErrorCategory.InvalidData)]
    [InlineData("no-chart", KsErrorCategory.InvalidData)]
    [InlineData("no-version", KsErrorCategory.InvalidData)]
    public void Broken_archives_are_ChartInvalid(string kind, KsErrorCategory category)
    {
        using var tmp = new TempDir();
        var tgz = tmp.File(kind + ".tgz");
        File.WriteAllBytes(tgz, kind switch
        {
            "not-gzip" => Encoding.ASCII.GetBytes("this is not an archive"),
            "no-chart" => Tgz(new E("demo/values.yaml", "a: 1\n")),
            _ => Tgz(new E("demo/Chart.yaml", "apiVersion: v2\nname: demo\n")),
        });
        var e = Assert.Throws<KsUpgradeException>(() => ChartSource.Resolve(tgz));
        Assert.Equal(ErrorIds.ChartInvalid, e.ErrorId);
        Assert.Equal(category, e.Category);
    }

    [Fact]
    public void Missing_paths_and_directories_without_Chart_yaml()
    {
        using var tmp = new TempDir();
        var missing = Assert.Throws<KsUpgradeException>(() => ChartSource.Resolve(tmp.File("nope")));
        Assert.Equal(ErrorIds.ChartNotFound, missing.ErrorId);
        Assert.Equal(KsErrorCategory.ObjectNotFound, missing.Category);
        Assert.Contains("nope", missing.Message);

        var notChart = Assert.Throws<KsUpgradeException>(() => ChartSource.Resolve(tmp.Path));
        Assert.Equal(ErrorIds.ChartInvalid, notChart.ErrorId);
        Assert.Contains("Chart.yaml", notChart.Message);

        var dir = HelmTestSupport.CreateChart(tmp.Path);
        var sha = Assert.Throws<KsUpgradeException>(() => ChartSource.Resolve(dir, new string('a', 64)));
        Assert.Equal(KsErrorCategory.InvalidArgument, sha.Category);
    }

    [Fact]
    public async Task Plain_http_is_refused()
    {
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => ChartSource.ResolveAsync("http://charts.example.invalid/ks-core-1.1.5.tgz"));
        Assert.Equal(ErrorIds.ChartInvalid, e.ErrorId);
        Assert.Equal(KsErrorCategory.SecurityError, e.Category);
    }

    private sealed class FakeServer : HttpMessageHandler
    {
        private readonly Func<HttpRequestMessage, HttpResponseMessage> _respond;
        public FakeServer(Func<HttpRequestMessage, HttpResponseMessage> respond) => _respond = respond;
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var r = _respond(request);
            r.RequestMessage = request;
            return Task.FromResult(r);
        }
    }

    [Fact]
    public async Task An_https_chart_is_downloaded_verified_and_extracted()
    {
        using var tmp = new TempDir();
        var bytes = PackDirectory(HelmTestSupport.CreateChart(tmp.Path, "ks-core", "1.1.5"));
        var sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes));
        Uri? asked = null;
        using var http = new HttpClient(new FakeServer(r => { asked = r.RequestUri; return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) }; }));

        using var chart = await ChartSource.ResolveAsync("https://user:pw@charts.example.invalid/main/ks-core-1.1.5.tgz?sig=abc", sha, http);
        Assert.Equal("https://charts.example.invalid/main/ks-core-1.1.5.tgz", chart.Origin); // no credentials kept
        Assert.Equal("/main/ks-core-1.1.5.tgz", asked!.AbsolutePath);
        Assert.Equal("1.1.5", chart.Metadata.Version);
        Assert.Single(chart.ReadCrds());

        using var notFound = new HttpClient(new FakeServer(_ => new HttpResponseMessage(HttpStatusCode.NotFound)));
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => ChartSource.ResolveAsync("https://charts.example.invalid/x.tgz", null, notFound));
        Assert.Equal(ErrorIds.ChartNotFound, e.ErrorId);
        Assert.Contains("404", e.Message);

        using var wrong = new HttpClient(new FakeServer(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) }));
        var bad = await Assert.ThrowsAsync<KsUpgradeException>(() => ChartSource.ResolveAsync("https://charts.example.invalid/x.tgz", new string('1', 64), wrong));
        Assert.Equal(KsErrorCategory.SecurityError, bad.Category);
        Assert.Equal(ErrorIds.ChartDigestMismatch, bad.ErrorId);
    }

    [Fact]
    public async Task An_unreachable_https_server_is_ChartNotFound()
    {
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => ChartSource.ResolveAsync("https://127.0.0.1:1/ks-core.tgz"));
        Assert.Equal(ErrorIds.ChartNotFound, e.ErrorId);
        Assert.Equal(KsErrorCategory.ResourceUnavailable, e.Category);
    }
}
