using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace KsUpgrade.Engine.Checks;

// replace with Helm/HelmReleaseReader when merged (minimal local copy: only the fields the checks need).
/// <summary>
/// Decodes a helm release secret's `release` data (already base64-decoded once by the Secret API): base64 text of
/// gzip of the release JSON (uncompressed JSON accepted). Reads name, namespace, version, info.status,
/// chart.metadata.{name,version,appVersion}; the manifest and values are never kept.
/// </summary>
public static class HelmReleaseSecretDecoder
{
    public static HelmReleaseRow? Decode(byte[] releaseData, IReadOnlyDictionary<string, string>? labels, string secretNamespace)
    {
        byte[] payload;
        try
        {
            payload = Convert.FromBase64String(Encoding.ASCII.GetString(releaseData).Trim());
        }
        catch (FormatException)
        {
            return FromLabels(labels, secretNamespace);
        }
        if (payload.Length >= 3 && payload[0] == 0x1f && payload[1] == 0x8b && payload[2] == 0x08)
        {
            try
            {
                using var gz = new GZipStream(new MemoryStream(payload), CompressionMode.Decompress);
                using var buffer = new MemoryStream();
                gz.CopyTo(buffer);
                payload = buffer.ToArray();
            }
            catch (InvalidDataException)
            {
                return FromLabels(labels, secretNamespace);
            }
        }
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            var name = Str(root, "name") ?? Label(labels, "name");
            var ns = Str(root, "namespace") ?? secretNamespace;
            var version = root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32()
                : int.TryParse(Label(labels, "version"), out var lv) ? lv : 0;
            var status = root.TryGetProperty("info", out var info) ? Str(info, "status") : null;
            string? chartName = null, chartVersion = null, appVersion = null;
            if (root.TryGetProperty("chart", out var chart) && chart.ValueKind == JsonValueKind.Object
                && chart.TryGetProperty("metadata", out var md) && md.ValueKind == JsonValueKind.Object)
            {
                chartName = Str(md, "name");
                chartVersion = Str(md, "version");
                appVersion = Str(md, "appVersion");
            }
            if (name is null)
                return null;
            return new HelmReleaseRow(name, ns, version, status ?? Label(labels, "status") ?? "unknown", chartName, chartVersion, appVersion);
        }
        catch (JsonException)
        {
            return FromLabels(labels, secretNamespace);
        }
    }

    /// <summary>When the payload cannot be decoded, the secret's labels still give name, revision and status.</summary>
    private static HelmReleaseRow? FromLabels(IReadOnlyDictionary<string, string>? labels, string ns)
    {
        var name = Label(labels, "name");
        if (name is null || !int.TryParse(Label(labels, "version"), out var rev))
            return null;
        return new HelmReleaseRow(name, ns, rev, Label(labels, "status") ?? "unknown", null, null, null);
    }

    private static string? Label(IReadOnlyDictionary<string, string>? labels, string key) =>
        labels is not null && labels.TryGetValue(key, out var v) ? v : null;

    private static string? Str(JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}
