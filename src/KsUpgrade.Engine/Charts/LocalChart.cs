namespace KsUpgrade.Engine.Charts;

/// <summary>
/// A chart ready on the local disk: its root directory (give this to helm), what Chart.yaml says, and where it came from.
/// Dispose deletes the directory when it is a temporary extraction.
/// </summary>
public sealed class LocalChart : IDisposable
{
    internal LocalChart(string path, ChartMetadata metadata, string origin, string? archiveSha256, string? temporaryRoot)
    {
        Path = path;
        Metadata = metadata;
        Origin = origin;
        ArchiveSha256 = archiveSha256;
        _temporaryRoot = temporaryRoot;
    }

    private readonly string? _temporaryRoot;

    /// <summary>The chart's root directory (holds Chart.yaml).</summary>
    public string Path { get; }

    public ChartMetadata Metadata { get; }

    /// <summary>What -Chart said (directory, archive path or URL).</summary>
    public string Origin { get; }

    /// <summary>SHA-256 (lower-case hex) of the archive, when the chart came from one.</summary>
    public string? ArchiveSha256 { get; }

    /// <summary>True when <see cref="Path"/> is a temporary extraction that <see cref="Dispose"/> removes.</summary>
    public bool IsTemporary => _temporaryRoot is not null;

    /// <summary>Every CRD the chart carries: its own crds/ and its subcharts' (directories and packaged .tgz), helm's order.</summary>
    public IReadOnlyList<ChartCrd> ReadCrds() => ChartCrdReader.FromDirectory(Path);

    public void Dispose()
    {
        if (_temporaryRoot is null) return;
        try { Directory.Delete(_temporaryRoot, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public override string ToString() => $"{Metadata} from {Origin}";
}
