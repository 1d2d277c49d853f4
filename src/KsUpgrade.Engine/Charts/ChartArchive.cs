using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Charts;

/// <summary>
/// Reads chart archives (.tgz) defensively: entry names that are absolute or climb out with <c>..</c>, and links that
/// point outside the chart, are refused (ChartInvalid); sizes and entry counts are bounded. Links inside the chart are
/// not materialised.
/// </summary>
internal static class ChartArchive
{
    public const long MaxTotalBytes = 256L * 1024 * 1024;
    public const int MaxEntries = 20_000;

    /// <summary>A regular file of an archive: normalised relative path and content.</summary>
    public sealed record Entry(string Path, byte[] Content);

    /// <summary>Reads every regular file of a gzipped tar (validated), in archive order.</summary>
    public static List<Entry> ReadAll(Stream gzippedTar, string source)
    {
        var entries = new List<Entry>();
        long total = 0;
        var count = 0;
        try
        {
            using var gz = new GZipStream(gzippedTar, CompressionMode.Decompress, leaveOpen: true);
            using var tar = new TarReader(gz);
            TarEntry? entry;
            while ((entry = tar.GetNextEntry()) is not null)
            {
                if (++count > MaxEntries) throw Invalid($"{source} has more than {MaxEntries:N0} entries.", source, KsErrorCategory.LimitsExceeded);
                var path = SafeRelativePath(entry.Name, source);
                switch (entry.EntryType)
                {
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        total += entry.Length;
                        if (total > MaxTotalBytes) throw Invalid($"{source} expands to more than {MaxTotalBytes / (1024 * 1024)} MB.", source, KsErrorCategory.LimitsExceeded);
                        var content = new byte[entry.Length];
                        if (entry.DataStream is not null) entry.DataStream.ReadExactly(content);
                        entries.Add(new Entry(path, content));
                        break;
                    case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                        CheckLink(path, entry.LinkName, entry.EntryType == TarEntryType.HardLink, source);
                        break;
                    case TarEntryType.Directory:
                        break;
                    case TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes
                        or TarEntryType.LongLink or TarEntryType.LongPath:
                        break;
                    default:
                        throw Invalid($"{source} contains '{path}' of type {entry.EntryType}, which a chart never holds.", source, KsErrorCategory.SecurityError);
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw Invalid($"{source} is not a gzipped tar archive: {e.Message}", source, KsErrorCategory.InvalidData, e);
        }
        return entries;
    }

    /// <summary>Writes validated entries under <paramref name="root"/>, re-checking that each lands inside it.</summary>
    public static void WriteAll(IEnumerable<Entry> entries, string root, string source)
    {
        var rootFull = System.IO.Path.GetFullPath(root).TrimEnd(System.IO.Path.DirectorySeparatorChar) + System.IO.Path.DirectorySeparatorChar;
        foreach (var e in entries)
        {
            var target = System.IO.Path.GetFullPath(System.IO.Path.Combine(rootFull, e.Path));
            if (!target.StartsWith(rootFull, StringComparison.Ordinal))
            {
                throw Invalid($"{source}: entry '{e.Path}' would be written outside the chart.", source, KsErrorCategory.SecurityError);
            }
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            using var f = new FileStream(target, options);
            f.Write(e.Content);
        }
    }

    /// <summary>Normalises an entry name to a relative path with '/' separators, refusing absolute names and '..'.</summary>
    internal static string SafeRelativePath(string name, string source)
    {
        var n = name.Replace('\\', '/');
        if (n.StartsWith('/') || (n.Length >= 2 && n[1] == ':') || n.Contains('\0'))
        {
            throw Invalid($"{source} contains an absolute entry '{name}'; refusing to extract it.", source, KsErrorCategory.SecurityError);
        }
        var parts = n.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        if (parts.Any(p => p == ".."))
        {
            throw Invalid($"{source} contains an entry '{name}' that climbs out of the chart ('..'); refusing to extract it.", source, KsErrorCategory.SecurityError);
        }
        if (parts.Count == 0) return "";
        return string.Join('/', parts);
    }

    private static void CheckLink(string path, string linkName, bool hard, string source)
    {
        var target = linkName.Replace('\\', '/');
        if (target.StartsWith('/') || (target.Length >= 2 && target[1] == ':'))
        {
            throw Invalid($"{source}: link '{path}' points to the absolute path '{linkName}'.", source, KsErrorCategory.SecurityError);
        }
        // Symlink targets are relative to the link's directory; hard link targets to the archive root.
        var stack = new List<string>();
        if (!hard) stack.AddRange(path.Split('/')[..^1]);
        foreach (var part in target.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (stack.Count == 0) throw Invalid($"{source}: link '{path}' points outside the chart ('{linkName}').", source, KsErrorCategory.SecurityError);
                stack.RemoveAt(stack.Count - 1);
            }
            else stack.Add(part);
        }
    }

    public static string Text(byte[] content) => new UTF8Encoding(false).GetString(content).TrimStart('\uFEFF');

    public static KsUpgradeException Invalid(string message, string source, KsErrorCategory category, Exception? inner = null) =>
        new(ErrorIds.ChartInvalid, category, message, source, inner);
}
