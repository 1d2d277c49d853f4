using System.Security.Cryptography;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Charts;

/// <summary>
/// Resolves -Chart to a local chart: a chart directory (with Chart.yaml), a packaged .tgz (extracted safely to a
/// temporary directory), or an https URL (downloaded, then as a .tgz). Plain http is refused.
/// With -ChartSha256 (<see cref="ChartDigest"/>) the archive's bytes are read once, hashed and compared BEFORE anything is
/// extracted, so a mismatching chart never reaches helm (ChartDigestMismatch). A directory has no single digest: it is
/// refused together with -ChartSha256 (package it with helm package and pass the .tgz).
/// </summary>
public static class ChartSource
{
    /// <summary>Largest chart archive accepted from a URL.</summary>
    public const long MaxDownloadBytes = 100L * 1024 * 1024;

    /// <summary>Resolves a local directory or archive (no network).</summary>
    public static LocalChart Resolve(string chart, string? expectedSha256 = null)
    {
        expectedSha256 = ChartDigest.Normalize(expectedSha256);
        if (string.IsNullOrWhiteSpace(chart)) throw NotFound("No chart was given.", chart);
        if (TryGetUri(chart, out var uri))
        {
            if (uri.IsFile) return ResolveLocal(uri.LocalPath, expectedSha256, chart);
            throw new KsUpgradeException(ErrorIds.ChartNotFound, KsErrorCategory.InvalidArgument,
                $"'{Redact(uri)}' is a URL; it must be downloaded (use ResolveAsync).", Redact(uri));
        }
        return ResolveLocal(chart, expectedSha256, chart);
    }

    /// <summary>Resolves a directory, an archive, or an https URL (downloaded with <paramref name="http"/>).</summary>
    public static async Task<LocalChart> ResolveAsync(string chart, string? expectedSha256 = null, HttpClient? http = null,
        CancellationToken cancellationToken = default)
    {
        expectedSha256 = ChartDigest.Normalize(expectedSha256);
        if (!string.IsNullOrWhiteSpace(chart) && TryGetUri(chart, out var uri) && !uri.IsFile)
        {
            try
            {
                return await DownloadAsync(uri, expectedSha256, http, cancellationToken).ConfigureAwait(false);
            }
            catch (KsUpgradeException e) when (e.ErrorId == ErrorIds.ChartNotFound && chart == KsCoreChartLocation.DefaultUrl)
            {
                throw KsCoreChartLocation.DefaultDownloadFailed(e);
            }
        }
        return Resolve(chart, expectedSha256);
    }

    /// <summary>
    /// True when <paramref name="chart"/> is a URL to download; checks it without any network: plain http (SecurityError)
    /// and malformed URLs (ChartNotFound) are refused here.
    /// </summary>
    public static bool IsRemote(string chart)
    {
        if (string.IsNullOrWhiteSpace(chart) || !TryGetUri(chart, out var uri) || uri.IsFile) return false;
        RefuseInsecure(uri);
        return true;
    }

    /// <summary>What a chart reference is shown as: a URL without user info or query; a path as given.</summary>
    public static string Describe(string chart) =>
        !string.IsNullOrWhiteSpace(chart) && chart.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(chart, UriKind.Absolute, out var uri) && !uri.IsFile
            ? Redact(uri) : chart;

    /// <summary>Reads Chart.yaml of a chart directory.</summary>
    public static ChartMetadata ReadMetadata(string chartDirectory)
    {
        var file = Path.Combine(chartDirectory, "Chart.yaml");
        if (!File.Exists(file))
        {
            throw new KsUpgradeException(ErrorIds.ChartInvalid, KsErrorCategory.InvalidData,
                $"'{chartDirectory}' is not a chart: it has no Chart.yaml.", chartDirectory);
        }
        return ChartMetadata.Parse(File.ReadAllText(file), file);
    }

    /// <summary>The CRDs a chart directory carries (its crds/ and its subcharts').</summary>
    public static IReadOnlyList<ChartCrd> ReadCrds(string chartDirectory) => ChartCrdReader.FromDirectory(chartDirectory);

    /// <summary>SHA-256 of a file as lower-case hex.</summary>
    public static string ComputeSha256(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    private static LocalChart ResolveLocal(string path, string? expectedSha256, string origin)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            if (!string.IsNullOrWhiteSpace(expectedSha256))
            {
                throw new KsUpgradeException(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument,
                    $"-ChartSha256 checks the bytes of a chart archive, but '{full}' is a directory, which has no single digest.", full)
                {
                    Remedy = "Pass the chart as a .tgz (helm package <dir>) together with its SHA-256, or leave -ChartSha256 out for a directory you trust.",
                };
            }
            return new LocalChart(full, ReadMetadata(full), origin, null, null);
        }
        if (!File.Exists(full)) throw NotFound($"The chart '{full}' does not exist.", full);
        return ExtractArchive(full, expectedSha256, origin);
    }

    private static LocalChart ExtractArchive(string archive, string? expectedSha256, string origin)
    {
        // Read once: the bytes that are hashed are the bytes that are extracted (no window to swap the file in between).
        var length = new FileInfo(archive).Length;
        if (length > MaxDownloadBytes)
        {
            throw new KsUpgradeException(ErrorIds.ChartInvalid, KsErrorCategory.LimitsExceeded,
                $"The chart archive '{origin}' is larger than {MaxDownloadBytes / (1024 * 1024)} MB.", origin);
        }
        var bytes = File.ReadAllBytes(archive);
        var sha = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        ChartDigest.Verify(origin, sha, expectedSha256);

        List<ChartArchive.Entry> entries;
        using (var stream = new MemoryStream(bytes, writable: false)) entries = ChartArchive.ReadAll(stream, origin);

        var top = entries.Select(e => e.Path).Where(p => p.Count(c => c == '/') == 1 && p.EndsWith("/Chart.yaml", StringComparison.Ordinal)).ToList();
        if (top.Count != 1)
        {
            throw new KsUpgradeException(ErrorIds.ChartInvalid, KsErrorCategory.InvalidData,
                top.Count == 0 ? $"'{origin}' holds no chart (no <name>/Chart.yaml at its top)." : $"'{origin}' holds several charts at its top.", origin);
        }

        var tempRoot = CreatePrivateTempDirectory();
        try
        {
            ChartArchive.WriteAll(entries, tempRoot, origin);
            var chartDir = Path.Combine(tempRoot, top[0][..top[0].IndexOf('/')]);
            return new LocalChart(chartDir, ReadMetadata(chartDir), origin, sha, tempRoot);
        }
        catch
        {
            try { Directory.Delete(tempRoot, recursive: true); } catch (IOException) { }
            throw;
        }
    }

    private static async Task<LocalChart> DownloadAsync(Uri uri, string? expectedSha256, HttpClient? http, CancellationToken cancellationToken)
    {
        var shown = Redact(uri);
        RefuseInsecure(uri);

        var ownClient = http is null;
        http ??= new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        var tempFile = Path.Combine(Path.GetTempPath(), $"ksupgrade-chart-{Guid.NewGuid():N}.tgz");
        try
        {
            using (var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false))
            {
                if (response.RequestMessage?.RequestUri is { } final && final.Scheme != Uri.UriSchemeHttps)
                {
                    throw new KsUpgradeException(ErrorIds.ChartInvalid, KsErrorCategory.SecurityError, $"The chart download from '{shown}' was redirected away from https.", shown);
                }
                if (!response.IsSuccessStatusCode)
                {
                    throw NotFound($"Downloading the chart '{shown}' failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.", shown);
                }
                if (response.Content.Headers.ContentLength > MaxDownloadBytes)
                {
                    throw new KsUpgradeException(ErrorIds.ChartInvalid, KsErrorCategory.LimitsExceeded, $"The chart '{shown}' is larger than {MaxDownloadBytes / (1024 * 1024)} MB.", shown);
                }
                await using var source = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using var target = new FileStream(tempFile, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write });
                var buffer = new byte[81920];
                long total = 0;
                int n;
                while ((n = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += n;
                    if (total > MaxDownloadBytes)
                    {
                        throw new KsUpgradeException(ErrorIds.ChartInvalid, KsErrorCategory.LimitsExceeded, $"The chart '{shown}' is larger than {MaxDownloadBytes / (1024 * 1024)} MB.", shown);
                    }
                    await target.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                }
            }
            return ExtractArchive(tempFile, expectedSha256, shown);
        }
        catch (HttpRequestException e)
        {
            throw new KsUpgradeException(ErrorIds.ChartNotFound, KsErrorCategory.ResourceUnavailable,
                $"Downloading the chart '{shown}' failed: {e.Message}", shown, e)
            {
                Remedy = "Check the URL and the network, or download the chart and pass the local .tgz (air-gapped installs).",
            };
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KsUpgradeException(ErrorIds.ChartNotFound, KsErrorCategory.OperationTimeout, $"Downloading the chart '{shown}' timed out.", shown, e);
        }
        finally
        {
            try { File.Delete(tempFile); } catch (IOException) { }
            if (ownClient) http.Dispose();
        }
    }

    private static void RefuseInsecure(Uri uri)
    {
        if (uri.Scheme == Uri.UriSchemeHttps) return;
        var shown = Redact(uri);
        throw new KsUpgradeException(ErrorIds.ChartInvalid, KsErrorCategory.SecurityError,
            $"Refusing to download the chart over {uri.Scheme}: only https is allowed ('{shown}').", shown)
        {
            Remedy = "Use an https URL, or download the chart yourself and pass the local .tgz.",
        };
    }

    private static bool TryGetUri(string chart, out Uri uri)
    {
        uri = null!;
        if (!chart.Contains("://", StringComparison.Ordinal)) return false;
        if (!Uri.TryCreate(chart, UriKind.Absolute, out var parsed))
        {
            throw new KsUpgradeException(ErrorIds.ChartNotFound, KsErrorCategory.InvalidArgument, $"'{chart}' is not a valid URL.", chart);
        }
        uri = parsed;
        return true;
    }

    /// <summary>A URL without user info or query (they can carry credentials).</summary>
    private static string Redact(Uri uri) => new UriBuilder(uri) { UserName = "", Password = "", Query = "" }.Uri.GetLeftPart(UriPartial.Path);

    private static string CreatePrivateTempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ksupgrade-chart-{Guid.NewGuid():N}");
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
        else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return dir;
    }

    private static KsUpgradeException NotFound(string message, string? target) =>
        new(ErrorIds.ChartNotFound, KsErrorCategory.ObjectNotFound, message, target)
        {
            Remedy = "Pass -Chart with a chart directory, a .tgz file, or an https URL.",
        };
}
