using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using KsUpgrade.Validation;

namespace KsUpgrade.Sandbox.PowerShell.Cmdlets;

/// <summary>
/// Starts a sandbox: a simulated Kubernetes API seeded as KubeSphere 3.4 clusters, served on loopback, with a
/// kubeconfig of its own. Returns a KsSandbox with the rehearsal chart and values file the module ships (ChartPath,
/// ValuesPath) and, when the KsUpgrade module is available, one connected cluster per context (Clusters).
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "KsSandbox")]
[OutputType(typeof(KsSandbox))]
public sealed class StartKsSandboxCommand : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>ks34-host, ks34-member, ks34-multicluster, or the path of a seed file.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SeedCompleter))]
    [ValidatePath]
    public string Seed { get; set; } = "ks34-host";

    /// <summary>
    /// Grows the seed: keys Nodes, Namespaces, PodsPerNode, RbacObjects (each cluster), and Members (ks34-multicluster:
    /// the host and member1..memberN, each its own cluster on its own port; ks34-host: the host's member list).
    /// </summary>
    [Parameter]
    public Hashtable? Scale { get; set; }

    /// <summary>Where to write the kubeconfig (default: a new file in the temp folder).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? KubeconfigPath { get; set; }

    protected override void StopProcessing() => _stopping.Cancel();

    public void Dispose() => _stopping.Dispose();

    protected override void ProcessRecord()
    {
        var seed = Seed;
        if (SeedCompleter.Names.All(n => !n.Equals(seed, StringComparison.OrdinalIgnoreCase)))
            seed = GetUnresolvedProviderPathFromPSPath(seed);
        var moduleBase = ModuleBase();
        var request = new SandboxStartRequest
        {
            Seed = seed,
            Scale = ParseScale(),
            KubeconfigPath = KubeconfigPath is null ? null : GetUnresolvedProviderPathFromPSPath(KubeconfigPath),
            SandboxDirectory = ServerDirectory(moduleBase),
            ChartPath = Path.Combine(moduleBase, "rehearsal", "ks-core"),
            ValuesPath = Path.Combine(moduleBase, "rehearsal", "ks-core-values.yaml"),
        };
        KsSandbox sandbox;
        var messages = new ConcurrentQueue<string>();
        try
        {
            sandbox = SandboxProcess.StartAsync(request, messages.Enqueue, _stopping.Token).GetAwaiter().GetResult();
        }
        catch (SandboxException e)
        {
            ThrowTerminatingError(ToErrorRecord(e));
            return;
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            while (messages.TryDequeue(out var m)) WriteVerbose(m);
        }

        try
        {
            sandbox.Clusters = ConnectClusters(sandbox);
        }
        catch
        {
            SandboxProcess.Stop(sandbox.ProcessId);
            throw;
        }
        WriteObject(sandbox);
    }

    /// <summary>
    /// One KsCluster per context, from the KsUpgrade module's Connect-KsCluster, called by name: this module does not
    /// reference the product. Without the KsUpgrade module, Clusters stays empty (connect with Connect-KsCluster later).
    /// </summary>
    private object[] ConnectClusters(KsSandbox sandbox)
    {
        const string script = @"
param([string] $Kubeconfig, [string[]] $Contexts)
if (-not (Get-Command -Name Connect-KsCluster -CommandType Cmdlet -ErrorAction Ignore)) { return }
foreach ($c in $Contexts) { Connect-KsCluster -Kubeconfig $Kubeconfig -Context $c -ErrorAction Stop }";
        var results = InvokeCommand.InvokeScript(script, false, System.Management.Automation.Runspaces.PipelineResultTypes.None, null, sandbox.Kubeconfig, sandbox.Contexts);
        var clusters = results.Where(r => r is not null).Cast<object>().ToArray();
        if (clusters.Length == 0)
            WriteVerbose("The KsUpgrade module is not available, so Clusters is empty; connect with Connect-KsCluster -Kubeconfig <Kubeconfig> -Context <context>.");
        return clusters;
    }

    private static readonly string[] ScaleKeys = { "Nodes", "Namespaces", "PodsPerNode", "RbacObjects", "Members" };

    private Dictionary<string, int>? ParseScale()
    {
        if (Scale is null) return null;
        var result = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in Scale)
        {
            var key = entry.Key?.ToString() ?? "";
            var known = ScaleKeys.FirstOrDefault(k => k.Equals(key, StringComparison.OrdinalIgnoreCase));
            if (known is null)
                ThrowTerminatingError(ToErrorRecord(new SandboxException(SandboxErrorIds.SandboxScaleInvalid, ErrorCategory.InvalidArgument,
                    $"Unknown -Scale key '{key}'. Known keys: {string.Join(", ", ScaleKeys)}.", key,
                    $"Start-KsSandbox -Scale @{{ {string.Join("; ", ScaleKeys.Select(k => k + " = <n>"))} }}")));
            if (!int.TryParse(entry.Value?.ToString(), out var n) || n < 0 || n > 1_000_000)
                ThrowTerminatingError(ToErrorRecord(new SandboxException(SandboxErrorIds.SandboxScaleInvalid, ErrorCategory.InvalidArgument,
                    $"-Scale {key} must be a whole number from 0 to 1000000.", key, $"Start-KsSandbox -Scale @{{ {known} = 500 }}")));
            result[known!] = n;
        }
        return result;
    }

    private string ModuleBase() =>
        MyInvocation.MyCommand.Module?.ModuleBase ?? Path.GetDirectoryName(typeof(StartKsSandboxCommand).Assembly.Location)!;

    private static string ServerDirectory(string moduleBase)
    {
        var fromEnv = Environment.GetEnvironmentVariable("KSUPGRADE_SANDBOX");
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        return Path.Combine(moduleBase, "server");
    }

    internal static ErrorRecord ToErrorRecord(SandboxException e)
    {
        var record = new ErrorRecord(e, e.ErrorId, e.Category, e.Target);
        record.ErrorDetails = new ErrorDetails(e.Message);
        if (!string.IsNullOrEmpty(e.Remedy)) record.ErrorDetails.RecommendedAction = e.Remedy;
        return record;
    }
}
