using System.IO.Compression;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace KsUpgrade.Engine.Gateways;

/// <summary>
/// Minimal native reader of helm release Secrets (label owner=helm, type helm.sh/release.v1; data.release = base64 of gzip
/// of the release JSON). Only chart metadata and status are decoded.
/// </summary>
// lead: replace with Helm/HelmReleaseReader (ListAsync with a name prefix, HistoryAsync) once the helm branch is merged.
public sealed class ReleaseSecretStore : IGatewayReleaseStore
{
    public static readonly ReleaseSecretStore Instance = new();
    private const string SecretType = "helm.sh/release.v1";
    private const int PageSize = 100;

    public async Task<IReadOnlyList<KsGatewayRelease>> ListLatestAsync(IKubernetes client, string namePrefix, CancellationToken ct)
    {
        var latest = new Dictionary<(string, string), (int Rev, V1Secret Secret)>();
        await foreach (var s in SecretsAsync(client, null, "owner=helm", ct).ConfigureAwait(false))
        {
            var name = Label(s, "name");
            if (name is null || !name.StartsWith(namePrefix, StringComparison.Ordinal)) continue;
            var key = (s.Metadata.NamespaceProperty ?? "", name);
            var rev = Revision(s);
            if (!latest.TryGetValue(key, out var best) || rev > best.Rev) latest[key] = (rev, s);
        }
        return latest.Values.Select(v => Decode(v.Secret)).OrderBy(r => r.Namespace, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<KsGatewayRelease>> HistoryAsync(IKubernetes client, string release, string @namespace, CancellationToken ct)
    {
        var list = new List<KsGatewayRelease>();
        await foreach (var s in SecretsAsync(client, @namespace, $"owner=helm,name={release}", ct).ConfigureAwait(false))
            if (Label(s, "name") == release) list.Add(Decode(s));
        return list.OrderBy(r => r.Revision).ToList();
    }

    private static async IAsyncEnumerable<V1Secret> SecretsAsync(IKubernetes client, string? ns, string selector,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string? next = null;
        do
        {
            var page = ns is null
                ? await client.CoreV1.ListSecretForAllNamespacesAsync(continueParameter: next, labelSelector: selector, limit: PageSize, cancellationToken: ct).ConfigureAwait(false)
                : await client.CoreV1.ListNamespacedSecretAsync(ns, continueParameter: next, labelSelector: selector, limit: PageSize, cancellationToken: ct).ConfigureAwait(false);
            foreach (var s in page.Items ?? new List<V1Secret>())
                if (s.Type is null || s.Type == SecretType) yield return s;
            next = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(next));
    }

    private static string? Label(V1Secret s, string key) => s.Metadata?.Labels is { } l && l.TryGetValue(key, out var v) ? v : null;

    private static int Revision(V1Secret s) => int.TryParse(Label(s, "version"), out var r) ? r : 0;

    internal static KsGatewayRelease Decode(V1Secret s)
    {
        JsonNode? json = null;
        if (s.Data is not null && s.Data.TryGetValue("release", out var raw))
        {
            try { json = JsonNode.Parse(Unwrap(raw)); }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidDataException)
            {
                json = null; // undecodable payload: fall back to the labels
            }
        }
        string Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var x) ? x : "";
        var meta = json?["chart"]?["metadata"];
        return new KsGatewayRelease
        {
            Name = json is null ? Label(s, "name") ?? "" : Str(json["name"]),
            Namespace = s.Metadata?.NamespaceProperty ?? Str(json?["namespace"]),
            Revision = json?["version"] is JsonValue rv && rv.TryGetValue<int>(out var r) ? r : Revision(s),
            Status = json is null ? Label(s, "status") ?? "unknown" : Str(json["info"]?["status"]),
            ChartName = Str(meta?["name"]),
            ChartVersion = Str(meta?["version"]),
            AppVersion = Str(meta?["appVersion"]),
        };
    }

    private static byte[] Unwrap(byte[] raw)
    {
        var bytes = Convert.FromBase64String(System.Text.Encoding.ASCII.GetString(raw));
        if (bytes.Length < 3 || bytes[0] != 0x1f || bytes[1] != 0x8b) return bytes;
        using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }
}
