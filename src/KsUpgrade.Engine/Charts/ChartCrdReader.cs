namespace KsUpgrade.Engine.Charts;

/// <summary>
/// Enumerates the CRDs of a chart natively, as <c>helm show crds</c> does: files under the chart's <c>crds/</c>
/// (.yaml, .yml, .json), then those of each subchart in <c>charts/</c> (directories and packaged .tgz), recursively.
/// </summary>
internal static class ChartCrdReader
{
    private const int MaxNesting = 8;
    private static readonly string[] ManifestExtensions = { ".yaml", ".yml", ".json" };

    public static IReadOnlyList<ChartCrd> FromDirectory(string chartDir)
    {
        var result = new List<ChartCrd>();
        FromDirectory(chartDir, "", 0, result);
        return result;
    }

    private static void FromDirectory(string chartDir, string prefix, int depth, List<ChartCrd> result)
    {
        if (depth > MaxNesting) throw ChartArchive.Invalid($"Subcharts are nested deeper than {MaxNesting} levels in {chartDir}.", chartDir, KsErrorCategory.LimitsExceeded);
        var crdDir = Path.Combine(chartDir, "crds");
        if (Directory.Exists(crdDir))
        {
            var files = Directory.EnumerateFiles(crdDir, "*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 16 })
                .Where(IsManifest)
                .Select(f => Path.GetRelativePath(chartDir, f).Replace('\\', '/'))
                .OrderBy(f => f, StringComparer.Ordinal);
            foreach (var rel in files)
            {
                result.Add(new ChartCrd(prefix + rel, ChartArchive.Text(File.ReadAllBytes(Path.Combine(chartDir, rel)))));
            }
        }

        var subDir = Path.Combine(chartDir, "charts");
        if (!Directory.Exists(subDir)) return;
        foreach (var entry in Directory.EnumerateFileSystemEntries(subDir).OrderBy(e => Path.GetFileName(e), StringComparer.Ordinal))
        {
            var name = Path.GetFileName(entry);
            if (Directory.Exists(entry))
            {
                if (File.Exists(Path.Combine(entry, "Chart.yaml"))) FromDirectory(entry, $"{prefix}charts/{name}/", depth + 1, result);
            }
            else if (IsArchive(name))
            {
                using var stream = File.OpenRead(entry);
                FromArchive(ChartArchive.ReadAll(stream, entry), $"{prefix}charts/{name}/", depth + 1, entry, result);
            }
        }
    }

    /// <summary>CRDs from the entries of a packaged chart (one top-level directory holding Chart.yaml).</summary>
    internal static void FromArchive(List<ChartArchive.Entry> entries, string prefix, int depth, string source, List<ChartCrd> result)
    {
        if (depth > MaxNesting) throw ChartArchive.Invalid($"Subcharts are nested deeper than {MaxNesting} levels in {source}.", source, KsErrorCategory.LimitsExceeded);
        var top = entries.Select(e => e.Path).FirstOrDefault(p => p.Count(c => c == '/') == 1 && p.EndsWith("/Chart.yaml", StringComparison.Ordinal));
        if (top is null) throw ChartArchive.Invalid($"{source} holds no chart (no <name>/Chart.yaml).", source, KsErrorCategory.InvalidData);
        var root = top[..^"Chart.yaml".Length]; // "<name>/"
        FromFileSet(entries.Where(e => e.Path.StartsWith(root, StringComparison.Ordinal)).Select(e => e with { Path = e.Path[root.Length..] }).ToList(),
            prefix + root, depth, source, result);
    }

    /// <summary>CRDs from a chart given as files relative to its root.</summary>
    private static void FromFileSet(List<ChartArchive.Entry> files, string prefix, int depth, string source, List<ChartCrd> result)
    {
        foreach (var f in files.Where(f => f.Path.StartsWith("crds/", StringComparison.Ordinal) && IsManifest(f.Path)).OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            result.Add(new ChartCrd(prefix + f.Path, ChartArchive.Text(f.Content)));
        }
        var subNames = files
            .Where(f => f.Path.StartsWith("charts/", StringComparison.Ordinal))
            .Select(f => f.Path["charts/".Length..])
            .Select(rest => rest.Contains('/') ? rest[..rest.IndexOf('/')] : rest)
            .Distinct(StringComparer.Ordinal)
            .OrderBy(n => n, StringComparer.Ordinal);
        foreach (var name in subNames)
        {
            var exact = files.FirstOrDefault(f => f.Path == $"charts/{name}");
            if (exact is not null && IsArchive(name))
            {
                var nested = ChartArchive.ReadAll(new MemoryStream(exact.Content, writable: false), $"{source}!charts/{name}");
                FromArchive(nested, $"{prefix}charts/{name}/", depth + 1, $"{source}!charts/{name}", result);
                continue;
            }
            var sub = $"charts/{name}/";
            var subFiles = files.Where(f => f.Path.StartsWith(sub, StringComparison.Ordinal)).Select(f => f with { Path = f.Path[sub.Length..] }).ToList();
            if (subFiles.Any(f => f.Path == "Chart.yaml")) FromFileSet(subFiles, prefix + sub, depth + 1, source, result);
        }
    }

    private static bool IsManifest(string path) => ManifestExtensions.Any(x => path.EndsWith(x, StringComparison.OrdinalIgnoreCase));

    internal static bool IsArchive(string name) =>
        name.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase);
}
