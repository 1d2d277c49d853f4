using System.Diagnostics;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>Runs the real helm v4 binary against a sandbox cluster (its kubeconfig and context).</summary>
public sealed class Helm4Runner
{
    private static readonly string? Found = Find();

    /// <summary>The binary; a test that needs it fails (never skips) when build.ps1 has not fetched it.</summary>
    public static string Path => Found ?? throw new InvalidOperationException(
        "helm v4.1.4 not found: ./build.ps1 build fetches it into ~/.cache/ksupgrade/tools (or set KSUPGRADE_HELM4).");

    private readonly string _kubeconfig;
    private readonly string _context;

    public Helm4Runner(string kubeconfig, string context)
    {
        _kubeconfig = kubeconfig;
        _context = context;
    }

    private static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("KSUPGRADE_HELM4");
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) return env;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var cached = System.IO.Path.Combine(home, ".cache", "ksupgrade", "tools", "helm-v4.1.4", "helm");
        return File.Exists(cached) ? cached : null;
    }

    public async Task<(int ExitCode, string StdOut, string StdErr)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--kubeconfig"); psi.ArgumentList.Add(_kubeconfig);
        psi.ArgumentList.Add("--kube-context"); psi.ArgumentList.Add(_context);
        // keep helm away from the user's repositories and caches
        psi.Environment["HELM_CONFIG_HOME"] = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ksupgrade-helm4-config");
        psi.Environment["HELM_CACHE_HOME"] = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ksupgrade-helm4-cache");
        psi.Environment["HELM_DATA_HOME"] = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ksupgrade-helm4-data");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(true);
            throw new TimeoutException("helm v4 did not finish in 90 s: " + string.Join(' ', args));
        }
        return (p.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A fact that needs helm v4.1.4; it fails (never skips) when helm 4 cannot be had.</summary>
public sealed class Helm4FactAttribute : FactAttribute
{
}
