using KsUpgrade.Sandbox.Faults;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Sandbox.Hosting;

/// <summary>How to start a sandbox.</summary>
public sealed class SandboxOptions
{
    /// <summary>Seed name (see SeedCatalog) or seed file path; ignored when <see cref="Clusters"/> is given.</summary>
    public string Seed { get; init; } = "empty";
    /// <summary>Explicit clusters (e.g. built by a test); overrides <see cref="Seed"/>.</summary>
    public IReadOnlyList<SeedCluster>? Clusters { get; init; }
    /// <summary>Growth of the seed (Nodes, Namespaces, PodsPerNode, RbacObjects).</summary>
    public IReadOnlyDictionary<string, int>? Scale { get; init; }
    /// <summary>Where to write the kubeconfig; default: a file in a new temporary folder.</summary>
    public string? KubeconfigPath { get; init; }
    /// <summary>Fault rules active from the start.</summary>
    public IReadOnlyList<FaultRule>? Faults { get; init; }
    /// <summary>Job names (any cluster/namespace) that fail when they run.</summary>
    public IReadOnlyList<string>? FailingJobs { get; init; }
    /// <summary>Workload behaviours asked, in order, when a Job's pod finishes (before the defaults).</summary>
    public IReadOnlyList<IWorkloadBehaviour>? Behaviours { get; init; }

    /// <summary>Leave out the simulated ks-upgrade jobs (tests that want plain Jobs).</summary>
    public bool WithoutKubeSphereBehaviour { get; init; }

    /// <summary>
    /// The kubectl binary a Job with a kubectl image runs; default: <c>kubectl</c> on PATH. A path that does not exist makes
    /// such Jobs fail with a pod log saying so.
    /// </summary>
    public string? KubectlPath { get; init; }

    /// <summary>
    /// The helm binary a Job with a helm image runs; default: <c>helm</c> on PATH, else the tool cache
    /// (<c>$KSUPGRADE_TOOLS</c> or <c>~/.cache/ksupgrade/tools</c>, <c>helm-v&lt;tag&gt;/helm</c> or the newest <c>helm-v3.*</c>).
    /// </summary>
    public string? HelmPath { get; init; }

    /// <summary>Simulate Jobs with kubectl/helm images too (they complete without effect), as before real tool runs.</summary>
    public bool SimulateToolJobs { get; init; }
}
