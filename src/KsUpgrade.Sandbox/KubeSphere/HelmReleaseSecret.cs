using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.KubeSphere;

/// <summary>A Helm release revision as read back from its storage Secret.</summary>
public sealed record HelmRelease(string Name, string Namespace, int Revision, string Status, string ChartName,
    string ChartVersion, string AppVersion, JsonObject Config, string Manifest, JsonObject Json);

/// <summary>
/// Helm 3's Secret storage format for a release revision, written and read natively:
/// Secret <c>sh.helm.release.v1.&lt;name&gt;.v&lt;revision&gt;</c>, type <c>helm.sh/release.v1</c>, labels
/// owner=helm, name, status, version, createdAt; <c>data.release</c> = base64(base64(gzip(release JSON))), the outer
/// base64 being the Secret's own data encoding.
/// </summary>
public static class HelmReleaseSecret
{
    public const string SecretType = "helm.sh/release.v1";

    public static string SecretName(string release, int revision) => $"sh.helm.release.v1.{release}.v{revision}";

    /// <summary>Builds the release JSON (the object helm marshals) for one revision.</summary>
    public static JsonObject ReleaseJson(string name, string ns, int revision, string status, string chartName, string chartVersion,
        string appVersion, JsonObject? config, string manifest, DateTimeOffset? deployedAt = null, string? description = null)
    {
        var at = (deployedAt ?? SeedIds.InstalledAt).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'");
        return new JsonObject
        {
            ["name"] = name,
            ["info"] = new JsonObject
            {
                ["first_deployed"] = at,
                ["last_deployed"] = at,
                ["deleted"] = "",
                ["description"] = description ?? (revision == 1 ? "Install complete" : "Upgrade complete"),
                ["status"] = status,
            },
            ["chart"] = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = chartName,
                    ["version"] = chartVersion,
                    ["description"] = $"A Helm chart for {chartName}",
                    ["apiVersion"] = "v2",
                    ["appVersion"] = appVersion,
                    ["type"] = "application",
                },
                ["lock"] = null,
                ["templates"] = new JsonArray(),
                ["values"] = new JsonObject(),
                ["schema"] = null,
                ["files"] = new JsonArray(),
            },
            ["config"] = config?.DeepClone() ?? new JsonObject(),
            ["manifest"] = manifest,
            ["version"] = revision,
            ["namespace"] = ns,
        };
    }

    /// <summary>Builds the storage Secret of one release revision.</summary>
    public static JsonObject Build(string name, string ns, int revision, string status, string chartName, string chartVersion,
        string appVersion, JsonObject? config, string manifest, DateTimeOffset? deployedAt = null, string? description = null) =>
        Encode(ReleaseJson(name, ns, revision, status, chartName, chartVersion, appVersion, config, manifest, deployedAt, description),
            deployedAt);

    /// <summary>Wraps a release JSON (name, namespace, version, info.status required) into its storage Secret.</summary>
    public static JsonObject Encode(JsonObject releaseJson, DateTimeOffset? createdAt = null)
    {
        var name = releaseJson["name"]!.GetValue<string>();
        var ns = releaseJson["namespace"]!.GetValue<string>();
        var revision = releaseJson["version"]!.GetValue<int>();
        var status = releaseJson["info"]!["status"]!.GetValue<string>();
        var secret = K8s.Object("v1", "Secret", SecretName(name, revision), ns, Json.Strings(
            ("owner", "helm"), ("name", name), ("status", status), ("version", revision.ToString()),
            ("createdAt", (createdAt ?? SeedIds.InstalledAt).ToUnixTimeSeconds().ToString())));
        secret["type"] = SecretType;
        var inner = Convert.ToBase64String(Gzip(Encoding.UTF8.GetBytes(releaseJson.ToJsonString())));
        secret["data"] = new JsonObject { ["release"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(inner)) };
        return secret;
    }

    /// <summary>True when the object is a Helm release storage Secret.</summary>
    public static bool IsReleaseSecret(JsonObject obj) =>
        obj.Kind() == "Secret" && obj.Str("type") == SecretType && obj.Str("metadata", "labels", "owner") == "helm";

    /// <summary>Reads a release revision back from its storage Secret.</summary>
    public static HelmRelease Decode(JsonObject secret)
    {
        var outer = secret.Str("data", "release") ?? throw new InvalidDataException($"Secret {secret.Name()} has no data.release");
        var inner = Encoding.ASCII.GetString(Convert.FromBase64String(outer));
        var bytes = Convert.FromBase64String(inner);
        if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) bytes = Gunzip(bytes);
        var json = JsonNode.Parse(bytes)!.AsObject();
        var meta = json["chart"]?["metadata"];
        return new HelmRelease(
            json.Str("name") ?? "",
            json.Str("namespace") ?? secret.Namespace() ?? "",
            json["version"]?.GetValue<int>() ?? 0,
            json.Str("info", "status") ?? "unknown",
            meta.Str("name") ?? "",
            meta.Str("version") ?? "",
            meta.Str("appVersion") ?? "",
            json["config"] as JsonObject ?? new JsonObject(),
            json.Str("manifest") ?? "",
            json);
    }

    /// <summary>A copy of the revision's Secret with a new status (label and info.status), e.g. deployed → superseded.</summary>
    public static JsonObject WithStatus(JsonObject secret, string status, string? description = null)
    {
        var rel = Decode(secret).Json;
        rel["info"]!["status"] = status;
        if (description is not null) rel["info"]!["description"] = description;
        var updated = Encode(rel);
        updated["metadata"]!["labels"]!["createdAt"] = secret.Str("metadata", "labels", "createdAt");
        updated["metadata"]!["labels"]!["modifiedAt"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
        return updated;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var gz = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }
}
