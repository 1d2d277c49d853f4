using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>
/// 3.4 gateways as ks-controller-manager's helm-operator leaves them: per gateway G in kubesphere-controls-system,
/// the v1alpha1 Gateway G, release G (chart gateway 0.1.0) whose only object is Nginx CR G-ingress, and release
/// G-ingress (chart ingress-nginx 4.2.5) owning Deployment/Service G. Plus the Ingresses (no ingressClassName).
/// </summary>
public static class GatewayPart
{
    public const string ApiVersion = "gateway.kubesphere.io/v1alpha1";
    private const string Ns = KubeSpherePart.ControlsNs;
    private const string Finalizer = "uninstall-helm-release";

    public static void Add(SeedContext ctx)
    {
        var p = ctx.Profile;
        var index = 0;
        foreach (var g in p.Gateways)
        {
            if (g.Scope == GatewayScope.Project && !ctx.UserNamespaces.ContainsKey(g.Target)) continue;
            if (g.Scope == GatewayScope.Workspace && !ctx.UserNamespaces.ContainsValue(g.Target)) continue;
            AddGateway(ctx, g, index++);
        }
        foreach (var (ns, name, service) in p.Ingresses)
        {
            if (!ctx.UserNamespaces.ContainsKey(ns)) continue;
            ctx.Add(K8s.Ingress(ns, name, $"{name}.{ns}.example.com", service, 80));
        }
    }

    public static JsonObject Scope(GatewaySpec g) => g.Scope switch
    {
        GatewayScope.Cluster => new JsonObject { ["enabled"] = false, ["namespace"] = "" },
        GatewayScope.Workspace => new JsonObject { ["enabled"] = true, ["namespaceSelector"] = $"kubesphere.io/workspace={g.Target}" },
        _ => new JsonObject { ["enabled"] = true, ["namespace"] = g.Target },
    };

    private static void AddGateway(SeedContext ctx, GatewaySpec g, int index)
    {
        var name = g.Name;
        var created = SeedIds.InstalledAt.AddMinutes(30 + index);

        var gw = K8s.Object(ApiVersion, "Gateway", name, Ns, null,
            Json.Strings(("kubesphere.io/creator", "admin")), uidKey: $"gateway/{name}");
        gw["metadata"]!["finalizers"] = Json.Array(Finalizer);
        gw["spec"] = new JsonObject
        {
            ["controller"] = new JsonObject
            {
                ["replicas"] = 1,
                ["annotations"] = new JsonObject(),
                ["config"] = new JsonObject { ["worker-processes"] = "4" },
                ["scope"] = Scope(g),
            },
            ["deployment"] = new JsonObject { ["annotations"] = Json.Strings(("servicemesh.kubesphere.io/enabled", "false")), ["replicas"] = 1 },
            ["service"] = new JsonObject { ["annotations"] = new JsonObject(), ["type"] = g.ServiceType },
        };
        gw["status"] = new JsonObject
        {
            ["conditions"] = Json.Array(
                K8s.Condition("Initialized", "True", minutes: 30 + index),
                K8s.Condition("Deployed", "True", "InstallSuccessful", "1. Get the application URL by running these commands", 30 + index)),
            ["deployedRelease"] = new JsonObject { ["name"] = name },
        };
        ctx.Add(gw);

        // Release G (chart "gateway"): renders the Nginx CR G-ingress.
        var nginx = K8s.Object(ApiVersion, "Nginx", name + "-ingress", Ns, null, null, uidKey: $"nginx/{name}-ingress");
        nginx["metadata"]!["finalizers"] = Json.Array(Finalizer);
        var nodePortHttp = 30080 + index * 2;
        nginx["spec"] = new JsonObject
        {
            ["fullnameOverride"] = name,
            ["controller"] = new JsonObject
            {
                ["name"] = "",
                ["image"] = new JsonObject { ["repository"] = "kubesphere/nginx-ingress-controller", ["tag"] = "v1.3.1" },
                ["ingressClass"] = "nginx",
                ["watchIngressWithoutClass"] = true,
                ["electionID"] = $"ingress-controller-leader-{name}",
                ["scope"] = Scope(g),
                ["service"] = new JsonObject { ["type"] = g.ServiceType },
                ["replicaCount"] = 1,
            },
        };
        nginx["status"] = new JsonObject
        {
            ["conditions"] = Json.Array(K8s.Condition("Deployed", "True", "InstallSuccessful", minutes: 31 + index)),
            ["deployedRelease"] = new JsonObject { ["name"] = name + "-ingress" },
        };
        K8s.HelmManaged(nginx, name, Ns);
        ctx.Add(nginx);
        ctx.Add(HelmReleaseSecret.Build(name, Ns, 1, "deployed", "gateway", "0.1.0", "1.16.0",
            (JsonObject)gw["spec"]!.DeepClone(), new HelmManifest().Add("gateway/templates/nginx.yaml", nginx).ToString(), created));

        // Release G-ingress (chart ingress-nginx): the controller Deployment and Service named G.
        var manifest = new HelmManifest();
        var sel = Json.Strings(("app.kubernetes.io/component", "controller"), ("app.kubernetes.io/instance", name + "-ingress"),
            ("app.kubernetes.io/name", "ingress-nginx"));
        var labels = (JsonObject)sel.DeepClone();
        labels["app.kubernetes.io/version"] = "1.3.1";
        labels["helm.sh/chart"] = "ingress-nginx-4.2.5";
        var podSpec = K8s.PodSpec(new[]
        {
            K8s.Container("controller", "kubesphere/nginx-ingress-controller:v1.3.1", new[]
            {
                "/nginx-ingress-controller", $"--election-id=ingress-controller-leader-{name}", "--controller-class=k8s.io/ingress-nginx",
                "--ingress-class=nginx", "--watch-ingress-without-class=true",
            }, 80),
        }, "kubesphere-router-serviceaccount");
        var set = Workloads.Deployment(Ns, name, podSpec, ctx.PickNodes(1, "gw/" + name), (n, _) => ctx.NextPodIp(n), labels,
            _ => PodLogs.NginxController(name), sel);
        K8s.HelmManaged(set.Controller, name + "-ingress", Ns);
        manifest.Add("ingress-nginx/templates/controller-deployment.yaml", set.Controller);
        ctx.Add(set);
        var svc = K8s.Service(Ns, name, (JsonObject)sel.DeepClone(), new[] { ("http", 80, 80, (int?)nodePortHttp), ("https", 443, 443, nodePortHttp + 1) },
            g.ServiceType, (JsonObject)labels.DeepClone());
        K8s.HelmManaged(svc, name + "-ingress", Ns);
        manifest.Add("ingress-nginx/templates/controller-service.yaml", svc);
        ctx.Add(svc);
        ctx.Add(HelmReleaseSecret.Build(name + "-ingress", Ns, 1, "deployed", "ingress-nginx", "4.2.5", "1.3.1",
            (JsonObject)nginx["spec"]!.DeepClone(), manifest.ToString(), created.AddMinutes(1)));
    }
}
