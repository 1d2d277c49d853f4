using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Tests.Gateways;

/// <summary>
/// What ks-upgrade's gateway dynamic-upgrade does, for the tests: reads the gateway name from ConfigMap
/// ks-upgrade-dynamic-config, uninstalls release &lt;name&gt;-ingress, creates the v2alpha1 Gateway, upgrades release
/// &lt;name&gt; to kubesphere-nginx-ingress 4.12.1 and sets ingressClassName on the Ingresses of the project it serves.
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

        var own = secrets.Where(s => s.Str("metadata", "labels", "name") == name)
            .OrderBy(s => int.Parse(s.Str("metadata", "labels", "version") ?? "0")).ToList();
        foreach (var s in own.Where(s => s.Str("metadata", "labels", "status") == "deployed"))
            cluster.Upsert(HelmReleaseSecret.WithStatus(s, "superseded"));
        var next = own.Count == 0 ? 1 : int.Parse(own[^1].Str("metadata", "labels", "version")!) + 1;
        cluster.Upsert(HelmReleaseSecret.Build(name, ns, next, "deployed", "kubesphere-nginx-ingress", "4.12.1", "1.12.1", new JsonObject(), ""));

        var gw = K8s.Object("gateway.kubesphere.io/v2alpha1", "Gateway", name, ns, Json.Strings(("kubesphere.io/gateway-type", "project")));
        gw["spec"] = new JsonObject { ["appVersion"] = "kubesphere-nginx-ingress-4.12.1", ["values"] = new JsonObject() };
        cluster.Upsert(gw);
        lines.Add($"I1125 created gateway {ns}/{name}");

        const string prefix = "kubesphere-router-";
        var served = name.StartsWith("kubesphere-router-workspace-") ? null : name[prefix.Length..];
        if (served is not null)
            foreach (var ing in cluster.List("networking.k8s.io/v1", "ingresses", served))
            {
                if (ing["spec"]?["ingressClassName"] is not null) continue;
                ing["spec"]!["ingressClassName"] = name;
                cluster.Upsert(ing);
                lines.Add($"I1125 set ingressClassName of {served}/{ing.Name()}");
            }
        lines.Add("I1125 gateway upgrade done");
        return new JobOutcome(true, lines);
    }
}
