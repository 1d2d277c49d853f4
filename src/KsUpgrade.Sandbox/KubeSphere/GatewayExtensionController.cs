using System.Globalization;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Seeds.Ks34;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Sandbox.KubeSphere;

/// <summary>
/// The KubeSphere 4 gateway extension's controller, reduced to what a cluster shows of it: for each
/// <c>gateway.kubesphere.io/v2alpha1</c> Gateway it installs (or upgrades) the helm release named after the Gateway to
/// chart kubesphere-nginx-ingress 4.12.1 (controller 1.12.1; older revisions superseded), with the IngressClass named in
/// the Gateway's values (default: the Gateway's name), the controller Deployment and its Service (keeping the Gateway's
/// nodePorts). ks-upgrade's dynamic-upgrade job does none of this: it only creates the Gateway.
/// It acts only where the extension is installed for the cluster, and only after <see cref="Seeds.SeedCluster.GatewayControllerSeconds"/>
/// from the Gateway's creation:
/// - on the host: InstallPlan <c>gateway</c> (kubesphere.io/v1alpha1) exists and is enabled;
/// - on a member: another simulated cluster (the host) has that InstallPlan and a Cluster object named after this cluster
///   without a <c>Schedulable</c> condition (KubeSphere schedules no extension agent onto a cluster still tainted by the upgrade).
/// </summary>
public static class GatewayExtensionController
{
    public const string ChartName = "kubesphere-nginx-ingress";
    public const string ChartVersion = "4.12.1";
    public const string AppVersion = "1.12.1";

    /// <summary>One pass over the cluster's v2 Gateways. <paramref name="others"/> are the other simulated clusters.</summary>
    public static void Reconcile(ISandboxClusterView cluster, IEnumerable<ISandboxClusterView> others, double delaySeconds, DateTime now)
    {
        IReadOnlyList<JsonObject> gateways;
        try { gateways = cluster.List(GatewayModule.V2, "gateways"); }
        catch (Exception) { return; } // the v2alpha1 CRD is not served (yet)
        if (gateways.Count == 0 || !ExtensionInstalled(cluster, others)) return;
        foreach (var gw in gateways)
        {
            if (gw["metadata"]?["deletionTimestamp"] is not null) continue;
            if (DateTime.TryParse(gw.Str("metadata", "creationTimestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var created)
                && now < created.AddSeconds(delaySeconds))
                continue;
            Install(cluster, gw);
        }
    }

    /// <summary>True when the gateway extension is installed for this cluster (see the class summary).</summary>
    public static bool ExtensionInstalled(ISandboxClusterView cluster, IEnumerable<ISandboxClusterView> others)
    {
        if (HasPlan(cluster)) return true;
        foreach (var host in others)
        {
            if (!HasPlan(host)) continue;
            JsonObject? me;
            try { me = host.Get("cluster.kubesphere.io/v1alpha1", "clusters", null, cluster.ClusterName); }
            catch (Exception) { continue; }
            if (me is null) continue;
            var conditions = me["status"]?["conditions"] as JsonArray ?? new JsonArray();
            return !conditions.Any(c => c.Str("type") == "Schedulable");
        }
        return false;
    }

    private static bool HasPlan(ISandboxClusterView cluster)
    {
        try
        {
            var plan = cluster.Get("kubesphere.io/v1alpha1", "installplans", null, "gateway");
            return plan is not null && plan["spec"]?["enabled"]?.GetValue<bool>() != false;
        }
        catch (Exception) { return false; } // InstallPlan is not served: KubeSphere 3.4
    }

    private static void Install(ISandboxClusterView cluster, JsonObject gw)
    {
        var ns = gw.Namespace()!;
        var release = gw.Name();
        var history = cluster.List("v1", "secrets", ns)
            .Where(s => HelmReleaseSecret.IsReleaseSecret(s) && s.Str("metadata", "labels", "name") == release)
            .Select(s => (Secret: s, Release: HelmReleaseSecret.Decode(s))).OrderBy(h => h.Release.Revision).ToList();
        if (history.Count > 0 && history[^1].Release is { Status: "deployed", ChartName: ChartName, ChartVersion: ChartVersion }) return;

        var values = gw["spec"]?["values"] as JsonObject ?? new JsonObject();
        var controller = values["controller"] as JsonObject ?? new JsonObject();
        var className = controller.Str("ingressClassResource", "name") ?? controller.Str("ingressClass") ?? release;
        var controllerValue = controller.Str("ingressClassResource", "controllerValue") ?? $"k8s.io/{release}";
        var serviceType = controller.Str("service", "type") ?? "NodePort";
        int? NodePort(string name) => int.TryParse(controller.Str("service", "nodePorts", name), out var p) ? p : null;

        var sel = Json.Strings(("app.kubernetes.io/component", "controller"), ("app.kubernetes.io/instance", release), ("app.kubernetes.io/name", "ingress-nginx"));
        var deploy = K8s.Object("apps/v1", "Deployment", release, ns, (JsonObject)sel.DeepClone());
        K8s.HelmManaged(deploy, release, ns);
        deploy["spec"] = new JsonObject
        {
            ["replicas"] = 1,
            ["selector"] = new JsonObject { ["matchLabels"] = sel.DeepClone() },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = sel.DeepClone() },
                ["spec"] = K8s.PodSpec(new[] { K8s.Container("controller", $"kubesphere/nginx-ingress-controller:v{AppVersion}",
                    new[] { "/nginx-ingress-controller", $"--election-id=ingress-controller-leader-{release}", $"--controller-class={controllerValue}", $"--ingress-class={className}" }, 80) }),
            },
        };
        var svc = K8s.Service(ns, release, (JsonObject)sel.DeepClone(),
            new[] { ("http", 80, 80, serviceType == "NodePort" ? NodePort("http") : null), ("https", 443, 443, serviceType == "NodePort" ? NodePort("https") : null) },
            serviceType, (JsonObject)sel.DeepClone());
        K8s.HelmManaged(svc, release, ns);
        var ic = K8s.Object("networking.k8s.io/v1", "IngressClass", className, null, (JsonObject)sel.DeepClone());
        K8s.HelmManaged(ic, release, ns);
        ic["spec"] = new JsonObject { ["controller"] = controllerValue };

        foreach (var (secret, _) in history.Where(h => h.Release.Status == "deployed"))
            cluster.Upsert(HelmReleaseSecret.WithStatus(secret, "superseded"));
        cluster.Upsert(ic);
        cluster.Upsert(svc);
        cluster.Upsert(deploy);
        var manifest = new HelmManifest().Add("kubesphere-nginx-ingress/templates/controller-ingressclass.yaml", ic)
            .Add("kubesphere-nginx-ingress/templates/controller-service.yaml", svc)
            .Add("kubesphere-nginx-ingress/templates/controller-deployment.yaml", deploy).ToString();
        var revision = history.Count == 0 ? 1 : history[^1].Release.Revision + 1;
        cluster.Upsert(HelmReleaseSecret.Build(release, ns, revision, "deployed", ChartName, ChartVersion, AppVersion,
            new JsonObject { ["fullnameOverride"] = release }, manifest, DateTimeOffset.UtcNow, history.Count == 0 ? "Install complete" : "Upgrade complete"));
    }
}
