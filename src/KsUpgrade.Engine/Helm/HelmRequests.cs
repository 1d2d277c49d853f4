using System.Text;

namespace KsUpgrade.Engine.Helm;

/// <summary>One <c>--set key=value</c>. The value is escaped so commas and backslashes stay literal.</summary>
public sealed record HelmSet
{
    public HelmSet(string key, string value)
    {
        if (string.IsNullOrWhiteSpace(key) || key.IndexOfAny(new[] { '=', ',', ' ', '\t', '\n', '\r' }) >= 0)
        {
            throw new KsUpgradeException(ErrorIds.HelmFailed, KsErrorCategory.InvalidArgument, $"'{key}' is not a valid helm value key.", key);
        }
        Key = key;
        Value = value ?? "";
    }

    public string Key { get; }
    public string Value { get; }

    /// <summary>Parses <c>key=value</c> (the first '=' separates).</summary>
    public static HelmSet Parse(string keyEqualsValue)
    {
        var i = keyEqualsValue.IndexOf('=');
        if (i <= 0) throw new KsUpgradeException(ErrorIds.HelmFailed, KsErrorCategory.InvalidArgument, $"'{keyEqualsValue}' is not key=value.", keyEqualsValue);
        return new HelmSet(keyEqualsValue[..i], keyEqualsValue[(i + 1)..]);
    }

    /// <summary>The argument after <c>--set</c>.</summary>
    public string ToArgument()
    {
        var sb = new StringBuilder(Key.Length + Value.Length + 4).Append(Key).Append('=');
        foreach (var c in Value)
        {
            if (c is '\\' or ',') sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }

    public override string ToString() => ToArgument();
}

/// <summary>A <c>helm template</c> call.</summary>
public sealed record HelmTemplateRequest
{
    public required string ReleaseName { get; init; }
    public required string Namespace { get; init; }
    /// <summary>Chart directory or .tgz (already resolved locally).</summary>
    public required string Chart { get; init; }
    /// <summary><c>-s</c> template paths, e.g. templates/prepare-upgrade-job.yaml.</summary>
    public IReadOnlyList<string> ShowOnly { get; init; } = Array.Empty<string>();
    /// <summary><c>-f</c> files, in order.</summary>
    public IReadOnlyList<string> ValueFiles { get; init; } = Array.Empty<string>();
    /// <summary><c>--set</c> values, in order.</summary>
    public IReadOnlyList<HelmSet> Sets { get; init; } = Array.Empty<HelmSet>();
    /// <summary>Server-side dry run (<c>--dry-run=server</c>, helm 3.13+), so the chart's lookup sees the cluster.</summary>
    public bool DryRunServer { get; init; }
    /// <summary><c>--is-upgrade</c>: render as for an upgrade (.Release.IsUpgrade).</summary>
    public bool IsUpgrade { get; init; }
    public HelmKubeAccess? Kube { get; init; }
    /// <summary>Process timeout; null uses the client's default.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>A <c>helm upgrade</c> call.</summary>
public sealed record HelmUpgradeRequest
{
    public required string ReleaseName { get; init; }
    public required string Namespace { get; init; }
    public required string Chart { get; init; }
    public IReadOnlyList<string> ValueFiles { get; init; } = Array.Empty<string>();
    public IReadOnlyList<HelmSet> Sets { get; init; } = Array.Empty<HelmSet>();
    /// <summary><c>--wait</c>.</summary>
    public bool Wait { get; init; } = true;
    /// <summary>helm's <c>--timeout</c> (the process gets this plus a grace period).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary><c>--install</c>.</summary>
    public bool Install { get; init; }
    /// <summary><c>--debug</c>: helm logs its progress on stderr (streamed as Verbose lines).</summary>
    public bool Debug { get; init; } = true;
    public HelmKubeAccess? Kube { get; init; }
}

/// <summary>One row of <c>helm history -o json</c>.</summary>
public sealed record HelmHistoryEntry(int Revision, DateTimeOffset? Updated, string Status, string Chart, string AppVersion, string Description)
{
    /// <summary>The chart version part of <see cref="Chart"/> (<c>ks-core-1.1.5</c> → <c>1.1.5</c>).</summary>
    public string ChartVersion
    {
        get
        {
            for (var i = Chart.Length - 2; i >= 0; i--)
            {
                if (Chart[i] == '-' && char.IsAsciiDigit(Chart[i + 1])) return Chart[(i + 1)..];
            }
            return "";
        }
    }
}

/// <summary>What a helm process produced.</summary>
public sealed record HelmRunResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration);

/// <summary>One line helm printed, for Verbose records. Already scrubbed of secrets.</summary>
public readonly record struct HelmOutputLine(bool IsError, string Text);
