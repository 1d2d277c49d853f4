using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Management.Automation;
using System.Text.Json;

namespace KsUpgrade.Sandbox.PowerShell;

/// <summary>What Start-KsSandbox asks for.</summary>
public sealed record SandboxStartRequest
{
    public string Seed { get; init; } = "ks34-host";
    public IReadOnlyDictionary<string, int>? Scale { get; init; }
    /// <summary>Where to write the kubeconfig; default a new file in the temp folder.</summary>
    public string? KubeconfigPath { get; init; }
    /// <summary>Folder holding KsUpgrade.Sandbox.dll (the module's server/ folder).</summary>
    public required string SandboxDirectory { get; init; }
    /// <summary>The rehearsal chart folder and values file the module ships (returned as ChartPath and ValuesPath).</summary>
    public required string ChartPath { get; init; }
    public required string ValuesPath { get; init; }
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Starts, lists and stops sandbox processes. Each one is told this process's id and exits when this process exits;
/// every sandbox still running is also killed when this process shuts down normally.
/// </summary>
public static class SandboxProcess
{
    private static readonly ConcurrentDictionary<int, (Process Process, KsSandbox? Sandbox)> Running = new();

    static SandboxProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
    }

    public static async Task<KsSandbox> StartAsync(SandboxStartRequest request, Action<string> verbose, CancellationToken ct)
    {
        var dll = Path.Combine(request.SandboxDirectory, "KsUpgrade.Sandbox.dll");
        if (!File.Exists(dll))
            throw new SandboxException(SandboxErrorIds.SandboxFailed, ErrorCategory.NotInstalled,
                $"The sandbox server is not installed: '{dll}' not found.", dll,
                "Reinstall the KsUpgrade.Sandbox module (or build it with ./build.ps1 build), then run Start-KsSandbox again.");
        foreach (var (path, what) in new[] { (Path.Combine(request.ChartPath, "Chart.yaml"), "rehearsal chart"), (request.ValuesPath, "rehearsal values file") })
        {
            if (!File.Exists(path))
                throw new SandboxException(SandboxErrorIds.SandboxFailed, ErrorCategory.NotInstalled,
                    $"The sandbox module's {what} is missing: '{path}' not found.", path,
                    "Reinstall the KsUpgrade.Sandbox module (or build it with ./build.ps1 build), then run Start-KsSandbox again.");
        }
        var kubeconfig = request.KubeconfigPath ?? Path.Combine(Path.GetTempPath(), $"ksupgrade-sandbox-{Guid.NewGuid():N}.kubeconfig");
        if (Path.GetDirectoryName(Path.GetFullPath(kubeconfig)) is { } dir && !Directory.Exists(dir))
            throw new SandboxException(SandboxErrorIds.SandboxFailed, ErrorCategory.ObjectNotFound,
                $"The folder for the kubeconfig does not exist: '{dir}'.", kubeconfig,
                "Create the folder, or leave out -KubeconfigPath to write the kubeconfig to the temp folder.");

        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--seed");
        psi.ArgumentList.Add(request.Seed);
        psi.ArgumentList.Add("--kubeconfig");
        psi.ArgumentList.Add(Path.GetFullPath(kubeconfig));
        psi.ArgumentList.Add("--parent-pid");
        psi.ArgumentList.Add(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (request.Scale is { Count: > 0 })
        {
            psi.ArgumentList.Add("--scale");
            psi.ArgumentList.Add(string.Join(",", request.Scale.Select(kv => $"{kv.Key}={kv.Value}")));
        }
        verbose($"Starting the sandbox (seed {request.Seed}) from {request.SandboxDirectory}.");
        var process = Process.Start(psi) ?? throw new SandboxException(SandboxErrorIds.SandboxFailed, ErrorCategory.OpenError, "The sandbox process did not start.", dll);
        Running[process.Id] = (process, null);
        var stderr = new ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { stderr.Enqueue(e.Data); while (stderr.Count > 40) stderr.TryDequeue(out string? _); } };
        process.BeginErrorReadLine();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(request.StartTimeout);
            SandboxReady? ready = null;
            while (ready is null)
            {
                string? line;
                try { line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new SandboxException(SandboxErrorIds.SandboxFailed, ErrorCategory.OperationTimeout,
                        $"The sandbox did not report ready within {request.StartTimeout.TotalSeconds:0} s.{Tail(stderr)}", request.Seed);
                }
                if (line is null)
                    throw new SandboxException(SandboxErrorIds.SandboxFailed, ErrorCategory.OpenError,
                        $"The sandbox exited before it was ready (seed {request.Seed}).{Tail(stderr)}", request.Seed);
                line = line.Trim();
                if (!line.StartsWith('{')) continue;
                ready = JsonSerializer.Deserialize<SandboxReady>(line, new JsonSerializerOptions { PropertyNameCaseInsensitive = true });
                if (ready is { Ready: false })
                    throw new SandboxException(SandboxErrorIds.SandboxFailed, ErrorCategory.InvalidArgument,
                        $"The sandbox could not start: {ready.Error}", request.Seed);
            }
            // Keep draining stdout so the sandbox never blocks on a full pipe.
            _ = Task.Run(async () => { try { while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is not null) { } } catch { } });
            var sandbox = new KsSandbox
            {
                Seed = request.Seed,
                Kubeconfig = ready.Kubeconfig ?? Path.GetFullPath(kubeconfig),
                Contexts = ready.Contexts ?? Array.Empty<string>(),
                ProcessId = process.Id,
                Port = ready.Port,
                ControlUrl = ready.ControlUrl ?? "",
                ChartPath = request.ChartPath,
                ValuesPath = request.ValuesPath,
                StartTime = DateTimeOffset.Now,
                HasExited = () => { try { return process.HasExited; } catch (InvalidOperationException) { return true; } },
            };
            Running[process.Id] = (process, sandbox);
            verbose($"Sandbox ready on port {sandbox.Port} with contexts {string.Join(", ", sandbox.Contexts)}; kubeconfig {sandbox.Kubeconfig}.");
            return sandbox;
        }
        catch
        {
            Running.TryRemove(process.Id, out _);
            Kill(process);
            throw;
        }
    }

    /// <summary>Stops a sandbox; true if it was running.</summary>
    public static bool Stop(int processId)
    {
        // Only ever stop sandboxes this process started.
        return Running.TryRemove(processId, out var entry) && Kill(entry.Process);
    }

    /// <summary>The sandboxes this process started that are still running, oldest first.</summary>
    public static IReadOnlyList<KsSandbox> List()
    {
        foreach (var (id, entry) in Running.ToArray())
        {
            if (entry.Sandbox is { Running: false }) Stop(id); // exited on its own: forget it
        }
        return Running.Values.Select(e => e.Sandbox).OfType<KsSandbox>().Where(s => s.Running).OrderBy(s => s.StartTime).ToList();
    }

    public static void StopAll()
    {
        foreach (var id in Running.Keys.ToList()) Stop(id);
    }

    private static bool Kill(Process process)
    {
        try
        {
            if (process.HasExited) return false;
            try { process.StandardInput.Close(); } catch (IOException) { }
            if (!process.WaitForExit(2000)) { process.Kill(entireProcessTree: true); process.WaitForExit(5000); }
            return true;
        }
        catch (InvalidOperationException) { return false; }
        finally { process.Dispose(); }
    }

    private static string Tail(IEnumerable<string> stderr)
    {
        var lines = stderr.TakeLast(10).ToList();
        return lines.Count == 0 ? "" : " Its last error output: " + string.Join(" | ", lines);
    }

    /// <summary>The dotnet host that runs this process's runtime.</summary>
    internal static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        var exe = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";
        if (self is not null && Path.GetFileName(self).Equals(exe, StringComparison.OrdinalIgnoreCase)) return self;
        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var root = Directory.GetParent(runtimeDir)?.Parent?.Parent?.FullName;
        if (root is not null && File.Exists(Path.Combine(root, exe))) return Path.Combine(root, exe);
        var fromEnv = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(Path.Combine(fromEnv, exe))) return Path.Combine(fromEnv, exe);
        return exe;
    }

    private sealed record SandboxReady(bool Ready, int Port, string? Kubeconfig, string[]? Contexts, int Pid, string? ControlUrl, string? Error);
}
