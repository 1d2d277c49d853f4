using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KsUpgrade.Sandbox.Api;

namespace KsUpgrade.Sandbox.Storage;

public sealed partial class SimulatedCluster
{
    private static readonly Regex DnsSubdomain = new(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.Compiled);

    /// <summary>Creates an object through the API (status of status-subresource kinds is reset, as the real server does).</summary>
    public JsonObject Create(ResourceType t, string? ns, JsonObject body, bool dryRun)
    {
        lock (Store.Gate)
            return Present(t, CreateCore(t, t.Namespaced ? ns ?? "" : "", body, dryRun, fromApi: true));
    }

    /// <summary>Replaces an object through the API (PUT), or only its status when <paramref name="statusOnly"/>.</summary>
    public JsonObject Update(ResourceType t, string? ns, string name, JsonObject body, bool statusOnly, bool dryRun)
    {
        lock (Store.Gate)
            return Present(t, UpdateCore(t, t.Namespaced ? ns ?? "" : "", name, body, statusOnly, dryRun, fromApi: true));
    }

    private JsonObject CreateCore(ResourceType t, string ns, JsonObject body, bool dryRun, bool fromApi)
    {
        var meta = ObjectMeta.Meta(body);
        var bodyNs = ObjectMeta.Str(meta, "namespace");
        if (t.Namespaced)
        {
            if (string.IsNullOrEmpty(ns)) ns = bodyNs ?? "";
            if (string.IsNullOrEmpty(ns))
                throw ApiException.BadRequest("the namespace of the object must be set");
            if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            meta["namespace"] = ns;
            var nsObj = Store.Get("namespaces", "", ns);
            if (nsObj is null)
                throw new ApiException(404, "NotFound", $"namespaces \"{ns}\" not found",
                    new JsonObject { ["name"] = ns, ["kind"] = "namespaces" });
            if (fromApi && nsObj["metadata"]?["deletionTimestamp"] is not null)
                throw new ApiException(403, "Forbidden",
                    $"{t.Plural} \"{ObjectMeta.Str(meta, "name")}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                    new JsonObject { ["name"] = ObjectMeta.Str(meta, "name"), ["group"] = t.Group, ["kind"] = t.Plural });
        }
        else
        {
            meta.Remove("namespace");
        }

        var name = ObjectMeta.Str(meta, "name");
        if (string.IsNullOrEmpty(name))
        {
            var gen = ObjectMeta.Str(meta, "generateName");
            if (string.IsNullOrEmpty(gen))
                throw ApiException.Invalid(t, "", "metadata.name: Required value: name or generateName is required");
            do name = gen + ObjectMeta.RandomSuffix(); while (Store.Get(t.GroupResource, ns, name) is not null);
            meta["name"] = name;
        }
        if (name.Length > 253 || !DnsSubdomain.IsMatch(name))
            throw ApiException.Invalid(t, name, $"metadata.name: Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
        if (Store.Get(t.GroupResource, ns, name) is not null)
            throw ApiException.AlreadyExists(t, name);

        body["apiVersion"] = t.ApiVersion;
        body["kind"] = t.Kind;
        if (fromApi || meta["uid"] is null)
        {
            // A seed loads the same every time: an object it gives without a uid gets one derived from its key.
            meta["uid"] = _loading && !fromApi
                ? KsUpgrade.Sandbox.Seeds.Building.SeedIds.Uid($"{ClusterName}/{t.GroupResource}/{ns}/{name}")
                : Guid.NewGuid().ToString();
        }
        if (fromApi || meta["creationTimestamp"] is null)
        {
            // Likewise its creation time: the moment the seed's cluster was installed.
            meta["creationTimestamp"] = _loading && !fromApi ? KsUpgrade.Sandbox.Seeds.Building.SeedIds.Time() : ObjectMeta.Now();
        }
        meta.Remove("resourceVersion");
        if (fromApi)
        {
            meta.Remove("deletionTimestamp");
            meta.Remove("deletionGracePeriodSeconds");
            if (t.HasStatus && t.Kind is not ("Pod" or "Node" or "Namespace" or "PersistentVolume" or "PersistentVolumeClaim" or "CustomResourceDefinition"))
                body.Remove("status");
        }
        if (HasGeneration(t, body)) meta["generation"] = 1;
        Defaulting.OnCreate(this, t, body, fromApi);
        Validation.Validate(t, body);
        if (t.Kind == "CustomResourceDefinition") PrepareCrd(t, body, null);
        if (dryRun) return body;
        Store.Put(t.GroupResource, body, recordEvent: !_loading);
        if (t.Kind == "CustomResourceDefinition") Registry.ApplyCrd(body);
        return body;
    }

    private JsonObject UpdateCore(ResourceType t, string ns, string name, JsonObject body, bool statusOnly, bool dryRun, bool fromApi)
    {
        var current = Store.Get(t.GroupResource, ns, name) ?? throw ApiException.NotFound(t, name);
        var meta = ObjectMeta.Meta(body);
        var bodyName = ObjectMeta.Str(meta, "name");
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
            throw ApiException.BadRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")");
        var bodyNs = ObjectMeta.Str(meta, "namespace");
        if (t.Namespaced && !string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        var currentRv = ObjectMeta.Str(current, "metadata", "resourceVersion");
        var bodyRv = ObjectMeta.Str(meta, "resourceVersion");
        if (!string.IsNullOrEmpty(bodyRv) && bodyRv != currentRv)
            throw ApiException.Conflict(t, name, "the object has been modified; please apply your changes to the latest version and try again");

        JsonObject next;
        if (statusOnly)
        {
            next = (JsonObject)current.DeepClone();
            if (body["status"] is JsonNode st) next["status"] = st.DeepClone(); else next.Remove("status");
        }
        else
        {
            next = (JsonObject)body.DeepClone();
            var nm = ObjectMeta.Meta(next);
            var cm = (JsonObject)current["metadata"]!;
            foreach (var keep in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
            {
                if (cm[keep] is JsonNode v) nm[keep] = v.DeepClone(); else nm.Remove(keep);
            }
            if (nm["managedFields"] is null && cm["managedFields"] is JsonNode mf) nm["managedFields"] = mf.DeepClone();
            nm["name"] = name;
            if (t.Namespaced) nm["namespace"] = ns; else nm.Remove("namespace");
            if (fromApi && t.HasStatus)
            {
                if (current["status"] is JsonNode st) next["status"] = st.DeepClone(); else next.Remove("status");
            }
            next["apiVersion"] = t.ApiVersion;
            next["kind"] = t.Kind;
            Defaulting.OnUpdate(this, t, next, current);
            if (HasGeneration(t, next) && SpecChanged(current, next))
                nm["generation"] = (ObjectMeta.Long(current, "metadata", "generation") ?? 0) + 1;
        }
        Validation.Validate(t, next);
        if (t.Kind == "CustomResourceDefinition") PrepareCrd(t, next, statusOnly ? next.DeepClone().AsObject() : current); // a status write sets storedVersions itself

        // A no-op write keeps the resourceVersion, as the real server does.
        var cmp = (JsonObject)next.DeepClone();
        ObjectMeta.Meta(cmp)["resourceVersion"] = currentRv;
        if (ObjectMeta.JsonEquals(cmp, current)) return current;
        if (dryRun) { ObjectMeta.Meta(next)["resourceVersion"] = currentRv; return next; }

        if (next["metadata"]?["deletionTimestamp"] is not null && ObjectMeta.Finalizers(next).Count == 0)
        {
            Store.Put(t.GroupResource, next);
            FinishDelete(t, ns, name, "Background");
            return next;
        }
        Store.Put(t.GroupResource, next);
        if (t.Kind == "CustomResourceDefinition") Registry.ApplyCrd(next);
        return next;
    }

    private static bool HasGeneration(ResourceType t, JsonObject obj) =>
        t.FromCrd || t.Kind == "CustomResourceDefinition" || (obj["spec"] is not null && t.Kind is not ("Namespace" or "Node" or "Service" or "PersistentVolume" or "PersistentVolumeClaim" or "Lease"));

    private static bool SpecChanged(JsonObject a, JsonObject b)
    {
        var keys = a.Select(kv => kv.Key).Concat(b.Select(kv => kv.Key)).Distinct()
            .Where(k => k is not ("metadata" or "status" or "apiVersion" or "kind"));
        return keys.Any(k => !ObjectMeta.JsonEquals(a[k], b[k]));
    }

    /// <summary>
    /// A CRD is accepted and established at once. status.storedVersions keeps every version objects were ever stored in
    /// (the earlier ones and the new storage version), and an update whose spec.versions no longer lists one of them is
    /// refused with 422, as the API server's CRD validation does (until storedVersions is migrated).
    /// </summary>
    private void PrepareCrd(ResourceType t, JsonObject crd, JsonObject? current)
    {
        var names = crd["spec"]?["names"]?.DeepClone() as JsonObject ?? new JsonObject();
        var declared = (crd["spec"]?["versions"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().ToList();
        var stored = new List<string>();
        foreach (var v in current?["status"]?["storedVersions"] as JsonArray ?? new JsonArray())
            if (v?.GetValue<string>() is { } name && !stored.Contains(name)) stored.Add(name);
        foreach (var v in declared)
            if (v["storage"]?.GetValue<bool>() == true && v["name"]?.GetValue<string>() is { } name && !stored.Contains(name)) stored.Add(name);
        for (var i = 0; i < stored.Count; i++)
            if (declared.All(v => v["name"]?.GetValue<string>() != stored[i]))
                throw ApiException.Invalid(t, ObjectMeta.Str(crd, "metadata", "name") ?? "", $"status.storedVersions[{i}]: Invalid value: \"{stored[i]}\": must appear in spec.versions");
        var storedVersions = new JsonArray(stored.Select(s => (JsonNode?)s).ToArray());
        // A seeded CRD was established when its cluster was installed.
        var now = _loading ? KsUpgrade.Sandbox.Seeds.Building.SeedIds.Time() : ObjectMeta.Now();
        crd["status"] = new JsonObject
        {
            ["acceptedNames"] = names,
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "NamesAccepted", ["status"] = "True", ["reason"] = "NoConflicts", ["message"] = "no conflicts found", ["lastTransitionTime"] = now },
                new JsonObject { ["type"] = "Established", ["status"] = "True", ["reason"] = "InitialNamesAccepted", ["message"] = "the initial names have been accepted", ["lastTransitionTime"] = now }),
            ["storedVersions"] = storedVersions,
        };
    }
}
