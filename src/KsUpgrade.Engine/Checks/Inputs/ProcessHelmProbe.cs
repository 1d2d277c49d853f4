using System.Diagnostics;

namespace KsUpgrade.Engine.Checks;

// replace with Helm/HelmClient.VersionAsync when merged (this is a minimal local copy).
/// <summary>Runs `helm version --template {{.Version}}` from an explicit path or the first `helm` on PATH.</summary>
public sealed class ProcessHelmProbe(string? helmPath = null) : IHelmProbe
{
    public async Task<HelmProbeResult> ProbeAsync(CancellationToken ct)
    {
        var path = helmPath ?? FindOnPath();
        if (path is null)
            return HelmProbeResult.NotFound("helm was not found on PATH");
        if (!File.Exists(path))
            return HelmProbeResult.NotFound($"helm was not found at {path}", path);
        try
        {
            var psi = new ProcessStartInfo(path)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add("version");
            psi.ArgumentList.Add("--template");
            psi.ArgumentList.Add("{{.Version}}");
            using var proc = Process.Start(psi) ?? throw new InvalidOperationException("process did not start");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            var stdout = proc.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = proc.StandardError.ReadToEndAsync(timeout.Token);
            await proc.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            var version = (await stdout.ConfigureAwait(false)).Trim();
            if (proc.ExitCode != 0 || version.Length == 0)
            {
                var err = (await stderr.ConfigureAwait(false)).Trim();
                return HelmProbeResult.NotFound($"`helm version` failed (exit {proc.ExitCode}): {Truncate(err)}", path);
            }
            return HelmProbeResult.Of(path, version);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return HelmProbeResult.NotFound($"could not run {path}: {ex.Message}", path);
        }
    }

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "...";

    private static string? FindOnPath()
    {
        var names = OperatingSystem.IsWindows() ? new[] { "helm.exe", "helm" } : new[] { "helm" };
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }
}
