using KsUpgrade.Engine.Kube;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds;

namespace KsUpgrade.Tests.ChecksOnSandbox;

/// <summary>
/// Adds helm release revisions to a seed the way helm stores them: Secret sh.helm.release.v1.&lt;name&gt;.v&lt;rev&gt;,
/// labels owner/name/status/version, data.release = base64 (of the Secret data) of base64(gzip(release JSON)).
/// </summary>
public static class HelmReleaseSecrets
{
    /// <summary>Copies revision <paramref name="from"/> of a release to a new revision with another status and chart version.</summary>
    public static void AddRevision(SeedCluster seed, string ns, string release, int from, int revision, string status,
        string chartVersion, string appVersion)
    {
        var source = SandboxChecks.Find(seed, "Secret", ns, $"sh.helm.release.v1.{release}.v{from}");
        var secret = (JsonObject)source.DeepClone();
        var meta = (JsonObject)secret["metadata"]!;
        meta["name"] = $"sh.helm.release.v1.{release}.v{revision}";
        meta.Remove("uid");
        meta.Remove("resourceVersion");
        meta["labels"]!["status"] = status;
        meta["labels"]!["version"] = revision.ToString();

        var json = JsonNode.Parse(Decode((string)secret["data"]!["release"]!))!;
        json["version"] = revision;
        json["info"]!["status"] = status;
        json["chart"]!["metadata"]!["version"] = chartVersion;
        json["chart"]!["metadata"]!["appVersion"] = appVersion;
        secret["data"]!["release"] = Encode(json.ToJsonString());
        seed.Objects.Add(secret);
    }

    private static string Decode(string secretData)
    {
        var inner = Encoding.ASCII.GetString(Convert.FromBase64String(secretData));
        using var gz = new GZipStream(new MemoryStream(Convert.FromBase64String(inner)), CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static string Encode(string json)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(Encoding.UTF8.GetBytes(json));
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToBase64String(ms.ToArray())));
    }
}
