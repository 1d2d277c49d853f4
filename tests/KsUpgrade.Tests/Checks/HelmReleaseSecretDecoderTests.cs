using System.Text;
using KsUpgrade.Engine.Checks;

namespace KsUpgrade.Tests.Checks;

public class HelmReleaseSecretDecoderTests
{
    private static readonly Dictionary<string, string> Labels = new()
    {
        ["owner"] = "helm", ["name"] = "ks-core", ["status"] = "pending-upgrade", ["version"] = "7",
    };

    /// <summary>The Secret API hands over data already base64-decoded once: what is left is helm's base64 text.</summary>
    private static byte[] SecretBytes(System.Text.Json.Nodes.JsonObject secret) =>
        Convert.FromBase64String(secret["data"]!["release"]!.GetValue<string>());

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decodes_NameRevisionStatusAndChart(bool gzip)
    {
        var secret = KubeClusterReaderTests.ReleaseSecret("ks-core", "kubesphere-system", 3, "deployed", "1.1.5", "v4.1.3", gzip);
        var row = HelmReleaseSecretDecoder.Decode(SecretBytes(secret), Labels, "kubesphere-system")!;
        Assert.Equal(new HelmReleaseRow("ks-core", "kubesphere-system", 3, "deployed", "ks-core", "1.1.5", "v4.1.3"), row);
        Assert.Equal("sh.helm.release.v1.ks-core.v3", row.SecretName);
    }

    [Fact]
    public void UndecodablePayload_FallsBackToTheLabels()
    {
        var row = HelmReleaseSecretDecoder.Decode(Encoding.ASCII.GetBytes("not base64 at all!"), Labels, "kubesphere-system")!;
        Assert.Equal(("ks-core", 7, "pending-upgrade"), (row.Name, row.Revision, row.Status));
        Assert.True(row.IsPending);
        Assert.Null(row.ChartVersion);

        var badGzip = Encoding.ASCII.GetBytes(Convert.ToBase64String(new byte[] { 0x1f, 0x8b, 0x08, 1, 2, 3 }));
        Assert.Equal(7, HelmReleaseSecretDecoder.Decode(badGzip, Labels, "kubesphere-system")!.Revision);
    }
}
