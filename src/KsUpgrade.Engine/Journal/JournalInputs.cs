using System.Security.Cryptography;
using System.Text;

namespace KsUpgrade.Engine.Journal;

/// <summary>
/// What the journal keys an upgrade's input files on: their content, never their path. A values file is its bytes'
/// SHA-256; a chart archive (.tgz, or the bytes a URL served) the SHA-256 of the archive; a chart folder a digest of
/// its files (each file's path relative to the folder and the SHA-256 of its bytes, in ordinal order). So the same
/// files copied anywhere resume the upgrade, and an edited file stops it with JournalMismatch.
/// </summary>
public static class JournalInputs
{
    /// <summary>Journal parameter: the values file's content.</summary>
    public const string ValuesKey = "ValuesSha256";
    /// <summary>Journal parameter: the chart's content.</summary>
    public const string ChartKey = "ChartDigest";
    /// <summary>Journal source (not compared): where the values file was read.</summary>
    public const string ValuesSource = "ValuesPath";
    /// <summary>Journal source (not compared): the chart as given (path or URL).</summary>
    public const string ChartSource = "Chart";

    /// <summary>"sha256:&lt;hex&gt;" of a file's bytes.</summary>
    public static string FileDigest(string path)
    {
        using var stream = File.OpenRead(path);
        return "sha256:" + Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    /// <summary>
    /// "sha256-files:&lt;hex&gt;" of a chart folder: SHA-256 over one line "relative/path NUL sha256-of-bytes" per file,
    /// every file under the folder (hidden ones too), sorted by path. Independent of where the folder is and of timestamps.
    /// </summary>
    public static string DirectoryDigest(string directory)
    {
        var root = Path.GetFullPath(directory);
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false, ReturnSpecialDirectories = false };
        var files = Directory.EnumerateFiles(root, "*", options)
            .Select(f => (Relative: Path.GetRelativePath(root, f).Replace('\\', '/'), Full: f))
            .OrderBy(f => f.Relative, StringComparer.Ordinal);
        using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (relative, full) in files)
        {
            using var stream = File.OpenRead(full);
            var sha = Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
            all.AppendData(Encoding.UTF8.GetBytes($"{relative}\0{sha}\n"));
        }
        return "sha256-files:" + Convert.ToHexString(all.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>
    /// The chart's digest: <paramref name="archiveSha256"/> when the chart came from an archive (its bytes were hashed
    /// when it was extracted), else the file's or folder's digest; a chart that is neither (not read yet) is its reference.
    /// </summary>
    public static string ChartDigest(string chart, string? archiveSha256)
    {
        if (!string.IsNullOrEmpty(archiveSha256)) return "sha256:" + archiveSha256;
        if (Directory.Exists(chart)) return DirectoryDigest(chart);
        if (File.Exists(chart)) return FileDigest(chart);
        return "ref:" + chart;
    }

    /// <summary>A readable difference for the content keys (null for other keys).</summary>
    internal static string? Describe(string key, string? was, string? now, JournalState journal, IReadOnlyDictionary<string, string>? sources)
    {
        var (what, sourceKey) = key switch
        {
            ValuesKey => ("values file", ValuesSource),
            ChartKey => ("chart", ChartSource),
            _ => (null, null),
        };
        if (what is null || was is null) return null;
        var here = sources?.GetValueOrDefault(sourceKey!);
        var then = journal.Sources.GetValueOrDefault(sourceKey!);
        var text = $"the {what} '{here ?? then ?? "(unknown)"}' changed since the first run on {journal.Created:u} (content {Short(was)}, now {Short(now)})";
        if (then is not null && here is not null && then != here) text += $"; the first run read it from '{then}'";
        return text;
    }

    private static string Short(string? digest) => digest is null ? "(not set)" : digest.Length > 30 ? digest[..30] + "…" : digest;
}
