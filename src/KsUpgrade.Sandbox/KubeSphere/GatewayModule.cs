using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Seeds.Ks34;

namespace KsUpgrade.Sandbox.KubeSphere;

/// <summary>
/// The ks-upgrade <c>gateway</c> job (pre, post, dynamic), reduced to its observable effects. The dynamic phase does
/// only what v4.1.3's job does: uninstall &lt;gw&gt;-ingress, create the v2alpha1 Gateway, wait on the release with its
/// real condition (deployed, or appVersion 1.12.1: the old v3 release, already deployed, ends it at once) and re-class
/// Ingresses. Installing the v4 release is the gateway extension's work (<see cref="GatewayExtensionController"/>).
/// Not modelled: the PrometheusRule clean-up, NodePort details beyond the annotations, the museum download.
/// </summary>
public static class GatewayModule
{
    private const string Ns = KsUpgradeRun.Ns;
    public const string V1 = "gateway.kubesphere.io/v1alpha1";
    public const string V2 = "gateway.kubesphere.io/v2alpha1";
    public const string CrdName = "gateways.gateway.kubesphere.io";
    public const string V2AppVersion = "kubesphere-nginx-ingress-4.12.1";
    public const string DoneKey = "gateway-done";
    public const string GatewayListKey = "gateway-gateway-cr-list";

    /// <summary>The gateway.kubesphere.io Gateway CRD as the 4.x gateway extension ships it (v2alpha1 only).</summary>
    public static JsonObject V2Crd() => Crds.Simple("gateway.kubesphere.io", "v2alpha1", "Gateway", "gateways", true, statusSubresource: true);

    private static string ChartConfigMap(string version) => $"extension-gateway-{version}-chart";

    public static void PreUpgrade(KsUpgradeRun run, KsUpgradeConfig.Module module)
    {
        if (run.HasKey(DoneKey))
        {
            if (run.Config.DynamicOption("gateway", "rerun") != "true") { run.Info("gateway.go:71", "gateway upgrade already done, skip"); return; }
            run.Delete(DoneKey);
        }
        var kcfg = run.Load("kubesphere-config")?.ToString()
                   ?? throw new KsUpgradeFailure("kubesphere-config backup not found, please enable core upgrade job");
        var gatewaySection = (Seeds.Files.YamlJson.Parse(kcfg) as JsonObject)?["gateway"];
        run.Update(K8s.ConfigMap(Ns, "kubesphere-gateway-backup-config", new JsonObject
        {
            ["kubesphere.yaml"] = Seeds.Files.YamlJson.ToYaml(new JsonObject { ["gateway"] = gatewaySection?.DeepClone() }),
        }));
        if (!run.HasKey("gateway-ingress-list"))
            run.Save("gateway-ingress-list", new JsonArray(run.Cluster.List("networking.k8s.io/v1", "ingresses")
                .Select(i => (JsonNode?)new JsonObject { ["namespace"] = i.Namespace(), ["name"] = i.Name() }).ToArray()));
        if (!run.HasKey(GatewayListKey))
        {
            var list = new JsonArray();
            foreach (var gw in run.CrdServes(CrdName, "v1alpha1") ? run.Cluster.List(V1, "gateways") : Array.Empty<JsonObject>())
            {
                var copy = (JsonObject)gw.DeepClone();
                if (run.Cluster.Get("v1", "services", gw.Namespace(), gw.Name()) is { } svc && svc.Str("spec", "type") == "NodePort")
                {
                    var ann = copy.Child("spec").Child("service").Child("annotations");
                    foreach (var p in svc["spec"]!["ports"]!.AsArray())
                        if (p.Str("nodePort") is { } np) ann[$"gateway.kubesphere.io/{p.Str("name")}-nodeport"] = np;
                }
                list.Add(copy);
            }
            run.Save(GatewayListKey, list);
        }
        if (!run.HasKey("gateway-nginx-cr-list") && run.CrdServes("nginxes.gateway.kubesphere.io", "v1alpha1"))
            run.Save("gateway-nginx-cr-list", new JsonArray(run.Cluster.List(V1, "nginxes").Select(n => (JsonNode?)n.Name()).ToArray()));
        run.Info("gateway.go:120", "gateway pre-upgrade done");
    }

    public static void PostUpgrade(KsUpgradeRun run, KsUpgradeConfig.Module module)
    {
        if (run.HasKey(DoneKey)) { run.Info("gateway.go:71", "gateway upgrade already done, skip"); return; }
        var version = module.ExtensionVersion ?? "1.0.2";
        var host = run.IsHost;
        if (host)
        {
            ExtensionInstallPlans.Create(run, "gateway", version, new JsonObject
            {
                ["backend"] = new JsonObject { ["upgrade"] = new JsonObject { ["enabled"] = true } },
            });
        }
        else if (run.OtherCluster is not null && run.Cluster.Get("v1", "configmaps", Ns, ChartConfigMap(version)) is null)
        {
            throw new KsUpgradeFailure($"failed to load gateway chart: configmap {Ns}/{ChartConfigMap(version)} not found (upgrade the host cluster first)");
        }

        if (run.CrdServes(CrdName, "v1alpha1"))
        {
            foreach (var gw in run.Cluster.List(V1, "gateways"))
            {
                gw["metadata"]!.AsObject().Remove("finalizers");
                run.Update(gw);
                run.Cluster.Delete(V1, "gateways", gw.Namespace(), gw.Name());
            }
            run.Cluster.Delete("apiextensions.k8s.io/v1", "customresourcedefinitions", null, CrdName);
            run.Info("gateway.go:205", $"deleted v1alpha1 gateways and crd {CrdName}");
        }
        if (!run.CrdServes(CrdName, "v2alpha1"))
        {
            run.Update(V2Crd());
            run.Info("gateway.go:221", $"applied crd {CrdName} (v2alpha1) from gateway-{version}");
        }

        if (host && run.OtherCluster is not null)
        {
            var chart = K8s.ConfigMap(Ns, ChartConfigMap(version), new JsonObject(), Json.Strings(("kubesphere.io/extension-ref", "gateway")));
            chart["binaryData"] = new JsonObject { ["chart.tgz"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"sandbox chart gateway-{version}")) };
            foreach (var c in run.Cluster.List("cluster.kubesphere.io/v1alpha1", "clusters"))
            {
                var view = c.Str("metadata", "labels", "cluster-role.kubesphere.io/host") is not null ? run.Cluster : run.OtherCluster(c.Name());
                if (view is null) { run.Warn("gateway.go:260", $"cluster {c.Name()} unreachable, chart not synced"); continue; }
                view.Upsert((JsonObject)chart.DeepClone());
                run.Info("gateway.go:266", $"synced chart configmap {ChartConfigMap(version)} to cluster {c.Name()}");
            }
        }
        run.Save(DoneKey, JsonValue.Create(DateTime.UtcNow.ToString("O")));
    }

    /// <summary>Dynamic upgrade of one gateway (upgrade.sh gateway &lt;name&gt;). Not idempotent: a re-run fails with AlreadyExists.</summary>
    public static void Dynamic(KsUpgradeRun run, KsUpgradeConfig.Module module, string clusterGatewayIngressClass)
    {
        var gatewayName = run.Config.DynamicOption("gateway", "gatewayName");
        if (string.IsNullOrEmpty(gatewayName)) throw new KsUpgradeFailure("dynamicOptions.gatewayName is required for the gateway dynamic upgrade");
        run.StorageClaim(); // the backup lives on the PVC; fails if it is missing
        var list = run.Load(GatewayListKey) as JsonArray
                   ?? throw new KsUpgradeFailure($"open {run.Config.StoragePath}/{GatewayListKey}: no such file or directory");
        var old = list.OfType<JsonObject>().FirstOrDefault(g => g.Name() == gatewayName)
                  ?? throw new KsUpgradeFailure($"gateway {gatewayName} not found in {GatewayListKey}");
        var ns = old.Namespace() ?? KubeSpherePart.ControlsNs;
        var isClusterLabelled = old.Str("metadata", "labels", "kubesphere.io/gateway-type") == "cluster";
        var releaseName = isClusterLabelled ? "kubesphere-router-cluster" : gatewayName;

        // helm uninstall <name>-ingress (NotFound ignored): release history and the objects it owned.
        var ingressRelease = gatewayName + "-ingress";
        var history = run.ReleaseHistory(ns, ingressRelease);
        foreach (var (secret, _) in history) run.Cluster.Delete("v1", "secrets", ns, secret.Name());
        if (history.Count > 0)
        {
            foreach (var (av, plural) in new[] { ("apps/v1", "deployments"), ("apps/v1", "replicasets"), ("v1", "pods"), ("v1", "services") })
                foreach (var o in run.Cluster.List(av, plural, ns).Where(o =>
                             o.Str("metadata", "annotations", "meta.helm.sh/release-name") == ingressRelease
                             || o.Str("metadata", "labels", "app.kubernetes.io/instance") == ingressRelease))
                    run.Cluster.Delete(av, plural, ns, o.Name());
            run.Info("gateway.go:301", $"uninstalled release {ns}/{ingressRelease}");
        }
        else run.Info("gateway.go:303", $"release {ns}/{ingressRelease} not found, skip uninstall");

        if (!run.CrdServes(CrdName, "v2alpha1"))
            throw new KsUpgradeFailure("no matches for kind \"Gateway\" in version \"gateway.kubesphere.io/v2alpha1\"");
        if (run.Cluster.Get(V2, "gateways", ns, gatewayName) is not null)
            throw new KsUpgradeFailure($"gateways.gateway.kubesphere.io \"{gatewayName}\" already exists");

        var scope = old["spec"]?["controller"]?["scope"] as JsonObject ?? new JsonObject();
        var type = gatewayName == "kubesphere-router-kubesphere-system" ? "cluster" : "project";
        var labels = old["metadata"]?["labels"]?.DeepClone() as JsonObject ?? new JsonObject();
        labels["kubesphere.io/gateway-type"] = type;
        if (type == "project")
        {
            // v4.1.3 treats every gateway but the cluster gateway as a project gateway and reads the namespace named
            // after it; a workspace gateway (kubesphere-router-workspace-<ws>) has none, so the job fails here, after
            // the uninstall above.
            var project = gatewayName.StartsWith("kubesphere-router-", StringComparison.Ordinal) ? gatewayName["kubesphere-router-".Length..] : gatewayName;
            var projectNs = run.Cluster.Get("v1", "namespaces", null, project)
                            ?? throw new KsUpgradeFailure($"namespaces \"{project}\" not found");
            if (projectNs.Str("metadata", "labels", "kubesphere.io/workspace") is { } ws) labels["kubesphere.io/workspace"] = ws;
        }
        var serviceType = old.Str("spec", "service", "type") ?? "NodePort";
        var nodePorts = new JsonObject();
        if (old["spec"]?["service"]?["annotations"] is JsonObject ann)
        {
            if (ann.Str("gateway.kubesphere.io/http-nodeport") is { } h) nodePorts["http"] = h;
            if (ann.Str("gateway.kubesphere.io/https-nodeport") is { } s) nodePorts["https"] = s;
        }
        var v2 = K8s.Object(V2, "Gateway", gatewayName, ns, labels, Json.Strings(("kubesphere.io/creator", "admin")));
        v2["spec"] = new JsonObject
        {
            ["appVersion"] = V2AppVersion,
            ["values"] = new JsonObject
            {
                ["fullnameOverride"] = gatewayName,
                ["controller"] = new JsonObject
                {
                    ["electionID"] = $"ingress-controller-leader-{gatewayName}",
                    ["ingressClass"] = gatewayName,
                    ["ingressClassResource"] = new JsonObject { ["enabled"] = true, ["name"] = gatewayName, ["controllerValue"] = $"k8s.io/{gatewayName}" },
                    ["scope"] = scope.DeepClone(),
                    ["service"] = new JsonObject { ["type"] = serviceType, ["nodePorts"] = nodePorts },
                },
            },
        };
        run.Update(v2);
        run.Info("gateway.go:352", $"created gateway {ns}/{gatewayName} ({V2}, appVersion {V2AppVersion})");

        // wait.PollUntilContextTimeout(1 s, 5 min) on release <releaseName>: done when it is deployed or on appVersion
        // 1.12.1. The v3 release is deployed, so this returns at once; a missing release would time out after 5 minutes.
        var release = run.ReleaseHistory(ns, releaseName).Select(h => h.Release).FirstOrDefault();
        if (release is null || (release.Status != "deployed" && release.AppVersion != "1.12.1"))
            throw new KsUpgradeFailure($"wait for release {ns}/{releaseName}: context deadline exceeded");
        run.Info("gateway.go:365", $"release {ns}/{releaseName} is {release.Status} (appVersion {release.AppVersion})");

        // Point the Ingresses without a class at the new gateway (in place).
        var ingressClass = type == "cluster" ? clusterGatewayIngressClass : gatewayName;
        var ingresses = Scoped(run, scope, type).Where(i => i["spec"]?["ingressClassName"] is null).ToList();
        foreach (var ing in ingresses)
        {
            ing["spec"]!["ingressClassName"] = ingressClass;
            run.Update(ing);
            run.Info("gateway.go:401", $"set ingressClassName {ingressClass} on ingress {ing.Namespace()}/{ing.Name()}");
        }
        run.Info("gateway.go:410", $"gateway {gatewayName} upgraded, {ingresses.Count} ingresses updated");
    }

    private static IEnumerable<JsonObject> Scoped(KsUpgradeRun run, JsonObject scope, string type)
    {
        var all = run.Cluster.List("networking.k8s.io/v1", "ingresses");
        if (type == "cluster" || scope["enabled"]?.GetValue<bool>() != true) return all;
        if (scope.Str("namespace") is { Length: > 0 } ns) return all.Where(i => i.Namespace() == ns);
        if (scope.Str("namespaceSelector") is { Length: > 0 } selector)
        {
            var pairs = selector.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToList();
            var namespaces = run.Cluster.List("v1", "namespaces")
                .Where(n => pairs.All(p => n.Str("metadata", "labels", p[0].Trim()) == (p.Length > 1 ? p[1].Trim() : n.Str("metadata", "labels", p[0].Trim()))))
                .Select(n => n.Name()).ToHashSet();
            return all.Where(i => namespaces.Contains(i.Namespace()!));
        }
        return all;
    }
}
