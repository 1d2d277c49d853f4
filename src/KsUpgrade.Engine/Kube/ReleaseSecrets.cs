using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Kube;

/// <summary>A helm release revision read from its Secret.</summary>
public sealed record ReleaseRevision(string Name, int Revision, string Status, string SecretName, string? AppVersion, string? ChartVersion, string? Manifest);

/// <summary>Reads helm release secrets (sh.helm.release.v1.NAME.vN) natively.</summary>
public static class ReleaseSecrets
{
    public static async Task<IReadOnlyList<ReleaseRevision>> ListAsync(IKubeApi api, string ns, string release, CancellationToken ct)
    {
        var secrets = await api.ListAllAsync(ResourceKind.Secrets, ns, $"owner=helm,name={release}", ct).ConfigureAwait(false);
        var result = new List<ReleaseRevision>();
        foreach (var s in secrets)
        {
            var rev = int.TryParse(s.Label("version"), out var r) ? r : 0;
            Helm.HelmRelease? body = null;
            var data = s.Str("data", "release");
            try { if (!string.IsNullOrEmpty(data)) body = Helm.HelmReleaseDecoder.Decode(Convert.FromBase64String(data), s.Name()); }
            catch (Exception e) when (e is FormatException or KsUpgradeException) { }
            result.Add(new ReleaseRevision(release, rev,
                body?.Status ?? s.Label("status") ?? "unknown",
                s.Name(),
                NonEmpty(body?.AppVersion),
                NonEmpty(body?.ChartVersion),
                NonEmpty(body?.Manifest)));
        }
        return result.OrderBy(r => r.Revision).ToList();
    }

    public static async Task<ReleaseRevision?> LatestAsync(IKubeApi api, string ns, string release, CancellationToken ct) =>
        (await ListAsync(api, ns, release, ct).ConfigureAwait(false)).LastOrDefault();

    public static async Task<ReleaseRevision?> LatestDeployedAsync(IKubeApi api, string ns, string release, CancellationToken ct) =>
        (await ListAsync(api, ns, release, ct).ConfigureAwait(false)).LastOrDefault(r => r.Status == "deployed");

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>data.release (the Secret field as JSON gives it) decoded to the release JSON, through the helm layer's decoder.</summary>
    internal static JsonObject? Decode(string? dataRelease) =>
        string.IsNullOrEmpty(dataRelease) ? null : Helm.HelmReleaseDecoder.ToJson(Helm.HelmReleaseDecoder.Decode(Convert.FromBase64String(dataRelease)));

    /// <summary>Encodes a release body as helm stores it (for tests and fixtures).</summary>
    public static string Encode(JsonObject release)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(Encoding.UTF8.GetBytes(release.ToJsonString()));
        var inner = Convert.ToBase64String(ms.ToArray());
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(inner));
    }
}
