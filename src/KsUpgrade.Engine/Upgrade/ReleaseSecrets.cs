using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Upgrade;

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
            JsonObject? body = null;
            try { body = Decode(s.Str("data", "release")); }
            catch (Exception e) when (e is FormatException or InvalidDataException or System.Text.Json.JsonException) { }
            result.Add(new ReleaseRevision(release, rev,
                body.Str("info", "status") ?? s.Label("status") ?? "unknown",
                s.Name(),
                body.Str("chart", "metadata", "appVersion"),
                body.Str("chart", "metadata", "version"),
                body.Str("manifest")));
        }
        return result.OrderBy(r => r.Revision).ToList();
    }

    public static async Task<ReleaseRevision?> LatestAsync(IKubeApi api, string ns, string release, CancellationToken ct) =>
        (await ListAsync(api, ns, release, ct).ConfigureAwait(false)).LastOrDefault();

    public static async Task<ReleaseRevision?> LatestDeployedAsync(IKubeApi api, string ns, string release, CancellationToken ct) =>
        (await ListAsync(api, ns, release, ct).ConfigureAwait(false)).LastOrDefault(r => r.Status == "deployed");

    /// <summary>data.release: base64 (of the Secret field, already one level in JSON) of base64 of gzip of JSON.</summary>
    internal static JsonObject? Decode(string? dataRelease)
    {
        if (string.IsNullOrEmpty(dataRelease)) return null;
        var once = Convert.FromBase64String(dataRelease);
        var bytes = Convert.FromBase64String(Encoding.ASCII.GetString(once));
        if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            bytes = ms.ToArray();
        }
        return JsonNode.Parse(bytes) as JsonObject;
    }

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
