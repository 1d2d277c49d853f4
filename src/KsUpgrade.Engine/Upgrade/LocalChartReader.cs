using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Upgrade;

/// <summary>Reads a chart directory or .tgz natively: Chart.yaml and every crds/ folder, subcharts (directories and .tgz) included.</summary>
public sealed class LocalChartReader : IUpgradeChart
{
    public Task<UpgradeChartInfo> ReadAsync(string chart, CancellationToken ct)
    {
        if (Directory.Exists(chart)) return Task.FromResult(ReadDirectory(chart));
        if (File.Exists(chart))
        {
            using var fs = File.OpenRead(chart);
            return Task.FromResult(ReadArchive(fs, Path.GetFileName(chart)));
        }
        throw new KsUpgradeException(ErrorIds.ChartNotFound, KsErrorCategory.ObjectNotFound,
            $"The chart '{chart}' is neither a directory nor a file.", chart)
            { Remedy = "Pass -Chart with the ks-core chart directory or .tgz (download it first when offline)." };
    }

    private static UpgradeChartInfo ReadDirectory(string dir)
    {
        var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => (Rel: Path.GetRelativePath(dir, f).Replace('\\', '/'), Full: f))
            .ToList();
        var entries = new List<(string Path, Func<byte[]> Read)>();
        foreach (var (rel, full) in files) entries.Add((rel, () => File.ReadAllBytes(full)));
        return FromEntries(entries, dir);
    }

    private static UpgradeChartInfo ReadArchive(Stream tgz, string source)
    {
        var entries = new List<(string Path, Func<byte[]> Read)>();
        try
        {
            using var gz = new GZipStream(tgz, CompressionMode.Decompress);
            using var tar = new TarReader(gz);
            while (tar.GetNextEntry() is { } e)
            {
                if (e.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || e.DataStream is null) continue;
                using var ms = new MemoryStream();
                e.DataStream.CopyTo(ms);
                var bytes = ms.ToArray();
                // Archives hold one top folder (ks-core/...): drop it.
                var name = e.Name.Replace('\\', '/');
                var slash = name.IndexOf('/');
                entries.Add((slash < 0 ? name : name[(slash + 1)..], () => bytes));
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new KsUpgradeException(UpgradeErrorIds.ChartInvalid, KsErrorCategory.InvalidData, $"The chart archive '{source}' cannot be read: {e.Message}", source, e);
        }
        return FromEntries(entries, source);
    }

    private static UpgradeChartInfo FromEntries(List<(string Path, Func<byte[]> Read)> entries, string source)
    {
        var chartYaml = entries.FirstOrDefault(e => e.Path == "Chart.yaml");
        if (chartYaml.Read is null)
            throw new KsUpgradeException(UpgradeErrorIds.ChartInvalid, KsErrorCategory.InvalidData, $"'{source}' holds no Chart.yaml: not a helm chart.", source);
        var meta = YamlJson.ReadDocuments(Encoding.UTF8.GetString(chartYaml.Read())).FirstOrDefault();
        var crds = new List<ChartCrd>();
        foreach (var (path, read) in entries.OrderBy(e => e.Path, StringComparer.Ordinal))
        {
            if (IsCrdFile(path)) crds.Add(new ChartCrd(path, Encoding.UTF8.GetString(read())));
            else if (path.StartsWith("charts/", StringComparison.Ordinal) && path.Count(c => c == '/') == 1 && path.EndsWith(".tgz", StringComparison.Ordinal))
            {
                using var ms = new MemoryStream(read());
                var sub = ReadArchive(ms, path);
                crds.AddRange(sub.Crds.Select(c => c with { Source = $"{path}!{c.Source}" }));
            }
        }
        return new UpgradeChartInfo(meta.Str("name") ?? "", meta.Str("version") ?? "", meta.Str("appVersion"), crds);
    }

    /// <summary>crds/*.yaml|yml|json at the chart root or in a subchart directory (charts/x/crds/..., nested).</summary>
    private static bool IsCrdFile(string path)
    {
        if (!(path.EndsWith(".yaml", StringComparison.Ordinal) || path.EndsWith(".yml", StringComparison.Ordinal) || path.EndsWith(".json", StringComparison.Ordinal))) return false;
        var parts = path.Split('/');
        // crds/<file> or charts/<sub>/crds/<file> (recursively)
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (parts[i] != "crds") continue;
            var prefix = parts[..i];
            var ok = prefix.Length % 2 == 0 && Enumerable.Range(0, prefix.Length / 2).All(k => prefix[2 * k] == "charts");
            if (ok) return true;
        }
        return false;
    }
}
