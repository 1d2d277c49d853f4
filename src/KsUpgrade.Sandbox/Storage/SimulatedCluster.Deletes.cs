using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;

namespace KsUpgrade.Sandbox.Storage;

public sealed partial class SimulatedCluster
{
    /// <summary>
    /// Deletes an object. With finalizers (or a namespace) it only gets a deletionTimestamp and stays until they are
    /// gone; otherwise it is removed and its dependents are deleted (Background/Foreground) or orphaned (Orphan).
    /// Returns the object and whether it is gone now.
    /// </summary>
    public (JsonObject Object, bool Gone) DeleteObject(ResourceType t, string? nsArg, string name, DeleteRequest req)
    {
        lock (Store.Gate)
        {
            var ns = t.Namespaced ? nsArg ?? "" : "";
            var current = Store.Get(t.GroupResource, ns, name) ?? throw ApiException.NotFound(t, name);
            if (req.PreconditionUid is { Length: > 0 } uid && uid != ObjectMeta.Uid(current))
                throw ApiException.Conflict(t, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {ObjectMeta.Uid(current)}");
            if (req.PreconditionResourceVersion is { Length: > 0 } rv && rv != ObjectMeta.Str(current, "metadata", "resourceVersion"))
                throw ApiException.Conflict(t, name, "the ResourceVersion in the precondition does not match the ResourceVersion in record. The object might have been modified");
            if (req.DryRun) return (Present(t, current), false);

            var policy = req.PropagationPolicy ?? "Background";
            bool isNamespace = t.Kind == "Namespace" && t.Group.Length == 0;
            if (isNamespace || ObjectMeta.Finalizers(current).Count > 0)
            {
                if (current["metadata"]?["deletionTimestamp"] is null)
                {
                    var next = (JsonObject)current.DeepClone();
                    var meta = ObjectMeta.Meta(next);
                    meta["deletionTimestamp"] = ObjectMeta.Now();
                    meta["deletionGracePeriodSeconds"] = 0;
                    if (policy == "Orphan") AddFinalizer(meta, "orphan");
                    if (isNamespace)
                        next["status"] = new JsonObject { ["phase"] = "Terminating" };
                    Store.Put(t.GroupResource, next);
                    current = next;
                }
                return (Present(t, current), false);
            }
            var gone = FinishDelete(t, ns, name, policy);
            return (Present(t, gone ?? current), true);
        }
    }

    private static void AddFinalizer(JsonObject meta, string finalizer)
    {
        var arr = meta["finalizers"] as JsonArray ?? new JsonArray();
        if (!arr.Any(f => f?.GetValue<string>() == finalizer)) arr.Add(finalizer);
        meta["finalizers"] = arr;
    }

    /// <summary>Removes the object now and handles its dependents.</summary>
    private JsonObject? FinishDelete(ResourceType t, string ns, string name, string policy)
    {
        var removed = Store.Remove(t.GroupResource, ns, name);
        if (removed is null) return null;
        var uid = ObjectMeta.Uid(removed);
        foreach (var (gr, dns, dname) in Store.Dependents(uid))
        {
            var dt = TypeOfGroupResource(gr);
            if (dt is null) continue;
            if (policy == "Orphan")
            {
                var dep = Store.Get(gr, dns, dname);
                if (dep is null) continue;
                var copy = (JsonObject)dep.DeepClone();
                if (copy["metadata"]?["ownerReferences"] is JsonArray refs)
                {
                    var keep = new JsonArray(refs.Where(r => r?["uid"]?.GetValue<string>() != uid).Select(r => r!.DeepClone()).ToArray());
                    if (keep.Count == 0) ObjectMeta.Meta(copy).Remove("ownerReferences"); else ObjectMeta.Meta(copy)["ownerReferences"] = keep;
                }
                Store.Put(gr, copy);
            }
            else
            {
                try { DeleteObject(dt, dns, dname, new DeleteRequest { PropagationPolicy = "Background" }); }
                catch (ApiException) { }
            }
        }
        if (t.Kind == "CustomResourceDefinition" && t.Group == "apiextensions.k8s.io")
        {
            foreach (var ct in ResourceRegistry.TypesOfCrd(removed).Take(1))
                foreach (var (key, _) in Store.List(ct.GroupResource, null))
                {
                    var slash = key.IndexOf('/');
                    Store.Remove(ct.GroupResource, key[..slash], key[(slash + 1)..]);
                }
            Registry.RemoveCrd(name);
        }
        return removed;
    }

    public ResourceType? TypeOfGroupResource(string gr)
    {
        var dot = gr.IndexOf('.');
        return dot < 0 ? Registry.FindGroupResource("", gr) : Registry.FindGroupResource(gr[(dot + 1)..], gr[..dot]);
    }

    /// <summary>
    /// Progress of a terminating namespace: deletes its contents; once nothing is left, removes the namespace.
    /// Called by the controllers. Returns true when the namespace is gone.
    /// </summary>
    public bool ProgressNamespaceDeletion(string ns)
    {
        lock (Store.Gate)
        {
            var nsObj = Store.Get("namespaces", "", ns);
            if (nsObj is null) return true;
            if (nsObj["metadata"]?["deletionTimestamp"] is null) return false;
            bool remaining = false;
            foreach (var t in Registry.All.Where(t => t.Namespaced).GroupBy(t => t.GroupResource).Select(g => g.First()))
            {
                foreach (var (key, obj) in Store.List(t.GroupResource, ns))
                {
                    remaining = true;
                    if (obj["metadata"]?["deletionTimestamp"] is null)
                        DeleteObject(t, ns, ObjectMeta.Name(obj), new DeleteRequest { PropagationPolicy = "Background" });
                }
            }
            if (remaining)
            {
                // Re-check: objects without finalizers are gone already.
                remaining = Registry.All.Where(t => t.Namespaced).Select(t => t.GroupResource).Distinct()
                    .Any(gr => Store.List(gr, ns).Count > 0);
            }
            if (remaining) return false;
            if (ObjectMeta.Finalizers(nsObj).Count > 0) return false;
            FinishDelete(Registry.Find("", "v1", "namespaces")!, "", ns, "Background");
            return true;
        }
    }
}
