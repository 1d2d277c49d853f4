using System.Diagnostics;

namespace KsUpgrade.Tests.Seeds;

/// <summary>Locates the real helm v3.17.3 binary (env KSUPGRADE_HELM3, else the get-helm.sh cache) and runs it.</summary>
internal static class HelmTool
{
    private static readonly string? Found = Find();

    /// <summary>The binary; a test that needs it fails (never skips) when build.ps1 has not fetched it.</summary>
    public static string Path => Found ?? throw new InvalidOperationException(
        "helm v3.17.3 not found: ./build.ps1 build fetches it into ~/.cache/ksupgrade/tools (or set KSUPGRADE_HELM3).");

    private static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("KSUPGRADE_HELM3");
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) return env;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var cached = System.IO.Path.Combine(home, ".cache", "ksupgrade", "tools", "helm-v3.17.3", "helm");
        return File.Exists(cached) ? cached : null;
    }

    public static (int ExitCode, string StdOut, string StdErr) Run(string workingDir, params string[] args)
    {
        var psi = new ProcessStartInfo(Path ?? throw new InvalidOperationException("helm not found"))
        {
            WorkingDirectory = workingDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // keep helm away from any user kubeconfig or repository config
        psi.Environment["KUBECONFIG"] = System.IO.Path.Combine(workingDir, "no-kubeconfig");
        psi.Environment["HELM_CONFIG_HOME"] = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ksupgrade-helm-config");
        psi.Environment["HELM_CACHE_HOME"] = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ksupgrade-helm-cache");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException("helm did not finish in 60 s"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The repository's tests/fixtures directory, found by walking up from the test binaries.</summary>
    public static string FixturesDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "tests", "fixtures", "ks-core", "Chart.yaml");
            if (File.Exists(candidate)) return System.IO.Path.Combine(dir.FullName, "tests", "fixtures");
        }
        throw new DirectoryNotFoundException("tests/fixtures/ks-core not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact that is skipped, with the reason, only when the helm v3.17.3 binary is absent.</summary>
public sealed class HelmFactAttribute : FactAttribute
{
    // No Skip: a test that needs helm fails when helm cannot be had (HelmTool.Path says how to get it).
}
