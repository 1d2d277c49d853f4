using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Simulation;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Controllers;

/// <summary>A tool Job's process while it runs (for tests and diagnostics).</summary>
public sealed record ToolJobProcess(string Cluster, string Namespace, string Pod, string Job, int ProcessId);

/// <summary>
/// Jobs whose container image is kubectl or helm run for real: the pod's container becomes a host process of the real
/// binary, with the container's command and args, against this cluster, as the pod's ServiceAccount. Its exit code
/// decides Complete or Failed, its output is the pod log. The process is killed when its pod goes (the Job deleted),
/// when the sandbox stops, or at the Job's activeDeadlineSeconds (else after <see cref="DefaultToolJobSeconds"/>).
/// </summary>
internal sealed partial class ControllerManager
{
    /// <summary>The limit of a tool Job without activeDeadlineSeconds.</summary>
    public const double DefaultToolJobSeconds = 600;

    private readonly ConcurrentDictionary<string, (ToolJobRun Run, ToolJobProcess Info)> _toolRuns = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly SemaphoreSlim _wake = new(0);

    public IReadOnlyList<ToolJobProcess> RunningToolJobs => _toolRuns.Values.Select(v => v.Info).ToList();

    /// <summary>Runs an action on the controller loop (from another thread).</summary>
    private void Post(Action action)
    {
        _posted.Enqueue(action);
        _wake.Release();
    }

    /// <summary>The first container's tool image when this Job's pod should run for real.</summary>
    private ToolImage? ToolImageOf(JsonObject pod)
    {
        if (_host.SimulateToolJobs) return null;
        var first = (pod["spec"]?["containers"] as JsonArray)?.FirstOrDefault() as JsonObject;
        return ToolImage.Of(ObjectMeta.Str(first, "image"));
    }

    /// <summary>Starts the pod's process; a pod that cannot start fails at once, with the reason as its log.</summary>
    private void StartToolJob(string ns, string jobName, JsonObject pod, ToolImage image)
    {
        var podName = ObjectMeta.Name(pod);
        var podUid = ObjectMeta.Uid(pod);
        if (_toolRuns.ContainsKey(podUid)) return;
        var job = _c.Read(T("batch", "jobs"), ns, jobName);
        if (job is null) return;
        var container = (JsonObject)((JsonArray)pod["spec"]!["containers"]!)[0]!;
        var serviceAccount = ObjectMeta.Str(pod, "spec", "serviceAccountName") is { Length: > 0 } sa ? sa : "default";
        var token = _host.Identities.IssueServiceAccountToken(ns, serviceAccount);
        ToolPod toolPod;
        try
        {
            toolPod = ToolPodBuilder.Build(pod, container, image, ToolBinaries.Find(image, _host.KubectlPath, _host.HelmPath),
                _host.ServerUrl(_c.ClusterName), _host.PortOf(_c.ClusterName), _host.CaPem, token,
                (plural, name) => _c.Read(T("", plural), ns, name));
        }
        catch (Exception e) when (e is ToolPodBuilder.ToolPodException or IOException or UnauthorizedAccessException or FormatException)
        {
            _host.Identities.RevokeToken(token);
            var code = e is ToolPodBuilder.ToolPodException tpe ? tpe.ExitCode : 128;
            CompleteJob(ns, jobName, podName, podUid, new JobOutcome(false, new[] { e.Message }), code, null);
            return;
        }

        // activeDeadlineSeconds counts from the Job's start; the pod's own deadline from the pod's.
        double? deadline = ObjectMeta.Long(job, "spec", "activeDeadlineSeconds") is long jd
            ? jd - (DateTime.UtcNow - (DateTime.TryParse(ObjectMeta.Str(job, "status", "startTime"), null,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var st) ? st : DateTime.UtcNow)).TotalSeconds
            : ObjectMeta.Long(pod, "spec", "activeDeadlineSeconds");
        var limit = TimeSpan.FromSeconds(Math.Max(0.1, deadline ?? DefaultToolJobSeconds));

        ToolJobRun run;
        try
        {
            run = ToolJobRun.Start(podUid, toolPod, lines => _c.SetPodLog(ns, podName, lines));
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            _host.Identities.RevokeToken(token);
            ToolPodBuilder.RemoveRoot(toolPod.Root);
            CompleteJob(ns, jobName, podName, podUid, new JobOutcome(false, new[] { $"sandbox: cannot start {toolPod.FileName}: {e.Message}" }), 128, null);
            return;
        }
        _toolRuns[podUid] = (run, new ToolJobProcess(_c.ClusterName, ns, podName, jobName, run.ProcessId));
        _ = Task.Run(async () =>
        {
            int exit;
            try { exit = await run.WaitAsync(limit, deadline is not null); }
            catch (Exception) { exit = 137; }
            _host.Identities.RevokeToken(token);
            var lines = run.Log.ToList();
            if (run.KillReason is { } why) lines.Add(why);
            run.Cleanup();
            if (_stop.IsCancellationRequested)
            {
                _toolRuns.TryRemove(podUid, out _);
                return;
            }
            Post(() =>
            {
                _toolRuns.TryRemove(podUid, out _);
                (string Reason, string Message)? failure = run.DeadlineExceeded
                    ? ("DeadlineExceeded", "Job was active longer than specified deadline")
                    : null;
                CompleteJob(ns, jobName, podName, podUid, new JobOutcome(exit == 0, lines), exit, failure);
            });
        });
    }

    /// <summary>The pod is gone (deleted, or with its Job): its process goes too.</summary>
    private void KillToolRun(string podUid, string reason)
    {
        if (_toolRuns.TryGetValue(podUid, out var entry)) entry.Run.Kill(reason);
    }

    /// <summary>At stop: every process is killed and waited for (briefly), its temporary root removed.</summary>
    private void KillAllToolRuns()
    {
        var runs = _toolRuns.Values.Select(v => v.Run).ToList();
        foreach (var r in runs) r.Kill("sandbox: killed: the sandbox stopped");
        var until = DateTime.UtcNow.AddSeconds(5);
        while (runs.Any(r => !r.HasExited) && DateTime.UtcNow < until) Thread.Sleep(20);
    }
}

/// <summary>Where the host's kubectl and helm are.</summary>
internal static class ToolBinaries
{
    public static string? Find(ToolImage image, string? kubectlPath, string? helmPath)
    {
        if (image.Tool == "kubectl") return kubectlPath is not null ? Existing(kubectlPath) : OnPath("kubectl");
        if (helmPath is not null) return Existing(helmPath);
        return OnPath("helm") ?? FromToolCache(image.Tag);
    }

    private static string? Existing(string path) => File.Exists(path) ? Path.GetFullPath(path) : null;

    private static string? OnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>build.ps1's tool cache: helm-v&lt;tag&gt;/helm for the image's tag, else the newest helm-v3.*.</summary>
    private static string? FromToolCache(string? tag)
    {
        var root = Environment.GetEnvironmentVariable("KSUPGRADE_TOOLS") is { Length: > 0 } t
            ? t
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "ksupgrade", "tools");
        if (!Directory.Exists(root)) return null;
        if (tag is { Length: > 0 })
        {
            var exact = Path.Combine(root, "helm-v" + tag.TrimStart('v'), "helm");
            if (File.Exists(exact)) return exact;
        }
        return Directory.GetDirectories(root, "helm-v3.*")
            .Select(d => (Dir: d, Version: Version.TryParse(Path.GetFileName(d)["helm-v".Length..], out var v) ? v : null))
            .Where(x => x.Version is not null && File.Exists(Path.Combine(x.Dir, "helm")))
            .OrderByDescending(x => x.Version)
            .Select(x => Path.Combine(x.Dir, "helm"))
            .FirstOrDefault();
    }
}
