using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;

namespace KsUpgrade.Engine.Helm;

/// <summary>
/// Decodes helm's release storage natively: Secret <c>data.release</c> (bytes, as KubernetesClient hands them over
/// after the Secret's own base64) → base64 → gzip (or plain JSON) → release JSON → <see cref="HelmRelease"/>.
/// </summary>
public static class HelmReleaseDecoder
{
    /// <summary>Upper bound for one decompressed release (gzip bombs stop here).</summary>
    public const long MaxReleaseJsonBytes = 256L * 1024 * 1024;

    private static readonly byte[] GzipMagic = { 0x1f, 0x8b, 0x08 };

    /// <summary>Decodes the release of a helm storage Secret.</summary>
    public static HelmRelease DecodeSecret(V1Secret secret)
    {
        var where = $"{secret.Metadata?.NamespaceProperty}/{secret.Metadata?.Name}";
        if (secret.Data is null || !secret.Data.TryGetValue("release", out var data) || data is null)
        {
            throw Invalid($"Secret {where} has no data.release: it is not a helm release.", where, null);
        }
        return Decode(data, where);
    }

    /// <summary>Decodes <c>data.release</c> bytes (base64 text of gzip of JSON; gzip and plain JSON are accepted too).</summary>
    public static HelmRelease Decode(byte[] releaseData, string? source = null)
    {
        try
        {
            using var json = Unwrap(releaseData);
            return ParseJson(json, source);
        }
        catch (KsUpgradeException) { throw; }
        catch (Exception e) when (e is FormatException or InvalidDataException or JsonException or IOException)
        {
            throw Invalid($"The helm release in {source ?? "the secret"} cannot be decoded: {e.GetType().Name}.", source, e);
        }
    }

    /// <summary>The whole release JSON of <c>data.release</c> bytes, every field kept (to rewrite a record in place).</summary>
    public static JsonObject DecodeJson(byte[] releaseData, string? source = null)
    {
        try
        {
            using var json = Unwrap(releaseData);
            return JsonNode.Parse(json) as JsonObject
                   ?? throw Invalid($"The helm release in {source ?? "the secret"} is not a JSON object.", source, null);
        }
        catch (KsUpgradeException) { throw; }
        catch (Exception e) when (e is FormatException or InvalidDataException or JsonException or IOException)
        {
            throw Invalid($"The helm release in {source ?? "the secret"} cannot be decoded: {e.GetType().Name}.", source, e);
        }
    }

    /// <summary>Parses release JSON (also what <c>helm upgrade/status -o json</c> print).</summary>
    public static HelmRelease ParseJson(string json, string? source = null)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json), writable: false);
        return ParseJson(stream, source);
    }

    public static HelmRelease ParseJson(Stream json, string? source = null)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 }); }
        catch (JsonException e) { throw Invalid($"The helm release in {source ?? "helm's output"} is not JSON.", source, e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Invalid($"The helm release in {source ?? "helm's output"} is not a JSON object.", source, null);
            var info = Child(root, "info");
            var metadata = Child(Child(root, "chart"), "metadata");
            var name = Str(root, "name");
            if (string.IsNullOrEmpty(name)) throw Invalid($"The helm release in {source ?? "helm's output"} has no name.", source, null);
            return new HelmRelease
            {
                Name = name,
                Namespace = Str(root, "namespace"),
                Revision = root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0,
                Status = Str(info, "status") is { Length: > 0 } s ? s : "unknown",
                Description = Str(info, "description"),
                FirstDeployed = Date(info, "first_deployed"),
                LastDeployed = Date(info, "last_deployed"),
                ChartName = Str(metadata, "name"),
                ChartVersion = Str(metadata, "version"),
                AppVersion = Str(metadata, "appVersion"),
                Config = root.TryGetProperty("config", out var config) && config.ValueKind == JsonValueKind.Object
                    ? (JsonObject)JsonNode.Parse(config.GetRawText())!
                    : new JsonObject(),
                Manifest = Str(root, "manifest"),
                Hooks = Hooks(root),
            };
        }
    }

    /// <summary>
    /// Our own encoder (tests and the sandbox): the bytes of <c>data.release</c> for a release, the way helm writes them.
    /// </summary>
    public static byte[] Encode(HelmRelease release, bool gzip = true)
    {
        var json = Encoding.UTF8.GetBytes(ToJson(release).ToJsonString());
        byte[] payload = json;
        if (gzip)
        {
            using var ms = new MemoryStream();
            using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true)) gz.Write(json);
            payload = ms.ToArray();
        }
        return Encoding.ASCII.GetBytes(Convert.ToBase64String(payload));
    }

    /// <summary>The helm storage Secret for a release (type, labels, name), for tests and the sandbox.</summary>
    public static V1Secret ToSecret(HelmRelease release, bool gzip = true) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Type = HelmReleaseStatus.SecretType,
        Metadata = new V1ObjectMeta
        {
            Name = release.SecretName,
            NamespaceProperty = release.Namespace,
            Labels = new Dictionary<string, string>
            {
                ["owner"] = "helm",
                ["name"] = release.Name,
                ["status"] = release.Status,
                ["version"] = release.Revision.ToString(CultureInfo.InvariantCulture),
            },
        },
        Data = new Dictionary<string, byte[]> { ["release"] = Encode(release, gzip) },
    };

    /// <summary>The release JSON helm would store (only the fields <see cref="HelmRelease"/> holds).</summary>
    public static JsonObject ToJson(HelmRelease release)
    {
        var info = new JsonObject { ["status"] = release.Status, ["description"] = release.Description };
        if (release.FirstDeployed is { } f) info["first_deployed"] = f.ToString("O", CultureInfo.InvariantCulture);
        if (release.LastDeployed is { } l) info["last_deployed"] = l.ToString("O", CultureInfo.InvariantCulture);
        var hooks = new JsonArray();
        foreach (var h in release.Hooks)
        {
            hooks.Add(new JsonObject
            {
                ["name"] = h.Name, ["kind"] = h.Kind, ["path"] = h.Path,
                ["events"] = new JsonArray(h.Events.Select(e => (JsonNode?)JsonValue.Create(e)).ToArray()),
                ["weight"] = h.Weight,
            });
        }
        return new JsonObject
        {
            ["name"] = release.Name,
            ["info"] = info,
            ["chart"] = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = release.ChartName, ["version"] = release.ChartVersion, ["appVersion"] = release.AppVersion, ["apiVersion"] = "v2",
                },
            },
            ["config"] = release.Config.DeepClone(),
            ["manifest"] = release.Manifest,
            ["hooks"] = hooks,
            ["version"] = release.Revision,
            ["namespace"] = release.Namespace,
        };
    }

    /// <summary>The release JSON bytes of <c>data.release</c>: base64 removed when present, then gunzipped when gzip.</summary>
    private static MemoryStream Unwrap(byte[] releaseData)
    {
        var payload = releaseData;
        if (!StartsWith(payload, GzipMagic) && !LooksLikeJson(payload))
            payload = Convert.FromBase64String(Encoding.ASCII.GetString(payload).Trim());
        return StartsWith(payload, GzipMagic) ? Gunzip(payload) : new MemoryStream(payload, writable: false);
    }

    private static MemoryStream Gunzip(byte[] payload)
    {
        using var gz = new GZipStream(new MemoryStream(payload, writable: false), CompressionMode.Decompress);
        var output = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = gz.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (output.Length + n > MaxReleaseJsonBytes)
            {
                throw new KsUpgradeException(ErrorIds.HelmReleaseInvalid, KsErrorCategory.LimitsExceeded,
                    $"A helm release decompresses to more than {MaxReleaseJsonBytes / (1024 * 1024)} MB; refusing to read it.");
            }
            output.Write(buffer, 0, n);
        }
        output.Position = 0;
        return output;
    }

    private static IReadOnlyList<HelmHook> Hooks(JsonElement root)
    {
        if (!root.TryGetProperty("hooks", out var hooks) || hooks.ValueKind != JsonValueKind.Array) return Array.Empty<HelmHook>();
        var list = new List<HelmHook>();
        foreach (var h in hooks.EnumerateArray())
        {
            if (h.ValueKind != JsonValueKind.Object) continue;
            var events = h.TryGetProperty("events", out var ev) && ev.ValueKind == JsonValueKind.Array
                ? ev.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToArray()
                : Array.Empty<string>();
            var weight = h.TryGetProperty("weight", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetInt32() : 0;
            list.Add(new HelmHook(Str(h, "name"), Str(h, "kind"), Str(h, "path"), events, weight));
        }
        return list;
    }

    private static JsonElement Child(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var c) && c.ValueKind == JsonValueKind.Object ? c : default;

    private static string Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    private static DateTimeOffset? Date(JsonElement e, string name) =>
        DateTimeOffset.TryParse(Str(e, name), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var d) ? d : null;

    private static bool StartsWith(byte[] data, byte[] prefix) => data.Length >= prefix.Length && data.AsSpan(0, prefix.Length).SequenceEqual(prefix);

    private static bool LooksLikeJson(byte[] data)
    {
        foreach (var b in data)
        {
            if (b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t') continue;
            return b == (byte)'{';
        }
        return false;
    }

    private static KsUpgradeException Invalid(string message, string? source, Exception? inner) =>
        new(ErrorIds.HelmReleaseInvalid, KsErrorCategory.InvalidData, message, source, inner);

    /// <summary>The release JSON of a Secret's <c>data.release</c> as JSON gives it (base64 text), or null when empty.</summary>
    public static JsonObject? DecodeSecretData(string? dataRelease) =>
        string.IsNullOrEmpty(dataRelease) ? null : DecodeJson(Convert.FromBase64String(dataRelease));

    /// <summary>A release body encoded as helm stores it in <c>data.release</c>, as JSON gives it (base64 of base64 of gzip).</summary>
    public static string EncodeSecretData(JsonObject release)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(Encoding.UTF8.GetBytes(release.ToJsonString()));
        var inner = Convert.ToBase64String(ms.ToArray());
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(inner));
    }
}
