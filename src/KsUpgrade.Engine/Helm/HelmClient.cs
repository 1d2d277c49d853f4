using System.Globalization;
using System.Text.Json;
using KsUpgrade.Engine.Versions;

namespace KsUpgrade.Engine.Helm;

/// <summary>
/// The one class that runs the external helm program. Every call is async and cancellable (the process tree is
/// killed), bounded by a timeout, and reaches the cluster through a per-call <see cref="HelmKubeAccess"/>.
/// A non-zero exit throws <see cref="KsUpgradeException"/> carrying helm's (scrubbed) stderr.
/// </summary>
public sealed class HelmClient
{
    private Task<KsVersion>? _version;

    public HelmClient(string helmPath)
    {
        HelmPath = helmPath;
    }

    /// <summary>Finds helm (-HelmPath, KSUPGRADE_HELM, PATH) and returns a client for it; throws HelmNotFound.</summary>
    public static HelmClient Create(string? explicitPath = null) => new(HelmLocator.Find(explicitPath));

    public string HelmPath { get; }

    /// <summary>Process timeout of calls that have no timeout of their own (template, show, history, version).</summary>
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Extra time the process gets beyond helm's own --timeout (upgrade, rollback).</summary>
    public TimeSpan TimeoutGrace { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// When a writing command (upgrade, install, rollback, uninstall) is stopped by the caller, helm first gets SIGTERM
    /// and this long to record the release failed itself before it is killed (Unix; on Windows it is killed at once).
    /// </summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(10);

    private static bool Writes(IReadOnlyList<string> arguments) =>
        arguments.Count > 0 && arguments[0] is "upgrade" or "install" or "rollback" or "uninstall";

    /// <summary>
    /// Receives each line helm prints on stderr (and on stdout for commands whose output is not data), already
    /// scrubbed. Called on a background thread.
    /// </summary>
    public Action<HelmOutputLine>? Output { get; set; }

    /// <summary>helm's client version (<c>helm version --short</c>), cached after the first call.</summary>
    public Task<KsVersion> VersionAsync(CancellationToken cancellationToken = default)
    {
        var task = _version;
        if (task is null || task.IsFaulted || task.IsCanceled)
        {
            task = _version = ReadVersionAsync(cancellationToken);
        }
        return task.WaitAsync(cancellationToken);
    }

    private async Task<KsVersion> ReadVersionAsync(CancellationToken cancellationToken)
    {
        var result = await RunCheckedAsync(HelmCommandLine.Version(), null, DefaultTimeout, ErrorIds.HelmFailed, false, cancellationToken).ConfigureAwait(false);
        return ParseVersionOutput(result.StandardOutput)
            ?? throw new KsUpgradeException(ErrorIds.HelmFailed, KsErrorCategory.InvalidResult,
                $"'{HelmPath} version --short' printed no version: '{Truncate(result.StandardOutput.Trim(), 200)}'.", HelmPath);
    }

    /// <summary>Reads a version from <c>helm version --short</c> / <c>--template {{.Version}}</c> output (e.g. <c>v3.17.3+ge4da497</c>).</summary>
    public static KsVersion? ParseVersionOutput(string output)
    {
        foreach (var token in output.Split(new[] { ' ', '\t', '\r', '\n', '"', ',', '{', '}', ':' }, StringSplitOptions.RemoveEmptyEntries))
        {
            if (token.Length > 1 && (token[0] == 'v' || token[0] == 'V') && char.IsAsciiDigit(token[1]) && KsVersion.TryParse(token, out var v)) return v;
        }
        return null;
    }

    /// <summary><c>helm template</c>; returns the rendered YAML.</summary>
    public async Task<string> TemplateAsync(HelmTemplateRequest request, CancellationToken cancellationToken = default)
    {
        var version = await VersionAsync(cancellationToken).ConfigureAwait(false);
        var args = HelmCommandLine.Template(request with { Kube = null }, version);
        var result = await RunCheckedAsync(args, request.Kube, request.Timeout ?? DefaultTimeout, ErrorIds.HelmFailed, false, cancellationToken).ConfigureAwait(false);
        return result.StandardOutput;
    }

    /// <summary>The exact argument list <see cref="TemplateAsync"/> would run (for -WhatIf).</summary>
    public async Task<IReadOnlyList<string>> DescribeTemplateAsync(HelmTemplateRequest request, CancellationToken cancellationToken = default) =>
        HelmCommandLine.Template(request, await VersionAsync(cancellationToken).ConfigureAwait(false));

    /// <summary><c>helm upgrade -o json</c>; returns the release helm reports. Failure throws <paramref name="errorId"/> (default HelmUpgradeFailed).</summary>
    public async Task<HelmRelease> UpgradeAsync(HelmUpgradeRequest request, string? errorId = null, CancellationToken cancellationToken = default)
    {
        var args = HelmCommandLine.Upgrade(request with { Kube = null });
        var result = await RunCheckedAsync(args, request.Kube, request.Timeout + TimeoutGrace, errorId ?? ErrorIds.HelmUpgradeFailed, false, cancellationToken).ConfigureAwait(false);
        var json = ExtractJson(result.StandardOutput, '{');
        return HelmReleaseDecoder.ParseJson(json, "helm upgrade output");
    }

    /// <summary><c>helm show crds</c>: the CRD YAML the chart carries (helm's view; <see cref="Charts.ChartSource"/> reads them natively too).</summary>
    public async Task<string> ShowCrdsAsync(string chart, CancellationToken cancellationToken = default)
    {
        var result = await RunCheckedAsync(HelmCommandLine.ShowCrds(chart), null, DefaultTimeout, ErrorIds.HelmFailed, false, cancellationToken).ConfigureAwait(false);
        return result.StandardOutput;
    }

    /// <summary><c>helm rollback &lt;release&gt; &lt;revision&gt;</c>.</summary>
    public async Task RollbackAsync(string release, string @namespace, int revision, HelmKubeAccess? kube = null,
        bool wait = true, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var helmTimeout = timeout ?? TimeSpan.FromMinutes(5);
        var args = HelmCommandLine.Rollback(release, @namespace, revision, wait, helmTimeout, null);
        await RunCheckedAsync(args, kube, helmTimeout + TimeoutGrace, ErrorIds.HelmFailed, true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>helm history -o json</c>; an unknown release gives an empty list.</summary>
    public async Task<IReadOnlyList<HelmHistoryEntry>> HistoryAsync(string release, string @namespace, HelmKubeAccess? kube = null, CancellationToken cancellationToken = default)
    {
        var args = HelmCommandLine.History(release, @namespace, null);
        var result = await RunAsync(args, kube, DefaultTimeout, false, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            if (result.StandardError.Contains("release: not found", StringComparison.OrdinalIgnoreCase)) return Array.Empty<HelmHistoryEntry>();
            throw Failure(ErrorIds.HelmFailed, args, result);
        }
        return ParseHistory(ExtractJson(result.StandardOutput, '['));
    }

    /// <summary>Parses <c>helm history -o json</c>.</summary>
    public static IReadOnlyList<HelmHistoryEntry> ParseHistory(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Array) return Array.Empty<HelmHistoryEntry>();
        var list = new List<HelmHistoryEntry>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            string S(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
            var revision = e.TryGetProperty("revision", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetInt32() : 0;
            DateTimeOffset? updated = DateTimeOffset.TryParse(S("updated"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var u) ? u : null;
            list.Add(new HelmHistoryEntry(revision, updated, S("status"), S("chart"), S("app_version"), S("description")));
        }
        return list.OrderBy(h => h.Revision).ToList();
    }

    /// <summary>Runs helm with any arguments; returns the result whatever the exit code. Kube arguments are appended.</summary>
    public async Task<HelmRunResult> RunAsync(IReadOnlyList<string> arguments, HelmKubeAccess? kube, TimeSpan? timeout = null,
        bool streamStandardOutput = false, CancellationToken cancellationToken = default)
    {
        using var session = kube?.Materialize();
        var args = session is null ? arguments : arguments.Concat(session.Arguments).ToList();
        var env = session?.Environment ?? (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?>();
        return await HelmProcess.RunAsync(HelmPath, args, env, timeout ?? DefaultTimeout, Output, streamStandardOutput,
            kube?.Secrets ?? Array.Empty<string>(), cancellationToken, Writes(arguments) ? StopGrace : TimeSpan.Zero).ConfigureAwait(false);
    }

    /// <summary>A printable command line (program and arguments) for -WhatIf and Verbose records.</summary>
    public string Describe(IReadOnlyList<string> arguments) => HelmCommandLine.Format(HelmPath, arguments);

    private async Task<HelmRunResult> RunCheckedAsync(IReadOnlyList<string> args, HelmKubeAccess? kube, TimeSpan timeout, string errorId,
        bool streamStandardOutput, CancellationToken cancellationToken)
    {
        var result = await RunAsync(args, kube, timeout, streamStandardOutput, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0) throw Failure(errorId, args, result);
        return result;
    }

    private KsUpgradeException Failure(string errorId, IReadOnlyList<string> args, HelmRunResult result)
    {
        var verb = args.Count > 0 ? args[0] : "";
        var stderr = ErrorSummary(result.StandardError);
        var message = $"helm {verb} failed (exit code {result.ExitCode})" + (stderr.Length > 0 ? $": {stderr}" : ".");
        return new KsUpgradeException(errorId, KsErrorCategory.InvalidResult, message, verb)
        {
            Remedy = "Read helm's message above; the full helm arguments are printed with -WhatIf or -Verbose.",
        };
    }

    private static string ExtractJson(string output, char open)
    {
        var i = output.IndexOf(open);
        if (i < 0)
        {
            throw new KsUpgradeException(ErrorIds.HelmFailed, KsErrorCategory.InvalidResult, "helm printed no JSON where JSON was expected.");
        }
        return output[i..];
    }

    /// <summary>
    /// helm's "Error: ..." lines when it printed any (with --debug helm 3 follows them with Go stack traces), else the
    /// last lines of stderr; at most 4000 characters.
    /// </summary>
    internal static string ErrorSummary(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var errors = lines.Where(l => l.StartsWith("Error:", StringComparison.Ordinal)).ToList();
        var chosen = errors.Count > 0 ? errors : lines.TakeLast(30).ToList();
        var text = string.Join('\n', chosen);
        return text.Length > 4000 ? "..." + text[^4000..] : text;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "...";
}
