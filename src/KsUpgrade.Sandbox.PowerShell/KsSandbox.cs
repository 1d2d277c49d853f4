namespace KsUpgrade;

/// <summary>
/// A running sandbox: a simulated Kubernetes API serving KubeSphere clusters on loopback, with the rehearsal chart and
/// values file the KsUpgrade.Sandbox module ships.
/// </summary>
public sealed class KsSandbox
{
    /// <summary>The seed it started from (ks34-host, ks34-member, ks34-multicluster or a seed file).</summary>
    public string Seed { get; init; } = "";

    /// <summary>Path of the kubeconfig it wrote: one context per simulated cluster.</summary>
    public string Kubeconfig { get; init; } = "";

    /// <summary>The kubeconfig's contexts, host first.</summary>
    public string[] Contexts { get; init; } = Array.Empty<string>();

    /// <summary>The sandbox process.</summary>
    public int ProcessId { get; init; }

    /// <summary>The loopback port it serves HTTPS on.</summary>
    public int Port { get; init; }

    /// <summary>
    /// One connected cluster (a KsUpgrade.KsCluster from Connect-KsCluster) per context, ready to pipe into the
    /// KsUpgrade cmdlets; empty when the KsUpgrade module is not available.
    /// </summary>
    public object[] Clusters { get; set; } = Array.Empty<object>();

    /// <summary>The rehearsal chart folder the module ships (a ks-core chart shaped like the real one, version 1.1.5).</summary>
    public string ChartPath { get; init; } = "";

    /// <summary>The rehearsal values file the module ships (the upgrade guide's ks-core-values.yaml).</summary>
    public string ValuesPath { get; init; } = "";

    /// <summary>Base URL of the sandbox's control endpoint (fault plan, request counts); needs the kubeconfig's token.</summary>
    public string ControlUrl { get; init; } = "";

    /// <summary>When it reported ready.</summary>
    public DateTimeOffset StartTime { get; init; }

    /// <summary>Whether the process is still running.</summary>
    public bool Running => !HasExited();

    internal Func<bool> HasExited { get; set; } = () => true;

    public override string ToString() => $"sandbox {Seed} (pid {ProcessId}, port {Port})";
}
