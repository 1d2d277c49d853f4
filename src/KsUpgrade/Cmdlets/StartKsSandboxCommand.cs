using System.Collections;
using System.Management.Automation;
using KsUpgrade.Validation;
using KsUpgrade.Completion;
using KsUpgrade.Engine.Sandbox;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Starts a sandbox: a simulated Kubernetes API seeded as KubeSphere 3.4 clusters, served on loopback, with a
/// kubeconfig of its own. Returns a KsSandbox whose Clusters pipe into the other cmdlets.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "KsSandbox")]
[OutputType(typeof(KsSandbox))]
public sealed class StartKsSandboxCommand : KsCmdletBase
{
    /// <summary>ks34-host, ks34-member, ks34-multicluster, or the path of a seed file.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SeedCompleter))]
    [ValidatePath]
    public string Seed { get; set; } = "ks34-host";

    /// <summary>Grows the seed: keys Nodes, Namespaces, PodsPerNode, RbacObjects.</summary>
    [Parameter]
    public Hashtable? Scale { get; set; }

    /// <summary>Where to write the kubeconfig (default: a new file in the temp folder).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? KubeconfigPath { get; set; }

    protected override void ProcessRecord()
    {
        var seed = Seed;
        if (SeedCompleter.Names.All(n => !n.Equals(seed, StringComparison.OrdinalIgnoreCase)))
            seed = GetUnresolvedProviderPathFromPSPath(seed);
        var request = new SandboxStartRequest
        {
            Seed = seed,
            Scale = ParseScale(),
            KubeconfigPath = KubeconfigPath is null ? null : GetUnresolvedProviderPathFromPSPath(KubeconfigPath),
            SandboxDirectory = SandboxDirectory(),
        };
        try
        {
            WriteObject(RunEngine((log, ct) => SandboxProcess.StartAsync(request, log, ct)));
        }
        catch (KsUpgradeException e)
        {
            ThrowTerminatingError(e);
        }
    }

    private static readonly string[] ScaleKeys = { "Nodes", "Namespaces", "PodsPerNode", "RbacObjects" };

    private Dictionary<string, int>? ParseScale()
    {
        if (Scale is null) return null;
        var result = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in Scale)
        {
            var key = entry.Key?.ToString() ?? "";
            var known = ScaleKeys.FirstOrDefault(k => k.Equals(key, StringComparison.OrdinalIgnoreCase));
            if (known is null)
                ThrowTerminatingError(new KsUpgradeException("KsUpgrade.SandboxScaleInvalid", KsErrorCategory.InvalidArgument,
                    $"Unknown -Scale key '{key}'. Known keys: {string.Join(", ", ScaleKeys)}.", key));
            if (!int.TryParse(entry.Value?.ToString(), out var n) || n < 0 || n > 1_000_000)
                ThrowTerminatingError(new KsUpgradeException("KsUpgrade.SandboxScaleInvalid", KsErrorCategory.InvalidArgument,
                    $"-Scale {key} must be a whole number from 0 to 1000000.", key));
            result[known!] = n;
        }
        return result;
    }

    private string SandboxDirectory()
    {
        var fromEnv = Environment.GetEnvironmentVariable("KSUPGRADE_SANDBOX");
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        return Path.Combine(MyInvocation.MyCommand.Module?.ModuleBase ?? Path.GetDirectoryName(typeof(StartKsSandboxCommand).Assembly.Location)!, "sandbox");
    }
}
