using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Controllers;

internal sealed partial class ControllerManager
{
    private static bool IsDefaultClass(JsonObject sc) =>
        ObjectMeta.Str(sc, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class") == "true"
        || ObjectMeta.Str(sc, "metadata", "annotations", "storageclass.beta.kubernetes.io/is-default-class") == "true";

    /// <summary>A pending claim binds (a PV is provisioned) when its StorageClass, or the default one, exists.</summary>
    private void BindClaim(string ns, string name)
    {
        var pvcT = T("", "persistentvolumeclaims");
        var scT = T("storage.k8s.io", "storageclasses");
        var pvT = T("", "persistentvolumes");
        var pvc = _c.Read(pvcT, ns, name);
        if (pvc is null || pvc["metadata"]?["deletionTimestamp"] is not null) return;
        if (ObjectMeta.Str(pvc, "status", "phase") == "Bound") return;
        var spec = pvc["spec"] as JsonObject ?? new JsonObject();
        JsonObject? sc;
        if (spec["storageClassName"] is null)
        {
            sc = _c.Store.List(scT.GroupResource, null).Select(x => x.Obj).FirstOrDefault(IsDefaultClass);
            if (sc is null) return;
        }
        else
        {
            var scName = ObjectMeta.Str(spec, "storageClassName");
            if (string.IsNullOrEmpty(scName)) return;
            sc = _c.Store.Get(scT.GroupResource, "", scName);
            if (sc is null) return;
        }
        var scName2 = ObjectMeta.Name(sc);
        var size = ObjectMeta.Str(spec, "resources", "requests", "storage") ?? "1Gi";
        var accessModes = spec["accessModes"]?.DeepClone() ?? new JsonArray("ReadWriteOnce");
        var pvName = "pvc-" + ObjectMeta.Uid(pvc);
        if (_c.Read(pvT, null, pvName) is null)
        {
            var pv = new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "PersistentVolume",
                ["metadata"] = new JsonObject
                {
                    ["name"] = pvName,
                    ["annotations"] = new JsonObject { ["pv.kubernetes.io/provisioned-by"] = ObjectMeta.Str(sc, "provisioner") ?? "sandbox" },
                },
                ["spec"] = new JsonObject
                {
                    ["capacity"] = new JsonObject { ["storage"] = size },
                    ["accessModes"] = accessModes.DeepClone(),
                    ["persistentVolumeReclaimPolicy"] = ObjectMeta.Str(sc, "reclaimPolicy") ?? "Delete",
                    ["storageClassName"] = scName2,
                    ["volumeMode"] = ObjectMeta.Str(spec, "volumeMode") ?? "Filesystem",
                    ["hostPath"] = new JsonObject { ["path"] = "/var/lib/sandbox/" + pvName },
                    ["claimRef"] = new JsonObject
                    {
                        ["kind"] = "PersistentVolumeClaim", ["apiVersion"] = "v1", ["namespace"] = ns, ["name"] = name,
                        ["uid"] = ObjectMeta.Uid(pvc), ["resourceVersion"] = ObjectMeta.Str(pvc, "metadata", "resourceVersion"),
                    },
                },
                ["status"] = new JsonObject { ["phase"] = "Bound" },
            };
            _c.Create(pvT, null, pv, false);
        }
        var copy = (JsonObject)pvc.DeepClone();
        var cspec = Defaulting.Obj(copy, "spec");
        cspec["storageClassName"] = scName2;
        cspec["volumeName"] = pvName;
        var ann = ObjectMeta.Meta(copy)["annotations"] as JsonObject ?? new JsonObject();
        ann["pv.kubernetes.io/bind-completed"] = "yes";
        ann["pv.kubernetes.io/bound-by-controller"] = "yes";
        ann["volume.kubernetes.io/storage-provisioner"] = ObjectMeta.Str(sc, "provisioner") ?? "sandbox";
        ObjectMeta.Meta(copy)["annotations"] = ann;
        var updated = _c.Update(pvcT, ns, name, copy, false, false);
        SetStatus(pvcT, updated, new JsonObject
        {
            ["phase"] = "Bound",
            ["accessModes"] = accessModes.DeepClone(),
            ["capacity"] = new JsonObject { ["storage"] = size },
        });
    }

    /// <summary>A claim's dynamically provisioned volume goes with it (reclaim policy Delete).</summary>
    private void ReleaseVolume(string pvName)
    {
        var pvT = T("", "persistentvolumes");
        var pv = _c.Read(pvT, null, pvName);
        if (pv is null) return;
        if (ObjectMeta.Str(pv, "spec", "persistentVolumeReclaimPolicy") == "Delete")
            _c.DeleteObject(pvT, null, pvName, new DeleteRequest());
        else
        {
            var copy = (JsonObject)pv.DeepClone();
            SetStatus(pvT, copy, new JsonObject { ["phase"] = "Released" });
        }
    }
}
