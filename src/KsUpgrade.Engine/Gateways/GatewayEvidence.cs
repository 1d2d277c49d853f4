using System.Text.Json.Nodes;
using k8s.Models;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Gateways;

/// <summary>
/// What the cluster shows of one gateway's v4 form: the <c>gateway.kubesphere.io/v2alpha1</c> Gateway ks-upgrade's
/// job creates, and what the gateway extension's controller installs from it — the release on the v4 gateway chart
/// (deployed), its controller Deployment (available) and its IngressClass. Plus the v3 releases still present.
/// </summary>
public sealed record GatewayEvidence
{
    public bool V2Gateway { get; init; }
    /// <summary>The gateway's own release (latest revision), null when it has none.</summary>
    public KsGatewayRelease? Release { get; init; }
    /// <summary>The &lt;gw&gt;-ingress release of 3.4 (latest revision), null when it is gone.</summary>
    public KsGatewayRelease? IngressRelease { get; init; }
    public string ControllerState { get; init; } = "";
    public bool ControllerAvailable { get; init; }
    public string IngressClassName { get; init; } = "";
    public bool IngressClassExists { get; init; }

    public bool ReleaseOnV4 => Release is { Status: "deployed" } r && GatewayCatalog.IsV4Chart(r);
    /// <summary>helm is working on the release (pending-install/upgrade/rollback): in progress, not failed.</summary>
    public bool ReleasePending => Helm.HelmReleaseStatus.IsPending(Release?.Status);
    public bool Complete => V2Gateway && ReleaseOnV4 && ControllerAvailable && IngressClassExists;

    /// <summary>The evidence that is missing, as one sentence part ("" when complete).</summary>
    public string Missing(KsGateway gateway)
    {
        var missing = new List<string>();
        if (!V2Gateway) missing.Add($"no {GatewayUpgrade.V2Group}/{GatewayUpgrade.V2Version} Gateway {gateway.ReleaseNamespace}/{gateway.Name}");
        if (!ReleaseOnV4)
            missing.Add(Release is null
                ? $"no release {gateway.Name}"
                : $"release {Release.Name} is {Release.Status} on chart {Release.ChartName}-{Release.ChartVersion}, not deployed on the v4 gateway chart ({GatewayCatalog.V4ChartName})");
        if (!ControllerAvailable) missing.Add(ControllerState);
        if (!IngressClassExists) missing.Add($"no IngressClass {IngressClassName}");
        return string.Join("; ", missing);
    }

    /// <summary>The state of the v3 releases, for messages.</summary>
    public string OldReleases(KsGateway gateway) =>
        $"{GatewayNames.IngressReleaseOf(gateway.Name)}: {(IngressRelease is null ? "uninstalled" : $"{IngressRelease.Status} (chart {IngressRelease.ChartName}-{IngressRelease.ChartVersion})")}; " +
        $"{gateway.Name}: {(Release is null ? "absent" : $"{Release.Status} (chart {Release.ChartName}-{Release.ChartVersion}, revision {Release.Revision})")}";

    /// <summary>Reads the evidence (read-only; through the access layer, which retries transient failures).</summary>
    public static async Task<GatewayEvidence> ReadAsync(KsCluster cluster, IKubeApi api, string name, CancellationToken ct)
    {
        var all = await GatewayCatalog.ReadAllAsync(cluster, api, ct).ConfigureAwait(false);
        var gateway = all.FirstOrDefault(g => g.Name == name);
        var releases = gateway?.Releases ?? Array.Empty<KsGatewayRelease>();
        var ns = gateway?.ReleaseNamespace ?? KsNames.ControlsSystem;
        // a v1 cluster gateway labelled kubesphere.io/gateway-type=cluster is released as kubesphere-router-cluster
        var alt = GatewayNames.ScopeOf(name) == KsGatewayScope.Cluster
            ? all.FirstOrDefault(g => g.Name == GatewayNames.ClusterGatewayAltName)?.Releases.FirstOrDefault(r => r.Name == GatewayNames.ClusterGatewayAltName && GatewayCatalog.IsV4Chart(r))
            : null;
        var own = alt ?? releases.FirstOrDefault(r => r.Name == name);

        var v2 = await api.GetAsync(GatewayUpgrade.V2Kind, ns, name, ct).ConfigureAwait(false);
        var controller = v2?["spec"]?["values"]?["controller"] as JsonObject;
        var className = Str(controller?["ingressClassResource"]?["name"]) ?? Str(controller?["ingressClass"]) ?? name;

        var releaseName = own?.Name ?? name;
        var deployments = await api.ListAllAsync(ResourceKind.Deployments, ns,
            $"app.kubernetes.io/instance={releaseName},app.kubernetes.io/component=controller", ct).ConfigureAwait(false);
        var deployment = deployments.FirstOrDefault()?.As<V1Deployment>();
        var availableNow = deployment?.Status?.Conditions?.Any(c => c.Type == "Available" && c.Status == "True") == true && (deployment.Status.AvailableReplicas ?? 0) > 0;
        // available pods of an older template are not the v4 controller: its rollout must have finished
        var rollout = deployment is null ? null : Checks.DeploymentRollout.Of(deployment);
        var specReplicas = deployment?.Spec?.Replicas ?? 1;
        var available = availableNow && rollout!.IsComplete(specReplicas);
        var controllerState = deployment is null
            ? $"no controller Deployment of release {releaseName} in {ns}"
            : available ? $"Deployment {ns}/{deployment.Metadata.Name} available"
            : availableNow ? $"Deployment {ns}/{deployment.Metadata.Name} still rolling out ({rollout!.Describe(specReplicas)})"
            : $"Deployment {ns}/{deployment.Metadata.Name} not available ({deployment.Status?.AvailableReplicas ?? 0}/{specReplicas} replicas)";

        var classExists = await api.GetAsync(ResourceKind.IngressClasses, null, className, ct).ConfigureAwait(false) is not null;

        return new GatewayEvidence
        {
            V2Gateway = v2 is not null,
            Release = own,
            IngressRelease = releases.FirstOrDefault(r => r.Name == GatewayNames.IngressReleaseOf(name)),
            ControllerState = controllerState,
            ControllerAvailable = available,
            IngressClassName = className,
            IngressClassExists = classExists,
        };
    }

    private static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
}
