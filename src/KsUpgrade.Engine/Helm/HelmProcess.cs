using System.Diagnostics;
using System.Text;

namespace KsUpgrade.Engine.Helm;

/// <summary>Runs one helm process: argument list (never a shell string), captured output, cancellation and timeout kill the process tree.</summary>
internal static class HelmProcess
{
    public static async Task<HelmRunResult> RunAsync(
        string helmPath,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string?> environment,
        TimeSpan timeout,
        Action<HelmOutputLine>? onLine,
        bool streamStandardOutput,
        IReadOnlyList<string> secrets,
        CancellationToken cancellationToken,
        TimeSpan stopGrace = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var psi = new ProcessStartInfo(helmPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment)
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }

        var started = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new KsUpgradeException(ErrorIds.HelmNotFound, KsErrorCategory.NotInstalled,
                $"helm could not be started from '{helmPath}': {e.Message}", helmPath, e);
        }
        process.StandardInput.Close();

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var stdoutTask = PumpAsync(process.StandardOutput, stdout, streamStandardOutput ? onLine : null, false, secrets);
        var stderrTask = PumpAsync(process.StandardError, stderr, onLine, true, secrets);

        using var timeoutCts = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            // A child helm started (plugin, post-renderer) may keep the pipes open: the same deadline applies.
            await Task.WhenAll(stdoutTask, stderrTask).WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A stop asked by the caller: a writing helm (upgrade, rollback...) gets SIGTERM first, on which helm cancels
            // its operation and records the release failed itself; SIGKILL would leave it pending-upgrade.
            if (cancellationToken.IsCancellationRequested && stopGrace > TimeSpan.Zero)
                await TerminateAsync(process, stopGrace).ConfigureAwait(false);
            KillTree(process);
            try { await Task.WhenAll(stdoutTask, stderrTask).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false); }
            catch (TimeoutException) { }
            cancellationToken.ThrowIfCancellationRequested();
            throw new KsUpgradeException(ErrorIds.HelmTimeout, KsErrorCategory.OperationTimeout,
                $"helm {FirstWord(arguments)} did not finish within {timeout}; it was stopped.", FirstWord(arguments));
        }

        return new HelmRunResult(process.ExitCode, stdout.ToString(), HelmOutputScrubber.Scrub(stderr.ToString(), secrets), started.Elapsed);
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder sink, Action<HelmOutputLine>? onLine, bool isError, IReadOnlyList<string> secrets)
    {
        string? line;
        while ((line = await reader.ReadLineAsync().ConfigureAwait(false)) is not null)
        {
            sink.Append(line).Append('\n');
            if (onLine is not null)
            {
                try { onLine(new HelmOutputLine(isError, HelmOutputScrubber.Scrub(line, secrets))); }
                catch { /* a failing listener must not break the helm call */ }
            }
        }
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>SIGTERM (Unix only), then up to <paramref name="grace"/> for the process to end by itself.</summary>
    private static async Task TerminateAsync(Process process, TimeSpan grace)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            if (process.HasExited || SendSignal(process.Id, SigTerm) != 0) return;
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(grace).ConfigureAwait(false);
        }
        catch (TimeoutException) { }
        catch (InvalidOperationException) { }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    private static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
    }

    private static string FirstWord(IReadOnlyList<string> arguments) => arguments.Count > 0 ? arguments[0] : "";
}
