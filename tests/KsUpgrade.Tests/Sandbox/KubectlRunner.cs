using System.Diagnostics;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>The result of one kubectl run.</summary>
public sealed record KubectlResult(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {StdOut}\nstderr: {StdErr}";
}

/// <summary>Runs the real kubectl binary against a kubeconfig (a test-only discovery cache directory, bounded time).</summary>
public sealed class KubectlRunner
{
    public const string KubectlPath = "/usr/bin/kubectl";
    private readonly string _kubeconfig;
    private readonly string _cacheDir;

    /// <summary>
    /// One discovery cache per test process (kubectl keys it by server host and port; every sandbox has its own port),
    /// removed when the process exits.
    /// </summary>
    private static readonly string SharedCacheDir = CreateCacheDir();

    private static string CreateCacheDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ksupgrade-kubectl-cache-{Environment.ProcessId}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return dir;
    }

    public KubectlRunner(string kubeconfig)
    {
        _kubeconfig = kubeconfig;
        _cacheDir = SharedCacheDir;
    }

    public Task<KubectlResult> RunAsync(params string[] args) => RunWithInputAsync(null, args);

    public async Task<KubectlResult> RunWithInputAsync(string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(KubectlPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--kubeconfig");
        psi.ArgumentList.Add(_kubeconfig);
        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(_cacheDir);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("kubectl " + string.Join(' ', args) + " did not finish in 60 s");
        }
        return new KubectlResult(p.ExitCode, await outTask, await errTask);
    }

    /// <summary>Runs and asserts success, returning stdout.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var r = await RunAsync(args);
        Assert.True(r.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed: {r}");
        return r.StdOut;
    }

    public async Task<string> OkWithInputAsync(string stdin, params string[] args)
    {
        var r = await RunWithInputAsync(stdin, args);
        Assert.True(r.ExitCode == 0, $"kubectl {string.Join(' ', args)} failed: {r}");
        return r.StdOut;
    }
}
