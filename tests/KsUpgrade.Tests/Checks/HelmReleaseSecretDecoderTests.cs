using System.Text.Json.Nodes;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Tests.Checks;

/// <summary>The checks read releases with the one release reader: what it makes of one storage Secret.</summary>
public class HelmReleaseSecretDecoderTests
{
    private static JsonObject WithLabels(JsonObject secret)
    {
        secret["metadata"]!["labels"] = new JsonObject { ["owner"] = "helm", ["name"] = "ks-core", ["status"] = "pending-upgrade", ["version"] = "7" };
        return secret;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decodes_NameRevisionStatusAndChart(bool gzip)
    {
        var secret = KubeClusterReaderTests.ReleaseSecret("ks-core", "kubesphere-system", 3, "deployed", "1.1.5", "v4.1.3", gzip);
        var release = HelmReleaseReader.FromSecret(secret)!;
        Assert.Equal(("ks-core", "kubesphere-system", 3, "deployed", "ks-core", "1.1.5", "v4.1.3"),
            (release.Name, release.Namespace, release.Revision, release.Status, release.ChartName, release.ChartVersion, release.AppVersion));
        Assert.Null(release.DecodeError);
        Assert.Equal("sh.helm.release.v1.ks-core.v3", release.SecretName);
    }

    [Fact]
    public void UndecodablePayload_FallsBackToTheLabels()
    {
        var secret = WithLabels(KubeClusterReaderTests.ReleaseSecret("ks-core", "kubesphere-system", 7, "deployed", "1.1.5", "v4.1.3", true));
        secret["data"]!["release"] = Convert.ToBase64String("not base64 at all!"u8.ToArray());
        var errors = new List<HelmReleaseSecretError>();
        var release = HelmReleaseReader.FromSecret(secret, errors.Add)!;
        Assert.Equal(("ks-core", 7, "pending-upgrade"), (release.Name, release.Revision, release.Status));
        Assert.True(release.IsPending);
        Assert.Equal("", release.ChartVersion);
        Assert.NotNull(release.DecodeError);
        Assert.Single(errors);

        secret["data"]!["release"] = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(new byte[] { 0x1f, 0x8b, 0x08, 1, 2, 3 })));
        Assert.Equal(7, HelmReleaseReader.FromSecret(secret)!.Revision);
    }

    [Fact]
    public void A_secret_of_another_type_is_not_a_release()
    {
        var secret = KubeClusterReaderTests.ReleaseSecret("ks-core", "kubesphere-system", 3, "deployed", "1.1.5", "v4.1.3", true);
        secret["type"] = "Opaque";
        Assert.Null(HelmReleaseReader.FromSecret(secret));
    }
}
