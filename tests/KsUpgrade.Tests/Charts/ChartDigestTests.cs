using System.Net;
using System.Security.Cryptography;
using KsUpgrade.Engine.Charts;
using KsUpgrade.Engine.Helm;
using KsUpgrade.Tests.Helm;

namespace KsUpgrade.Tests.Charts;

/// <summary>-ChartSha256: format, verification before use, directories refused, URL charts fetched only when needed.</summary>
public class ChartDigestTests
{
    private static string Sha(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    private static (string Tgz, byte[] Bytes) PackedChart(TempDir tmp)
    {
        var bytes = ChartSourceTests.PackDirectory(HelmTestSupport.CreateChart(Path.Combine(tmp.Path, "src"), "ks-core", "1.1.5"));
        var tgz = tmp.File("ks-core-1.1.5.tgz");
        File.WriteAllBytes(tgz, bytes);
        return (tgz, bytes);
    }

    /// <summary>Answers every request with the given bytes and counts the requests.</summary>
    private sealed class CountingServer(byte[] body) : HttpMessageHandler
    {
        public int Requests;
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Requests);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body), RequestMessage = request });
        }
    }

    [Theory]
    [InlineData("ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789")]
    [InlineData("sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("  SHA256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789 ")]
    public void A_digest_is_64_hex_digits_in_any_case_with_an_optional_prefix(string value)
    {
        Assert.Equal("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", ChartDigest.Normalize(value));
        Assert.Null(ChartDigest.Normalize(null));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678")] // 63
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567890")] // 65
    [InlineData("zzcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("md5:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    public void Anything_else_is_ParameterInvalid_naming_the_parameter(string value)
    {
        var e = Assert.Throws<KsUpgradeException>(() => ChartDigest.Normalize(value));
        Assert.Equal("KsUpgrade.ParameterInvalid", e.ErrorId);
        Assert.Equal(KsErrorCategory.InvalidArgument, e.Category);
        Assert.Contains("ChartSha256", e.Message);
    }

    [Fact]
    public void An_oversized_value_is_not_echoed_in_the_message()
    {
        var e = Assert.Throws<KsUpgradeException>(() => ChartDigest.Normalize(new string('x', 100_000)));
        Assert.True(e.Message.Length < 300, e.Message);
    }

    [Fact]
    public void A_matching_archive_is_used_and_a_mismatch_names_both_digests()
    {
        using var tmp = new TempDir();
        var (tgz, bytes) = PackedChart(tmp);
        using (var chart = ChartSource.Resolve(tgz, Sha(bytes).ToUpperInvariant()))
            Assert.Equal("1.1.5", chart.Metadata.Version);

        var wrong = Sha([1, 2, 3]);
        var e = Assert.Throws<KsUpgradeException>(() => ChartSource.Resolve(tgz, wrong));
        Assert.Equal(ErrorIds.ChartDigestMismatch, e.ErrorId);
        Assert.Equal(KsErrorCategory.SecurityError, e.Category);
        Assert.Contains(Sha(bytes), e.Message);
        Assert.Contains(wrong, e.Message);
    }

    [Fact]
    public void The_digest_is_checked_before_the_archive_is_read()
    {
        // Not a gzip at all: unverified it would be ChartInvalid; with a wrong digest the digest check must come first.
        using var tmp = new TempDir();
        var junk = tmp.File("junk.tgz");
        File.WriteAllBytes(junk, [1, 2, 3, 4]);
        Assert.Equal(ErrorIds.ChartInvalid, Assert.Throws<KsUpgradeException>(() => ChartSource.Resolve(junk)).ErrorId);
        Assert.Equal(ErrorIds.ChartDigestMismatch, Assert.Throws<KsUpgradeException>(() => ChartSource.Resolve(junk, new string('0', 64))).ErrorId);
    }

    [Fact]
    public void A_chart_directory_with_a_digest_is_refused_because_it_has_no_single_digest()
    {
        using var tmp = new TempDir();
        var dir = HelmTestSupport.CreateChart(tmp.Path, "ks-core", "1.1.5");
        var e = Assert.Throws<KsUpgradeException>(() => ChartSource.Resolve(dir, new string('0', 64)));
        Assert.Equal("KsUpgrade.ParameterInvalid", e.ErrorId);
        Assert.Contains("directory", e.Message);
        using var plain = ChartSource.Resolve(dir); // without a digest it is used in place
        Assert.Equal(dir, plain.Path);
    }

    [Fact]
    public async Task A_url_chart_is_downloaded_only_when_asked_for_once_and_verified()
    {
        using var tmp = new TempDir();
        var (_, bytes) = PackedChart(tmp);
        var server = new CountingServer(bytes);
        using var http = new HttpClient(server);

        string extracted;
        using (var chart = DeferredChart.Create("https://charts.example.invalid/ks-core-1.1.5.tgz?token=secret", Sha(bytes), http))
        {
            Assert.True(chart.IsPending);
            Assert.Equal(0, server.Requests);
            Assert.Equal("https://charts.example.invalid/ks-core-1.1.5.tgz", chart.Display);
            var first = await chart.GetAsync(CancellationToken.None);
            var second = await chart.GetAsync(CancellationToken.None);
            Assert.Same(first, second);
            Assert.Equal(1, server.Requests);
            Assert.False(chart.IsPending);
            extracted = first.Path;
            Assert.True(File.Exists(Path.Combine(extracted, "Chart.yaml")));
        }
        Assert.False(Directory.Exists(extracted));

        using var wrong = DeferredChart.Create("https://charts.example.invalid/ks-core-1.1.5.tgz", new string('0', 64), http);
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => wrong.GetAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.ChartDigestMismatch, e.ErrorId);
    }

    [Fact]
    public void Bad_references_and_digests_fail_at_once_without_a_request()
    {
        var server = new CountingServer([]);
        using var http = new HttpClient(server);
        var insecure = Assert.Throws<KsUpgradeException>(() => DeferredChart.Create("http://charts.example.invalid/ks-core.tgz", null, http));
        Assert.Equal(ErrorIds.ChartInvalid, insecure.ErrorId);
        Assert.Equal(KsErrorCategory.SecurityError, insecure.Category);
        var format = Assert.Throws<KsUpgradeException>(() => DeferredChart.Create("https://charts.example.invalid/ks-core.tgz", "not-a-digest", http));
        Assert.Equal("KsUpgrade.ParameterInvalid", format.ErrorId);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public void A_local_archive_is_resolved_and_verified_at_once()
    {
        using var tmp = new TempDir();
        var (tgz, bytes) = PackedChart(tmp);
        using (var chart = DeferredChart.Create(tgz, Sha(bytes)))
            Assert.False(chart.IsPending);
        Assert.Equal(ErrorIds.ChartDigestMismatch,
            Assert.Throws<KsUpgradeException>(() => DeferredChart.Create(tgz, new string('f', 64))).ErrorId);
    }
}
