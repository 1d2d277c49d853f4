using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Seeds.Building;

/// <summary>Builders for the built-in Kubernetes kinds a seed needs (our own minimal but realistic shapes).</summary>
public static class K8s
{
    /// <summary>Annotation holding a simulated pod's log (newline separated); the sandbox serves it on pods/log.</summary>
    public const string LogAnnotation = "sandbox.ksupgrade.io/log";

    public static JsonObject Object(string apiVersion, string kind, string name, string? ns = null,
        JsonObject? labels = null, JsonObject? annotations = null, string? uidKey = null)
    {
        var meta = new JsonObject { ["name"] = name };
        if (ns is not null) meta["namespace"] = ns;
        if (uidKey is not null) meta["uid"] = SeedIds.Uid(uidKey);
        if (labels is { Count: > 0 }) meta["labels"] = labels;
        if (annotations is { Count: > 0 }) meta["annotations"] = annotations;
        return new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind, ["metadata"] = meta };
    }

    public static JsonObject OwnerRef(JsonObject owner, bool controller = true) => new()
    {
        ["apiVersion"] = owner.ApiVersion(),
        ["kind"] = owner.Kind(),
        ["name"] = owner.Name(),
        ["uid"] = owner.Str("metadata", "uid"),
        ["controller"] = controller,
        ["blockOwnerDeletion"] = true,
    };

    public static void AddOwner(JsonObject obj, JsonObject owner, bool controller = true)
    {
        var meta = obj.Child("metadata");
        if (meta["ownerReferences"] is not JsonArray refs) meta["ownerReferences"] = refs = new JsonArray();
        refs.Add(OwnerRef(owner, controller));
    }

    /// <summary>Marks an object as owned by a Helm release (adoptable/managed metadata).</summary>
    public static JsonObject HelmManaged(JsonObject obj, string release, string releaseNs)
    {
        obj.Labels()["app.kubernetes.io/managed-by"] = "Helm";
        obj.Annotations()["meta.helm.sh/release-name"] = release;
        obj.Annotations()["meta.helm.sh/release-namespace"] = releaseNs;
        return obj;
    }

    public static JsonObject Condition(string type, string status, string? reason = null, string? message = null, double minutes = 0)
    {
        var c = new JsonObject { ["type"] = type, ["status"] = status, ["lastTransitionTime"] = SeedIds.Time(minutes) };
        if (reason is not null) c["reason"] = reason;
        if (message is not null) c["message"] = message;
        return c;
    }

    public static JsonObject Namespace(string name, JsonObject? labels = null, JsonObject? annotations = null)
    {
        labels ??= new JsonObject();
        labels["kubernetes.io/metadata.name"] = name;
        var ns = Object("v1", "Namespace", name, null, labels, annotations, uidKey: "ns/" + name);
        ns["spec"] = new JsonObject { ["finalizers"] = Json.Array("kubernetes") };
        ns["status"] = new JsonObject { ["phase"] = "Active" };
        return ns;
    }

    public static JsonObject ConfigMap(string ns, string name, JsonObject data, JsonObject? labels = null, JsonObject? annotations = null)
    {
        var cm = Object("v1", "ConfigMap", name, ns, labels, annotations);
        cm["data"] = data;
        return cm;
    }

    /// <summary>A Secret; <paramref name="data"/> values are plain text and get base64-encoded here.</summary>
    public static JsonObject Secret(string ns, string name, string type, IEnumerable<KeyValuePair<string, string>> data,
        JsonObject? labels = null, JsonObject? annotations = null)
    {
        var s = Object("v1", "Secret", name, ns, labels, annotations);
        s["type"] = type;
        var d = new JsonObject();
        foreach (var (k, v) in data) d[k] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(v));
        s["data"] = d;
        return s;
    }

    public static JsonObject ServiceAccount(string ns, string name, JsonObject? labels = null) =>
        Object("v1", "ServiceAccount", name, ns, labels);

    public static JsonObject Service(string ns, string name, JsonObject selector, IEnumerable<(string Name, int Port, int TargetPort, int? NodePort)> ports,
        string type = "ClusterIP", JsonObject? labels = null, string? clusterIp = null)
    {
        var svc = Object("v1", "Service", name, ns, labels);
        var portArr = new JsonArray();
        foreach (var (pn, port, target, nodePort) in ports)
        {
            var p = new JsonObject { ["name"] = pn, ["protocol"] = "TCP", ["port"] = port, ["targetPort"] = target };
            if (nodePort is int np) p["nodePort"] = np;
            portArr.Add(p);
        }
        var ip = clusterIp ?? SeedIds.ServiceIp(ns + "/" + name);
        svc["spec"] = new JsonObject
        {
            ["type"] = type,
            ["selector"] = selector,
            ["ports"] = portArr,
            ["clusterIP"] = ip,
            ["clusterIPs"] = Json.Array(ip),
            ["sessionAffinity"] = "None",
            ["ipFamilies"] = Json.Array("IPv4"),
            ["ipFamilyPolicy"] = "SingleStack",
            ["internalTrafficPolicy"] = "Cluster",
        };
        if (type == "NodePort") svc["spec"]!["externalTrafficPolicy"] = "Cluster";
        svc["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
        return svc;
    }

    public static JsonObject Container(string name, string image, IEnumerable<string>? args = null, int? port = null)
    {
        var c = new JsonObject
        {
            ["name"] = name,
            ["image"] = image,
            ["imagePullPolicy"] = "IfNotPresent",
            ["resources"] = new JsonObject(),
            ["terminationMessagePath"] = "/dev/termination-log",
            ["terminationMessagePolicy"] = "File",
        };
        if (args is not null) c["args"] = Json.StringArray(args);
        if (port is int p) c["ports"] = Json.Array(new JsonObject { ["containerPort"] = p, ["protocol"] = "TCP" });
        return c;
    }

    public static JsonObject PodSpec(IEnumerable<JsonObject> containers, string? serviceAccount = null)
    {
        var spec = new JsonObject
        {
            ["containers"] = Json.Array(containers),
            ["restartPolicy"] = "Always",
            ["dnsPolicy"] = "ClusterFirst",
            ["schedulerName"] = "default-scheduler",
            ["terminationGracePeriodSeconds"] = 30,
            ["securityContext"] = new JsonObject(),
        };
        if (serviceAccount is not null)
        {
            spec["serviceAccountName"] = serviceAccount;
            spec["serviceAccount"] = serviceAccount;
        }
        return spec;
    }

    public static JsonObject StorageClass(string name, string provisioner, bool isDefault)
    {
        var ann = new JsonObject();
        if (isDefault) ann["storageclass.kubernetes.io/is-default-class"] = "true";
        var sc = Object("storage.k8s.io/v1", "StorageClass", name, null, null, ann);
        sc["provisioner"] = provisioner;
        sc["reclaimPolicy"] = "Delete";
        sc["volumeBindingMode"] = "Immediate";
        return sc;
    }

    /// <summary>A bound PVC and the PV it is bound to.</summary>
    public static (JsonObject Pvc, JsonObject Pv) BoundClaim(string ns, string name, string size, string storageClass, JsonObject? labels = null)
    {
        var pvc = Object("v1", "PersistentVolumeClaim", name, ns, labels, Json.Strings(
            ("pv.kubernetes.io/bind-completed", "yes"), ("pv.kubernetes.io/bound-by-controller", "yes"),
            ("volume.beta.kubernetes.io/storage-provisioner", "openebs.io/local")), uidKey: $"pvc/{ns}/{name}");
        var pvName = "pvc-" + pvc.Str("metadata", "uid");
        pvc["spec"] = new JsonObject
        {
            ["accessModes"] = Json.Array("ReadWriteOnce"),
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = size } },
            ["storageClassName"] = storageClass,
            ["volumeMode"] = "Filesystem",
            ["volumeName"] = pvName,
        };
        pvc["status"] = new JsonObject
        {
            ["phase"] = "Bound",
            ["accessModes"] = Json.Array("ReadWriteOnce"),
            ["capacity"] = new JsonObject { ["storage"] = size },
        };
        var pv = Object("v1", "PersistentVolume", pvName, null, null, Json.Strings(("pv.kubernetes.io/provisioned-by", "openebs.io/local")));
        pv["spec"] = new JsonObject
        {
            ["accessModes"] = Json.Array("ReadWriteOnce"),
            ["capacity"] = new JsonObject { ["storage"] = size },
            ["claimRef"] = new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "PersistentVolumeClaim", ["namespace"] = ns, ["name"] = name,
                ["uid"] = pvc.Str("metadata", "uid"),
            },
            ["persistentVolumeReclaimPolicy"] = "Delete",
            ["storageClassName"] = storageClass,
            ["volumeMode"] = "Filesystem",
            ["hostPath"] = new JsonObject { ["path"] = "/var/openebs/local/" + pvName, ["type"] = "" },
        };
        pv["status"] = new JsonObject { ["phase"] = "Bound" };
        return (pvc, pv);
    }

    public static JsonObject Ingress(string ns, string name, string host, string service, int port, string? ingressClassName = null)
    {
        var ing = Object("networking.k8s.io/v1", "Ingress", name, ns, null, Json.Strings(("kubesphere.io/creator", "admin")));
        var spec = new JsonObject
        {
            ["rules"] = Json.Array(new JsonObject
            {
                ["host"] = host,
                ["http"] = new JsonObject
                {
                    ["paths"] = Json.Array(new JsonObject
                    {
                        ["path"] = "/",
                        ["pathType"] = "ImplementationSpecific",
                        ["backend"] = new JsonObject
                        {
                            ["service"] = new JsonObject { ["name"] = service, ["port"] = new JsonObject { ["number"] = port } },
                        },
                    }),
                },
            }),
        };
        if (ingressClassName is not null) spec["ingressClassName"] = ingressClassName;
        ing["spec"] = spec;
        ing["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
        return ing;
    }
}
