using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace KsUpgrade.Tests.Reliability;

/// <summary>The files of a backup folder with their SHA-256, and a check of manifest.json against them.</summary>
public sealed record BackupSnapshot(IReadOnlyDictionary<string, string> Files)
{
    public static BackupSnapshot? Take(string dir)
    {
        if (!File.Exists(Path.Combine(dir, "manifest.json"))) return null;
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
            files[Path.GetRelativePath(dir, f)] = Hash(File.ReadAllBytes(f));
        return new BackupSnapshot(files);
    }

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    /// <summary>Problems with the manifest: a listed file missing or with another hash; null when intact.</summary>
    public static string? VerifyManifest(string dir)
    {
        var path = Path.Combine(dir, "manifest.json");
        if (!File.Exists(path)) return "no manifest.json in " + dir;
        var files = JsonNode.Parse(File.ReadAllText(path))!["files"]!.AsArray();
        if (files.Count == 0) return "manifest.json lists no files";
        foreach (var f in files)
        {
            var name = f!["name"]!.GetValue<string>();
            var file = Path.Combine(dir, name);
            if (!File.Exists(file)) return $"{name} listed in manifest.json is missing";
            if (Hash(File.ReadAllBytes(file)) != f["sha256"]!.GetValue<string>()) return $"{name} does not match its hash in manifest.json";
        }
        return null;
    }

    /// <summary>What changed between this snapshot and a later one; null when identical.</summary>
    public string? ChangedIn(BackupSnapshot? later)
    {
        if (later is null) return "the backup is gone";
        var changed = Files.Where(f => !later.Files.TryGetValue(f.Key, out var h) || h != f.Value).Select(f => f.Key)
            .Concat(later.Files.Keys.Where(k => !Files.ContainsKey(k))).ToList();
        return changed.Count == 0 ? null : "backup files changed: " + string.Join(", ", changed);
    }
}
