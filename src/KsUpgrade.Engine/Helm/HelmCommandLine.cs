using System.Globalization;
using System.Text;
using KsUpgrade.Engine.Versions;

namespace KsUpgrade.Engine.Helm;

/// <summary>
/// Builds the exact argument lists KsUpgrade passes to helm (without the program name). Nothing secret is ever on
/// them: the cluster credentials travel in a temporary kubeconfig (see <see cref="HelmKubeAccess"/>), so -WhatIf can
/// print them as they are.
/// </summary>
public static class HelmCommandLine
{
    /// <summary>Server-side dry run needs helm 3.13 or later.</summary>
    public static readonly KsVersion MinimumDryRunServerVersion = KsVersion.Create(3, 13, 0);

    public static IReadOnlyList<string> Version() => new[] { "version", "--short" };

    /// <summary><c>helm template</c>; <paramref name="helmVersion"/> decides the dry-run flag spelling.</summary>
    public static IReadOnlyList<string> Template(HelmTemplateRequest request, KsVersion helmVersion)
    {
        var args = new List<string> { "template", request.ReleaseName, request.Chart, "--namespace", request.Namespace };
        foreach (var path in request.ShowOnly) { args.Add("--show-only"); args.Add(path); }
        AddValues(args, request.ValueFiles, request.Sets);
        if (request.IsUpgrade) args.Add("--is-upgrade");
        if (request.DryRunServer)
        {
            if (helmVersion < MinimumDryRunServerVersion)
            {
                throw new KsUpgradeException(ErrorIds.HelmVersionUnsupported, KsErrorCategory.NotInstalled,
                    $"helm {helmVersion} cannot render with a server-side dry run; helm {MinimumDryRunServerVersion} or later is needed.", helmVersion.ToString())
                {
                    Remedy = "Install helm 3.13 or later (helm 4 works too) and pass it with -HelmPath.",
                };
            }
            // helm 3.13+ and helm 4 both spell it --dry-run=server.
            args.Add("--dry-run=server");
        }
        AddKube(args, request.Kube);
        return args;
    }

    /// <summary><c>helm upgrade ... --output json</c>.</summary>
    public static IReadOnlyList<string> Upgrade(HelmUpgradeRequest request)
    {
        var args = new List<string> { "upgrade", request.ReleaseName, request.Chart, "--namespace", request.Namespace };
        if (request.Install) args.Add("--install");
        AddValues(args, request.ValueFiles, request.Sets);
        if (request.Wait) args.Add("--wait");
        args.Add("--timeout");
        args.Add(FormatDuration(request.Timeout));
        args.Add("--output");
        args.Add("json");
        if (request.Debug) args.Add("--debug");
        AddKube(args, request.Kube);
        return args;
    }

    public static IReadOnlyList<string> ShowCrds(string chart) => new[] { "show", "crds", chart };

    public static IReadOnlyList<string> Rollback(string release, string @namespace, int revision, bool wait, TimeSpan timeout, HelmKubeAccess? kube)
    {
        var args = new List<string> { "rollback", release, revision.ToString(CultureInfo.InvariantCulture), "--namespace", @namespace };
        if (wait) args.Add("--wait");
        args.Add("--timeout");
        args.Add(FormatDuration(timeout));
        AddKube(args, kube);
        return args;
    }

    public static IReadOnlyList<string> History(string release, string @namespace, HelmKubeAccess? kube)
    {
        var args = new List<string> { "history", release, "--namespace", @namespace, "--output", "json" };
        AddKube(args, kube);
        return args;
    }

    /// <summary>Go duration text helm accepts, e.g. <c>1800s</c>.</summary>
    public static string FormatDuration(TimeSpan duration) =>
        Math.Max(1L, (long)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s";

    /// <summary>A shell-readable rendering of a command line (POSIX single quotes where needed), for -WhatIf and logs.</summary>
    public static string Format(string program, IEnumerable<string> arguments)
    {
        var sb = new StringBuilder(Quote(program));
        foreach (var a in arguments) sb.Append(' ').Append(Quote(a));
        return sb.ToString();
    }

    private static string Quote(string s)
    {
        if (s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@+%".Contains(c))) return s;
        return "'" + s.Replace("'", "'\\''") + "'";
    }

    private static void AddValues(List<string> args, IReadOnlyList<string> files, IReadOnlyList<HelmSet> sets)
    {
        foreach (var f in files) { args.Add("--values"); args.Add(f); }
        foreach (var s in sets) { args.Add("--set"); args.Add(s.ToArgument()); }
    }

    /// <summary>Kube arguments as they appear in a displayed command line (a temporary kubeconfig shows as a placeholder).</summary>
    private static void AddKube(List<string> args, HelmKubeAccess? kube)
    {
        if (kube is not null) args.AddRange(kube.DescribeArguments());
    }
}
