using System.Diagnostics;
using System.Text;

namespace KsUpgrade.Engine.Gateways;

/// <summary>Runs <c>helm template</c> (no cluster access: the dynamic template has no lookup).</summary>
// lead: replace with Helm/HelmClient.TemplateAsync (HelmTemplateRequest with ShowOnly and Sets) once the helm branch is merged.
public sealed class HelmTemplateRenderer : IDynamicJobRenderer
{
    public static readonly HelmTemplateRenderer Instance = new();

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    public async Task<string> RenderAsync(DynamicJobRenderRequest request, CancellationToken ct)
    {
        var helm = FindHelm(request.HelmPath);
        var psi = new ProcessStartInfo(helm)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in Arguments(request)) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw Failure("could not start", request);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            if (ct.IsCancellationRequested) throw;
            throw Failure($"did not finish within {Timeout.TotalSeconds:0} s", request);
        }
        var output = await stdout.ConfigureAwait(false);
        var error = await stderr.ConfigureAwait(false);
        if (process.ExitCode != 0)
            throw Failure($"exited with {process.ExitCode}: {Truncate(error.Trim(), 800)}", request);
        return output;
    }

    /// <summary>The argument list (for -WhatIf and tests).</summary>
    public static IReadOnlyList<string> Arguments(DynamicJobRenderRequest r)
    {
        var args = new List<string> { "template", "ks-core", r.Chart, "--namespace", r.Namespace, "--show-only", r.Template };
        foreach (var (k, v) in r.Sets)
        {
            args.Add("--set");
            args.Add($"{k}={Escape(v)}");
        }
        return args;
    }

    private static string Escape(string value)
    {
        var sb = new StringBuilder();
        foreach (var c in value)
        {
            if (c is '\\' or ',') sb.Append('\\');
            sb.Append(c);
        }
        return sb.ToString();
    }

    internal static string FindHelm(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath))
            return File.Exists(explicitPath) ? explicitPath
                : throw new KsUpgradeException(ErrorIds.HelmNotFound, KsErrorCategory.ObjectNotFound, $"helm not found at '{explicitPath}'.", explicitPath);
        var env = Environment.GetEnvironmentVariable("KSUPGRADE_HELM");
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) return env;
        var names = OperatingSystem.IsWindows() ? new[] { "helm.exe" } : new[] { "helm" };
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (var n in names)
            {
                var p = Path.Combine(dir, n);
                if (File.Exists(p)) return p;
            }
        throw new KsUpgradeException(ErrorIds.HelmNotFound, KsErrorCategory.NotInstalled,
            "helm was not found (give -HelmPath, set KSUPGRADE_HELM, or put helm on PATH).", "helm");
    }

    private static KsUpgradeException Failure(string what, DynamicJobRenderRequest r) =>
        new(ErrorIds.HelmFailed, KsErrorCategory.InvalidResult, $"helm template of {r.Template} from '{r.Chart}' {what}.", r.Chart);

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "...";
}
