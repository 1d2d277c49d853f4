using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Seeds.Files;

namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>
/// KubeSphere core in kubesphere-system: ClusterConfiguration ks-installer, kubesphere-config, ks-installer, the
/// ks-apiserver/console/controller-manager workloads, the 3.4 <c>ks-core</c> Helm release (chart 0.1.0, appVersion v3.3.2).
/// </summary>
public static class KubeSpherePart
{
    public const string Ns = "kubesphere-system";
    public const string ControlsNs = "kubesphere-controls-system";

    public static void Add(SeedContext ctx)
    {
        var p = ctx.Profile;
        ctx.Add(ClusterConfiguration(p, ctx.Masters.Count()));
        ctx.Add(KubesphereConfig(p));

        // ks-installer (not part of any Helm release).
        ctx.Add(K8s.ServiceAccount(Ns, "ks-installer"));
        ctx.Deployment(Ns, "ks-installer",
            K8s.PodSpec(new[] { K8s.Container("installer", ctx.KsImage("ks-installer")) }, "ks-installer"), 1,
            labels: Json.Strings(("app", "ks-installer")), selector: Json.Strings(("app", "ks-installer")),
            log: _ => PodLogs.KsInstaller(p.KsVersion, ctx.Masters.First().Ip, p.IsHost));

        // Objects of the 3.4 ks-core release.
        var manifest = new HelmManifest();
        void Owned(string template, JsonObject o)
        {
            K8s.HelmManaged(o, "ks-core", Ns);
            manifest.Add("ks-core/templates/" + template, o);
            ctx.Add(o);
        }

        Owned("serviceaccount.yaml", K8s.ServiceAccount(Ns, "kubesphere", Json.Strings(("app.kubernetes.io/name", "ks-core"))));
        Owned("serviceaccount.yaml", K8s.Secret(Ns, "kubesphere-sa-token", "kubernetes.io/service-account-token",
            new Dictionary<string, string> { ["namespace"] = Ns, ["token"] = "sandbox-" + SeedIds.Hex("satoken/" + p.ClusterName, 24) },
            annotations: Json.Strings(("kubernetes.io/service-account.name", "kubesphere"))));
        var crb = K8s.Object("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "kubesphere");
        crb["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = "cluster-admin" };
        crb["subjects"] = Json.Array(new JsonObject { ["kind"] = "ServiceAccount", ["name"] = "kubesphere", ["namespace"] = Ns });
        Owned("serviceaccount.yaml", crb);
        Owned("ks-controller-manager-webhook-cert.yaml", K8s.Secret(Ns, "ks-controller-manager-webhook-cert", "Opaque",
            new Dictionary<string, string> { ["ca.crt"] = "sandbox-ca", ["tls.crt"] = "sandbox-cert", ["tls.key"] = "sandbox-key" }));
        Owned("ks-console-config.yml", K8s.ConfigMap(Ns, "ks-console-config", new JsonObject
        {
            ["local_config.yaml"] = "server:\n  http:\n    hostname: localhost\n    port: 8000\n  apiServer:\n    url: http://ks-apiserver\n",
        }));
        Owned("ks-router-config.yaml", K8s.ConfigMap(Ns, "ks-router-config", new JsonObject
        {
            ["ingress-controller"] = "kubesphere/nginx-ingress-controller:v1.3.1",
        }));

        var comps = new List<(string Name, int Port, IEnumerable<string> Log)>
        {
            ("ks-apiserver", 9090, PodLogs.KsApiserver(p.KsVersion)),
            ("ks-controller-manager", 8443, PodLogs.KsControllerManager()),
        };
        if (p.IsHost) comps.Add(("ks-console", 8000, PodLogs.KsConsole()));
        foreach (var (name, port, log) in comps)
        {
            var tier = name == "ks-console" ? "frontend" : "backend";
            var labels = Json.Strings(("app", name), ("tier", tier), ("version", p.KsVersion));
            var set = Workloads.Deployment(Ns, name,
                K8s.PodSpec(new[] { K8s.Container(name, ctx.KsImage(name), port: port) }, "kubesphere"),
                ctx.PickNodes(1, name, masters: true), (n, _) => ctx.NextPodIp(n), labels, _ => log,
                Json.Strings(("app", name), ("tier", tier)));
            Owned($"{name}.yml", set.Controller);
            ctx.Add(set.ReplicaSet!);
            ctx.AddRange(set.Pods);
            var svc = name == "ks-console"
                ? K8s.Service(Ns, name, Json.Strings(("app", name), ("tier", "frontend")), new[] { ("nginx", 80, 8000, (int?)30880) }, "NodePort", Json.Strings(("app", name)))
                : K8s.Service(Ns, name, Json.Strings(("app", name), ("tier", "backend")), new[] { ("http", name == "ks-apiserver" ? 80 : 443, port, (int?)null) }, labels: Json.Strings(("app", name)));
            Owned($"{name}.yml", svc);
        }

        // default-http-backend in the gateway namespace (also from the ks-core release).
        var backend = Workloads.Deployment(ControlsNs, "default-http-backend",
            K8s.PodSpec(new[] { K8s.Container("default-http-backend", "kubesphere/defaultbackend-amd64:1.4", port: 8080) }),
            ctx.PickNodes(1, "default-http-backend"), (n, _) => ctx.NextPodIp(n), log: _ => PodLogs.Generic("default-http-backend"),
            selectorLabels: Json.Strings(("app", "kubesphere"), ("component", "kubesphere-router")));
        Owned("default-http-backend.yaml", backend.Controller);
        ctx.Add(backend.ReplicaSet!);
        ctx.AddRange(backend.Pods);
        Owned("default-http-backend.yaml", K8s.Service(ControlsNs, "default-http-backend",
            Json.Strings(("app", "kubesphere"), ("component", "kubesphere-router")), new[] { ("http", 80, 8080, (int?)null) }));

        // Webhooks served by ks-controller-manager (ks-upgrade core prepare backs these up and deletes them).
        foreach (var wh in new[] { "users.iam.kubesphere.io", "network.kubesphere.io", "resourcesquotas.quota.kubesphere.io" })
            Owned("webhooks.yaml", Webhook(wh));

        if (p.IsHost)
        {
            ctx.Deployment(Ns, "tower", K8s.PodSpec(new[] { K8s.Container("tower", "kubesphere/tower:v0.2.1", new[] { "--ca-cert=/etc/kubesphere/pki/ca.crt" }, 8080) }, "kubesphere"), 1,
                log: _ => PodLogs.Generic("tower"));
            ctx.Add(K8s.Service(Ns, "tower", Json.Strings(("app", "tower")), new[] { ("tcp", 8080, 8080, (int?)31975) }, "LoadBalancer", Json.Strings(("app", "tower"))));
        }

        // Release history: revision 1 (install) superseded by revision 2 (ks-installer re-runs helm upgrade --install).
        var text = manifest.ToString();
        var values = new JsonObject { ["config"] = new JsonObject { ["create"] = false }, ["console"] = new JsonObject { ["port"] = 30880 } };
        ctx.Add(HelmReleaseSecret.Build("ks-core", Ns, 1, "superseded", "ks-core", "0.1.0", "v3.3.2", values, text, SeedIds.InstalledAt.AddMinutes(5)));
        ctx.Add(HelmReleaseSecret.Build("ks-core", Ns, 2, "deployed", "ks-core", "0.1.0", "v3.3.2", values, text, SeedIds.InstalledAt.AddMinutes(9)));
    }

    private static JsonObject Webhook(string name)
    {
        var wh = K8s.Object("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", name);
        wh["webhooks"] = Json.Array(new JsonObject
        {
            ["name"] = name,
            ["admissionReviewVersions"] = Json.Array("v1beta1"),
            ["clientConfig"] = new JsonObject
            {
                ["caBundle"] = "c2FuZGJveC1jYQ==",
                ["service"] = new JsonObject { ["name"] = "ks-controller-manager", ["namespace"] = Ns, ["path"] = "/validate-" + name.Split('.')[0], ["port"] = 443 },
            },
            ["failurePolicy"] = "Ignore",
            ["matchPolicy"] = "Exact",
            ["sideEffects"] = "None",
            ["timeoutSeconds"] = 30,
            ["rules"] = Json.Array(new JsonObject
            {
                ["apiGroups"] = Json.Array(name.Split('.', 2)[1]),
                ["apiVersions"] = Json.Array("*"),
                ["operations"] = Json.Array("CREATE", "UPDATE"),
                ["resources"] = Json.Array(name.Split('.')[0]),
                ["scope"] = "*",
            }),
        });
        return wh;
    }

    private static string EnabledTime(double minutes) => SeedIds.InstalledAt.AddMinutes(minutes).ToString("yyyy-MM-dd'T'HH:mm:ss") + "UTC";

    public static JsonObject ClusterConfiguration(Ks34Profile p, int masters)
    {
        var cc = K8s.Object("installer.kubesphere.io/v1alpha1", "ClusterConfiguration", "ks-installer", Ns, Json.Strings(("version", p.KsVersion)));
        var spec = YamlJson.Parse($$"""
            persistence:
              storageClass: ""
            authentication:
              jwtSecret: ""
            local_registry: ""
            etcd:
              monitoring: false
              endpointIps: localhost
              port: 2379
              tlsEnable: true
            common:
              core:
                console:
                  enableMultiLogin: true
                  port: 30880
                  type: NodePort
              redis:
                enabled: true
                enableHA: {{(p.RedisHa ? "true" : "false")}}
                volumeSize: 2Gi
              openldap:
                enabled: false
                volumeSize: 2Gi
              minio:
                volumeSize: 20Gi
              monitoring:
                endpoint: http://prometheus-operated.kubesphere-monitoring-system.svc:9090
                GPUMonitoring:
                  enabled: false
              es:
                enabled: false
                logMaxAge: 7
                elkPrefix: logstash
            alerting:
              enabled: false
            auditing:
              enabled: false
            devops:
              enabled: false
            events:
              enabled: false
            logging:
              enabled: true
              logsidecar:
                enabled: true
                replicas: 2
            metrics_server:
              enabled: false
            monitoring:
              storageClass: ""
              node_exporter:
                port: 9100
              gpu:
                nvidia_dcgm_exporter:
                  enabled: false
            multicluster:
              clusterRole: {{p.Role}}
            network:
              networkpolicy:
                enabled: true
              ippool:
                type: none
              topology:
                type: none
            openpitrix:
              store:
                enabled: false
            servicemesh:
              enabled: false
            edgeruntime:
              enabled: false
              kubeedge:
                enabled: false
            gatekeeper:
              enabled: false
            terminal:
              timeout: 600
            """)!.AsObject();
        cc["spec"] = spec;
        var status = new JsonObject();
        var minute = 3.0;
        foreach (var c in new[] { "core", "redis", "fluentbit", "logging", "monitoring", "multicluster" })
        {
            var s = new JsonObject { ["status"] = "enabled", ["enabledTime"] = EnabledTime(minute += 0.7) };
            if (c == "core") s["version"] = p.KsVersion;
            status[c] = s;
        }
        status["clusterId"] = SeedIds.Uid("clusterid/" + p.ClusterName);
        cc["status"] = status;
        return cc;
    }

    public static JsonObject KubesphereConfig(Ks34Profile p)
    {
        var multicluster = p.IsHost
            ? $"  clusterRole: host\n  enable: true\n  agentImage: kubesphere/tower:v0.2.1\n  proxyPublishService: tower.kubesphere-system.svc\n  hostClusterName: {p.ClusterName}\n"
            : "  clusterRole: member\n  enable: false\n";
        var yaml =
            "authentication:\n" +
            "  authenticateRateLimiterMaxTries: 10\n" +
            "  authenticateRateLimiterDuration: 10m0s\n" +
            "  loginHistoryRetentionPeriod: 168h\n" +
            "  maximumClockSkew: 10s\n" +
            "  multipleLogin: true\n" +
            "  kubectlImage: kubesphere/kubectl:v1.22.0\n" +
            $"  jwtSecret: \"sandbox{SeedIds.Hex("jwt/" + p.JwtSecretOf, 24)}\"\n" +
            "  oauthOptions:\n" +
            "    accessTokenMaxAge: 2h\n" +
            "    accessTokenInactivityTimeout: 30m\n" +
            "network:\n" +
            "  ippoolType: none\n" +
            "monitoring:\n" +
            "  endpoint: http://prometheus-operated.kubesphere-monitoring-system.svc:9090\n" +
            "  enableGPUMonitoring: false\n" +
            "notification:\n" +
            "  endpoint: http://notification-manager-svc.kubesphere-monitoring-system.svc:19093\n" +
            "gateway:\n" +
            "  watchesPath: /var/helm-charts/watches.yaml\n" +
            "  repository: kubesphere/nginx-ingress-controller\n" +
            "  tag: v1.3.1\n" +
            $"  namespace: {ControlsNs}\n" +
            "multicluster:\n" + multicluster +
            "terminal:\n" +
            "  image: alpine:3.14\n" +
            "  timeout: 600\n";
        return K8s.ConfigMap(Ns, "kubesphere-config", new JsonObject { ["kubesphere.yaml"] = yaml });
    }
}
