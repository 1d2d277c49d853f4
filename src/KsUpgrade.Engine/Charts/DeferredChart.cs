namespace KsUpgrade.Engine.Charts;

/// <summary>
/// A chart reference resolved as late as possible: a local directory or .tgz is resolved (and its digest verified) at once,
/// because that needs no network; an https URL is only checked (https, well-formed, digest format) and downloaded on the
/// first <see cref="GetAsync"/>, so a -WhatIf run or a declined confirmation never touches the network.
/// </summary>
public sealed class DeferredChart : IDisposable
{
    private readonly string _reference;
    private readonly string? _sha256;
    private readonly HttpClient? _http;
    private readonly SemaphoreSlim _once = new(1, 1);
    private LocalChart? _local;
    private bool _disposed;

    private DeferredChart(string reference, string? sha256, HttpClient? http, LocalChart? local)
    {
        _reference = reference;
        _sha256 = sha256;
        _http = http;
        _local = local;
    }

    /// <summary>
    /// Checks <paramref name="chart"/> and <paramref name="expectedSha256"/> now (ParameterInvalid, ChartInvalid for http,
    /// ChartNotFound, ChartDigestMismatch for a local archive); a URL is not fetched yet.
    /// </summary>
    public static DeferredChart Create(string chart, string? expectedSha256 = null, HttpClient? http = null)
    {
        var sha = ChartDigest.Normalize(expectedSha256);
        if (ChartSource.IsRemote(chart)) return new DeferredChart(chart, sha, http, null);
        return new DeferredChart(chart, sha, http, ChartSource.Resolve(chart, sha));
    }

    /// <summary>The chart as it may be shown (a URL without credentials or query).</summary>
    public string Display => ChartSource.Describe(_reference);

    /// <summary>True while a URL chart has not been downloaded.</summary>
    public bool IsPending => _local is null;

    /// <summary>The local chart; a URL is downloaded and verified on the first call (once, whoever calls).</summary>
    public async Task<LocalChart> GetAsync(CancellationToken ct)
    {
        if (_local is { } ready) return ready;
        await _once.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _local ??= await ChartSource.ResolveAsync(_reference, _sha256, _http, ct).ConfigureAwait(false);
        }
        finally
        {
            _once.Release();
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _local?.Dispose();
        _once.Dispose();
    }
}
