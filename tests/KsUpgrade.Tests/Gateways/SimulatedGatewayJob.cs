using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Tests.Gateways;

/// <summary>
/// What ks-upgrade v4.1.3's gateway dynamic-upgrade does, for the tests: reads the gateway name from ConfigMap
/// ks-upgrade-dynamic-config, uninstalls release &lt;name&gt;-ingress, fails when a gateway other than the cluster gateway
/// has no namespace named after it (a workspace gateway), creates the v2alpha1 Gateway, waits on release &lt;name&gt; with
/// the real condition (deployed or appVersion 1.12.1, which the v3 release meets at once) and sets ingressClassName on
/// the Ingresses of the project it serves (the cluster gateway's: the hard-coded kubesphere-router-cluster). It does not
/// install the v4 release: the sandbox's gateway extension controller does, where the extension is installed.
/// Like the real job, a second run for the same gateway fails (AlreadyExists).
/// </summary>
internal sealed class SimulatedGatewayJob : IWorkloadBehaviour
{
    private int _running;

    /// <summary>Log the validator skip line and do nothing (exit 0).</summary>
    public bool SkipPhase { get; init; }

    /// <summary>Gateway names, in the order their jobs ran.</summary>
    public ConcurrentQueue<string> Runs { get; } = new();

    /// <summary>Highest number of jobs seen running at the same time.</summary>
    public int MaxConcurrent { get; private set; }

    /// <summary>The image of each run's container.</summary>
    public ConcurrentQueue<string> Images { get; } = new();

    public JobOutcome? OnJobRun(JsonObject job, ISandboxClusterView cluster)
    {
        if (job.Name() != "dynamic-upgrade") return null;
        var now = Interlocked.Increment(ref _running);
        MaxConcurrent = Math.Max(MaxConcurrent, now);
        try
        {
            Images.Enqueue(job.Str("spec", "template", "spec", "containers") is null ? "" :
                (string?)job["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] ?? "");
            var cm = cluster.Get("v1", "configmaps", "kubesphere-system", "ks-upgrade-dynamic-config");
            var patch = cm.Str("data", "config-patch.yaml") ?? "";
            var name = Regex.Match(patch, @"gatewayName:\s*(\S+)").Groups[1].Value;
            if (name.Length == 0) return new JobOutcome(false, new[] { "F1125 You need to specify the gateway name to upgrade" });
            Runs.Enqueue(name);
            if (SkipPhase)
                return new JobOutcome(true, new[] { "I1125 [Validator] ksVersion: skipping because of failed validators" });
            return Convert(cluster, name);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private static JobOutcome Convert(ISandboxClusterView cluster, string name)
    {
        const string ns = GatewaySeed.ControlsNs;
        if (cluster.Get("gateway.kubesphere.io/v2alpha1", "gateways", ns, name) is not null)
            return new JobOutcome(false, new[] { $"E1125 gateways.gateway.kubesphere.io \"{name}\" already exists" });
        var lines = new List<string> { $"I1125 dynamic upgrade gateway {name}" };
        var secrets = cluster.List("v1", "secrets", ns).Where(HelmReleaseSecret.IsReleaseSecret).ToList();
        foreach (var s in secrets.Where(s => s.Str("metadata", "labels", "name") == name + "-ingress"))
            cluster.Delete("v1", "secrets", ns, s.Name());
        lines.Add($"I1125 uninstalled release {name}-ingress");

        const string prefix = "kubesphere-router-";
        var isCluster = name == "kubesphere-router-kubesphere-system";
        var served = name[prefix.Length..];
        if (!isCluster && cluster.Get("v1", "namespaces", null, served) is null)
            return new JsonOutcomeFailure(lines, $"E1125 namespaces \"{served}\" not found").Outcome;

        var gw = K8s.Object("gateway.kubesphere.io/v2alpha1", "Gateway", name, ns, Json.Strings(("kubesphere.io/gateway-type", isCluster ? "cluster" : "project")));
        gw["spec"] = new JsonObject { ["appVersion"] = "kubesphere-nginx-ingress-4.12.1", ["values"] = new JsonObject() };
        cluster.Upsert(gw);
        lines.Add($"I1125 created gateway {ns}/{name}");

        var own = secrets.Where(s => s.Str("metadata", "labels", "name") == name)
            .OrderBy(s => int.Parse(s.Str("metadata", "labels", "version") ?? "0")).LastOrDefault();
        var status = own?.Str("metadata", "labels", "status");
        if (status != "deployed")
            return new JsonOutcomeFailure(lines, $"E1125 wait for release {ns}/{name}: context deadline exceeded").Outcome;
        lines.Add($"I1125 release {ns}/{name} is deployed");

        var ingressClass = isCluster ? "kubesphere-router-cluster" : name;
        foreach (var ing in isCluster ? cluster.List("networking.k8s.io/v1", "ingresses") : cluster.List("networking.k8s.io/v1", "ingresses", served))
        {
            if (ing["spec"]?["ingressClassName"] is not null) continue;
            ing["spec"]!["ingressClassName"] = ingressClass;
            cluster.Upsert(ing);
            lines.Add($"I1125 set ingressClassName of {ing.Namespace()}/{ing.Name()}");
        }
        lines.Add("I1125 gateway upgrade done");
        return new JobOutcome(true, lines);
    }

    private sealed record JsonOutcomeFailure(List<string> Lines, string Last)
    {
        public JobOutcome Outcome => new(false, Lines.Append(Last).ToList());
    }
}
