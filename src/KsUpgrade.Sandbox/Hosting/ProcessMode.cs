using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Hosting;

/// <summary>
/// The sandbox as a process:
/// KsUpgrade.Sandbox --seed &lt;name|path&gt; --kubeconfig &lt;path&gt; [--scale Nodes=500,Namespaces=2000] [--parent-pid &lt;pid&gt;]
///                   [--state-file &lt;path&gt;] [--fail-job &lt;name&gt;]... [--no-stdin-watch]
/// Prints one JSON line when serving ({"ready":true,...}) or failing ({"ready":false,"error":...}). Exits when the
/// parent process is gone, on SIGTERM/SIGINT, or when stdin (if redirected) is closed. On exit writes the state file.
/// </summary>
public static class ProcessMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        string seed = "empty";
        string? kubeconfig = null, stateFile = null;
        int? parentPid = null;
        bool watchStdin = true;
        var scale = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var failingJobs = new List<string>();
        SandboxHost? host = null;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--seed": seed = Next(); break;
                    case "--kubeconfig": kubeconfig = Next(); break;
                    case "--state-file": stateFile = Next(); break;
                    case "--parent-pid": parentPid = int.Parse(Next()); break;
                    case "--fail-job": failingJobs.Add(Next()); break;
                    case "--no-stdin-watch": watchStdin = false; break;
                    case "--scale":
                        foreach (var pair in Next().Split(',', StringSplitOptions.RemoveEmptyEntries))
                        {
                            var kv = pair.Split('=', 2);
                            if (kv.Length != 2 || !int.TryParse(kv[1], out var n)) throw new ArgumentException($"Bad --scale entry '{pair}' (expected Name=Number).");
                            scale[kv[0].Trim()] = n;
                        }
                        break;
                    default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
                }
            }
            if (kubeconfig is null) throw new ArgumentException("--kubeconfig <path> is required.");

            host = await SandboxHost.StartAsync(new SandboxOptions
            {
                Seed = seed, KubeconfigPath = kubeconfig, Scale = scale.Count > 0 ? scale : null, FailingJobs = failingJobs,
            });
            var ready = new JsonObject
            {
                ["ready"] = true,
                ["port"] = host.Port,
                ["ports"] = new JsonObject(host.Contexts.Select(c => KeyValuePair.Create(c, (JsonNode?)JsonValue.Create(host.PortOf(c))))),
                ["kubeconfig"] = host.KubeconfigPath,
                ["contexts"] = new JsonArray(host.Contexts.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
                ["pid"] = Environment.ProcessId,
                ["controlUrl"] = host.ControlUrl,
            };
            Console.Out.WriteLine(ready.ToJsonString());
            Console.Out.Flush();

            await WaitForExitSignalAsync(parentPid, watchStdin && Console.IsInputRedirected);
            if (stateFile is not null) WriteState(host, stateFile);
            await host.DisposeAsync();
            return 0;
        }
        catch (Exception e)
        {
            Console.Out.WriteLine(new JsonObject { ["ready"] = false, ["error"] = e.Message }.ToJsonString());
            Console.Out.Flush();
            if (host is not null) await host.DisposeAsync();
            return 1;
        }
    }

    private static async Task WaitForExitSignalAsync(int? parentPid, bool watchStdin)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; done.TrySetResult(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; done.TrySetResult(); });
        if (watchStdin)
        {
            _ = Task.Run(() =>
            {
                try { while (Console.In.ReadLine() is not null) { } } catch (IOException) { }
                done.TrySetResult();
            });
        }
        if (parentPid is int pid)
        {
            _ = Task.Run(async () =>
            {
                while (!done.Task.IsCompleted)
                {
                    if (!IsAlive(pid)) { done.TrySetResult(); return; }
                    await Task.Delay(1000);
                }
            });
        }
        await done.Task;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Writes the state as a seed file ({"clusters":[{"name","kubernetesVersion",...,"objects":[...]}]}), loadable with --seed.</summary>
    private static void WriteState(SandboxHost host, string path)
    {
        var clusters = new JsonArray();
        foreach (var name in host.Contexts)
        {
            var state = host.StateOf(name);
            var seed = host.SeedOf(name);
            clusters.Add(new JsonObject
            {
                ["name"] = name,
                ["kubernetesVersion"] = seed.KubernetesVersion,
                ["jobRunSeconds"] = seed.JobRunSeconds,
                ["podReadySeconds"] = seed.PodReadySeconds,
                ["clusterResyncSeconds"] = seed.ClusterResyncSeconds,
                ["nodeLeaseRenewSeconds"] = seed.NodeLeaseRenewSeconds,
                ["nodeStatusReportSeconds"] = seed.NodeStatusReportSeconds,
                ["gatewayControllerSeconds"] = seed.GatewayControllerSeconds,
                ["objects"] = state["objects"]!.DeepClone(),
            });
        }
        File.WriteAllText(path, new JsonObject { ["clusters"] = clusters }.ToJsonString());
    }
}
