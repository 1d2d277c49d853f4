using System.IO.Compression;
using System.Text.Json;
using k8s;

namespace KsUpgrade.Engine.Connection;

/// <summary>The facts of the ks-core release that identify a KubeSphere 4 cluster.</summary>
public sealed record KsCoreReleaseInfo(int Revision, string Status, string? ChartVersion, string? AppVersion, string? Role);

/// <summary>Reads the latest ks-core release natively from its helm release secrets.</summary>
public static class KsCoreRelease
{
    // TODO(lead): switch to Helm.HelmReleaseReader once the helm layer lands.
    public static async Task<KsCoreReleaseInfo?> TryReadLatestAsync(IKubernetes client, CancellationToken ct)
    {
        k8s.Models.V1SecretList list;
        try
        {
            list = await client.CoreV1.ListNamespacedSecretAsync(ClusterIdentity.KubeSphereNamespace, labelSelector: "owner=helm,name=ks-core", cancellationToken: ct).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response?.StatusCode is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        var latest = list.Items
            .Select(s => (Secret: s, Rev: int.TryParse(s.Metadata?.Labels?.TryGetValue("version", out var v) == true ? v : null, out var r) ? r : 0))
            .OrderByDescending(x => x.Rev).FirstOrDefault();
        if (latest.Secret?.Data is null || !latest.Secret.Data.TryGetValue("release", out var raw)) return null;
        var json = DecodeRelease(raw);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        return new KsCoreReleaseInfo(
            latest.Rev,
            ClusterIdentity.Path(root, "info", "status") ?? "unknown",
            ClusterIdentity.Path(root, "chart", "metadata", "version"),
            ClusterIdentity.Path(root, "chart", "metadata", "appVersion"),
            ClusterIdentity.Path(root, "config", "multicluster", "role"));
    }

    private static byte[] DecodeRelease(byte[] raw)
    {
        var bytes = Convert.FromBase64String(System.Text.Encoding.ASCII.GetString(raw));
        if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            return ms.ToArray();
        }
        return bytes;
    }
}
