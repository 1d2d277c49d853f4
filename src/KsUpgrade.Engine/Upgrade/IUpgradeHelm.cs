using System.Globalization;

namespace KsUpgrade.Engine.Upgrade;

/// <summary>One --set key=value.</summary>
public sealed record HelmSetValue(string Key, string Value)
{
    public override string ToString() => $"{Key}={Value}";
}

/// <summary>helm template (only the given template, optionally with --dry-run=server so lookup sees the cluster).</summary>
public sealed record HelmTemplateCall(string Release, string Namespace, string Chart, string? ShowOnly,
    IReadOnlyList<string> ValuesFiles, IReadOnlyList<HelmSetValue> Sets, bool DryRunServer, bool IsUpgrade = false)
{
    /// <summary>The exact helm arguments (without kubeconfig/context flags, which the helm layer adds).</summary>
    public IReadOnlyList<string> Arguments()
    {
        var a = new List<string> { "template", Release, Chart, "--namespace", Namespace };
        if (ShowOnly is not null) a.AddRange(new[] { "--show-only", ShowOnly });
        foreach (var s in Sets) a.AddRange(new[] { "--set", s.ToString() });
        foreach (var f in ValuesFiles) a.AddRange(new[] { "--values", f });
        if (DryRunServer) a.Add("--dry-run=server");
        if (IsUpgrade) a.Add("--is-upgrade");
        return a;
    }
}

/// <summary>helm upgrade of an existing release.</summary>
public sealed record HelmUpgradeCall(string Release, string Namespace, string Chart,
    IReadOnlyList<string> ValuesFiles, IReadOnlyList<HelmSetValue> Sets, bool Wait, TimeSpan Timeout)
{
    public IReadOnlyList<string> Arguments()
    {
        var a = new List<string> { "upgrade", Release, Chart, "--namespace", Namespace };
        foreach (var s in Sets) a.AddRange(new[] { "--set", s.ToString() });
        foreach (var f in ValuesFiles) a.AddRange(new[] { "--values", f });
        if (Wait) a.Add("--wait");
        a.AddRange(new[] { "--timeout", ((int)Timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s" });
        return a;
    }
}

/// <summary>helm rollback of a release to one of its revisions (Undo-KsUpgrade).</summary>
public sealed record HelmRollbackCall(string Release, string Namespace, int Revision, TimeSpan Timeout)
{
    public IReadOnlyList<string> Arguments() => new[]
    {
        "rollback", Release, Revision.ToString(CultureInfo.InvariantCulture), "--namespace", Namespace,
        "--timeout", ((int)Timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s",
    };
}

/// <summary>What helm upgrade left: the release revision and status.</summary>
public sealed record HelmUpgradeOutcome(int? Revision, string? Status);

/// <summary>
/// The helm operations the upgrade needs; the lead wires the helm layer (HelmClient) behind it, bound to the cluster.
/// Failures are KsUpgradeExceptions (ErrorIds.HelmFailed / HelmUpgradeFailed with helm's stderr, never a credential).
/// </summary>
public interface IUpgradeHelm
{
    /// <summary>helm's major version (helm 4 builds and validates every kind a chart renders, even under template).</summary>
    Task<int> MajorVersionAsync(CancellationToken ct) => Task.FromResult(3);

    /// <summary>helm's version as it reports it (e.g. v3.17.3), for messages.</summary>
    async Task<string> VersionTextAsync(CancellationToken ct) => $"v{await MajorVersionAsync(ct).ConfigureAwait(false)}";

    /// <summary>Runs helm template; returns the rendered multi-document YAML (stdout).</summary>
    Task<string> TemplateAsync(HelmTemplateCall request, CancellationToken ct);

    /// <summary>Runs helm upgrade; each output line goes to <paramref name="outputLine"/> (Verbose).</summary>
    Task<HelmUpgradeOutcome> UpgradeAsync(HelmUpgradeCall request, Action<string> outputLine, CancellationToken ct);

    /// <summary>The exact helm command line the template call runs (for the -WhatIf plan); default: the call's own arguments.</summary>
    Task<string> DescribeTemplateAsync(HelmTemplateCall request, CancellationToken ct) =>
        Task.FromResult("helm " + string.Join(" ", request.Arguments()));

    /// <summary>Runs helm rollback (Undo-KsUpgrade); failures are KsUpgradeExceptions (ErrorIds.HelmFailed).</summary>
    Task RollbackAsync(HelmRollbackCall request, CancellationToken ct) =>
        throw new NotSupportedException("This helm binding cannot roll back a release.");

    /// <summary>The exact helm command line the rollback runs (for the -WhatIf plan).</summary>
    string DescribeRollback(HelmRollbackCall request) => "helm " + string.Join(" ", request.Arguments());

    /// <summary>The exact helm command line the upgrade runs (for the -WhatIf plan); default: the call's own arguments.</summary>
    string DescribeUpgrade(HelmUpgradeCall request) => "helm " + string.Join(" ", request.Arguments());
}
