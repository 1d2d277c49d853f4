using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api.Selectors;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Controllers;

internal sealed partial class ControllerManager
{
    private const string HashLabel = "pod-template-hash";
    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    /// <summary>Template equality as typed clients see it: ignoring the hash label, nulls and empty objects/lists.</summary>
    private static bool EqualIgnoreHash(JsonNode? a, JsonNode? b)
    {
        var x = a?.DeepClone() as JsonObject;
        var y = b?.DeepClone() as JsonObject;
        (x?["metadata"]?["labels"] as JsonObject)?.Remove(HashLabel);
        (y?["metadata"]?["labels"] as JsonObject)?.Remove(HashLabel);
        return JsonNode.DeepEquals(DropEmpty(x), DropEmpty(y));
    }

    private static JsonNode? DropEmpty(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(kv => kv.Key).ToList())
                {
                    var v = DropEmpty(o[key]);
                    if (v is null) o.Remove(key);
                }
                return o.Count == 0 ? null : o;
            case JsonArray arr:
                for (int i = 0; i < arr.Count; i++) DropEmpty(arr[i]);
                return arr.Count == 0 ? null : arr;
            default:
                return node;
        }
    }

    private void ReconcileDeployment(string ns, string name)
    {
        var dt = T("apps", "deployments");
        var rst = T("apps", "replicasets");
        var d = _c.Read(dt, ns, name);
        if (d is null || d["metadata"]?["deletionTimestamp"] is not null) return;
        var uid = ObjectMeta.Uid(d);
        long replicas = ObjectMeta.Long(d, "spec", "replicas") ?? 1;
        var template = d["spec"]?["template"] as JsonObject ?? new JsonObject();
        var selector = d["spec"]?["selector"] as JsonObject ?? new JsonObject();
        bool paused = d["spec"]?["paused"]?.GetValue<bool>() == true;

        var all = _c.Store.List(rst.GroupResource, ns).Select(x => x.Obj).ToList();
        var owned = all.Where(rs => ObjectMeta.IsOwnedBy(rs, uid)).Select(rs => _c.Present(rst, rs)).ToList();
        // Adopt orphaned replica sets the selector matches (e.g. seeded ones).
        foreach (var orphan in all.Where(rs => !HasControllerOwner(rs) && LabelSelector.FromJson(selector).Matches(rs["metadata"]?["labels"] as JsonObject)))
        {
            var copy = _c.Present(rst, orphan);
            ObjectMeta.Meta(copy)["ownerReferences"] = new JsonArray(ObjectMeta.OwnerRef(d, "apps/v1", "Deployment"));
            owned.Add(_c.Update(rst, ns, ObjectMeta.Name(copy), copy, false, false));
        }

        var newRs = owned.FirstOrDefault(rs => EqualIgnoreHash(rs["spec"]?["template"], template));
        long maxRevision = owned.Select(rs => long.TryParse(ObjectMeta.Str(rs, "metadata", "annotations", RevisionAnnotation), out var r) ? r : 0).DefaultIfEmpty(0).Max();
        if (newRs is null && !paused)
        {
            var hash = ObjectMeta.Hash(template);
            var rsTemplate = (JsonObject)template.DeepClone();
            var tmeta = Storage.Defaulting.Obj(rsTemplate, "metadata");
            var tlabels = tmeta["labels"] as JsonObject ?? new JsonObject();
            tlabels[HashLabel] = hash;
            tmeta["labels"] = tlabels;
            var rsSelector = (JsonObject)selector.DeepClone();
            var ml = rsSelector["matchLabels"] as JsonObject ?? new JsonObject();
            ml[HashLabel] = hash;
            rsSelector["matchLabels"] = ml;
            var rsName = name + "-" + hash;
            if (_c.Read(rst, ns, rsName) is not null) rsName = name + "-" + hash + ObjectMeta.RandomSuffix(3);
            var rs = new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "ReplicaSet",
                ["metadata"] = new JsonObject
                {
                    ["name"] = rsName,
                    ["namespace"] = ns,
                    ["labels"] = tlabels.DeepClone(),
                    ["annotations"] = new JsonObject
                    {
                        [RevisionAnnotation] = (maxRevision + 1).ToString(),
                        ["deployment.kubernetes.io/desired-replicas"] = replicas.ToString(),
                    },
                    ["ownerReferences"] = new JsonArray(ObjectMeta.OwnerRef(d, "apps/v1", "Deployment")),
                },
                ["spec"] = new JsonObject { ["replicas"] = replicas, ["selector"] = rsSelector, ["template"] = rsTemplate },
            };
            newRs = _c.Create(rst, ns, rs, false);
            owned.Add(newRs);
            if (replicas > 0) RecordScaling(d, rsName, 0, replicas);
        }
        if (newRs is not null)
            AdoptOrphanPods(ns, selector, newRs);
        if (newRs is not null && !paused)
        {
            // A rollback reuses the old replica set, which becomes the newest revision.
            long rsRevision = long.TryParse(ObjectMeta.Str(newRs, "metadata", "annotations", RevisionAnnotation), out var rr) ? rr : 0;
            if (rsRevision < maxRevision)
            {
                var copy = (JsonObject)newRs.DeepClone();
                var ann = ObjectMeta.Meta(copy)["annotations"] as JsonObject ?? new JsonObject();
                ann[RevisionAnnotation] = (maxRevision + 1).ToString();
                ObjectMeta.Meta(copy)["annotations"] = ann;
                newRs = _c.Update(rst, ns, ObjectMeta.Name(newRs), copy, false, false);
            }
            if ((ObjectMeta.Long(newRs, "spec", "replicas") ?? 1) is var was && was != replicas)
            {
                var copy = (JsonObject)newRs.DeepClone();
                copy["spec"]!["replicas"] = replicas;
                newRs = _c.Update(rst, ns, ObjectMeta.Name(newRs), copy, false, false);
                RecordScaling(d, ObjectMeta.Name(newRs), was, replicas);
            }
            foreach (var old in owned.Where(rs => ObjectMeta.Uid(rs) != ObjectMeta.Uid(newRs)))
            {
                if ((ObjectMeta.Long(old, "spec", "replicas") ?? 1) == 0) continue;
                var oldReplicas = ObjectMeta.Long(old, "spec", "replicas") ?? 1;
                var copy = (JsonObject)old.DeepClone();
                copy["spec"]!["replicas"] = 0;
                _c.Update(rst, ns, ObjectMeta.Name(old), copy, false, false);
                RecordScaling(d, ObjectMeta.Name(old), oldReplicas, 0);
            }
            // Old, scaled-down replica sets beyond revisionHistoryLimit go.
            long historyLimit = ObjectMeta.Long(d, "spec", "revisionHistoryLimit") ?? 10;
            var oldSets = owned.Where(rs => ObjectMeta.Uid(rs) != ObjectMeta.Uid(newRs))
                .OrderByDescending(rs => long.TryParse(ObjectMeta.Str(rs, "metadata", "annotations", RevisionAnnotation), out var r) ? r : 0)
                .ToList();
            foreach (var surplus in oldSets.Skip((int)Math.Max(0, historyLimit)))
                _c.DeleteObject(rst, ns, ObjectMeta.Name(surplus), new DeleteRequest { PropagationPolicy = "Background" });
            var rev = ObjectMeta.Str(newRs, "metadata", "annotations", RevisionAnnotation);
            if (rev is not null && ObjectMeta.Str(d, "metadata", "annotations", RevisionAnnotation) != rev)
            {
                var copy = (JsonObject)d.DeepClone();
                var ann = ObjectMeta.Meta(copy)["annotations"] as JsonObject ?? new JsonObject();
                ann[RevisionAnnotation] = rev;
                ObjectMeta.Meta(copy)["annotations"] = ann;
                d = _c.Update(dt, ns, name, copy, false, false);
            }
        }

        owned = _c.Store.List(rst.GroupResource, ns).Select(x => x.Obj).Where(rs => ObjectMeta.IsOwnedBy(rs, uid)).ToList();
        long total = owned.Sum(rs => ObjectMeta.Long(rs, "status", "replicas") ?? 0);
        long ready = owned.Sum(rs => ObjectMeta.Long(rs, "status", "readyReplicas") ?? 0);
        long available = owned.Sum(rs => ObjectMeta.Long(rs, "status", "availableReplicas") ?? 0);
        var current = newRs is null ? null : owned.FirstOrDefault(rs => ObjectMeta.Uid(rs) == ObjectMeta.Uid(newRs));
        long updated = current is null ? 0 : ObjectMeta.Long(current, "status", "replicas") ?? 0;
        long updatedReady = current is null ? 0 : ObjectMeta.Long(current, "status", "readyReplicas") ?? 0;
        long maxUnavailable = ObjectMeta.Str(d, "spec", "strategy", "type") == "RollingUpdate"
            ? IntOrPercent(d["spec"]?["strategy"]?["rollingUpdate"]?["maxUnavailable"], replicas, false) : 0;
        bool complete = updated == replicas && updatedReady == replicas && total == replicas;
        bool isAvailable = available >= replicas - maxUnavailable;
        var status = new JsonObject
        {
            ["observedGeneration"] = ObjectMeta.Long(d, "metadata", "generation") ?? 1,
            ["replicas"] = total,
            ["updatedReplicas"] = updated,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = available,
        };
        if (total - available > 0) status["unavailableReplicas"] = total - available;
        status["conditions"] = new JsonArray(
            Condition("Available", isAvailable, isAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                isAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability."),
            Condition("Progressing", true, complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                complete ? $"ReplicaSet \"{(newRs is null ? name : ObjectMeta.Name(newRs))}\" has successfully progressed."
                         : $"ReplicaSet \"{(newRs is null ? name : ObjectMeta.Name(newRs))}\" is progressing."));
        SetStatus(dt, d, status);
    }

    /// <summary>Pods the deployment selects that no controller owns (e.g. seeded ones) join its current replica set.</summary>
    private void AdoptOrphanPods(string ns, JsonObject deploymentSelector, JsonObject rs)
    {
        var selector = LabelSelector.FromJson(deploymentSelector);
        var hash = ObjectMeta.Str(rs, "spec", "template", "metadata", "labels", HashLabel);
        foreach (var (_, pod) in _c.Store.List("pods", ns))
        {
            if (HasControllerOwner(pod) || pod["metadata"]?["deletionTimestamp"] is not null) continue;
            if (!selector.Matches(pod["metadata"]?["labels"] as JsonObject)) continue;
            var copy = _c.Present(Pods, pod);
            var labels = ObjectMeta.Meta(copy)["labels"] as JsonObject ?? new JsonObject();
            if (hash is not null) labels[HashLabel] = hash;
            ObjectMeta.Meta(copy)["labels"] = labels;
            ObjectMeta.Meta(copy)["ownerReferences"] = new JsonArray(ObjectMeta.OwnerRef(rs, "apps/v1", "ReplicaSet"));
            _c.Update(Pods, ns, ObjectMeta.Name(copy), copy, false, false);
        }
    }

    /// <summary>The deployment controller's ScalingReplicaSet event (from 1.28 the message names the old size too).</summary>
    private void RecordScaling(JsonObject d, string rs, long from, long to)
    {
        var dir = to > from ? "up" : "down";
        Record(d, "Normal", "ScalingReplicaSet", _c.Seed.KubernetesMinor >= 28
            ? $"Scaled {dir} replica set {rs} from {from} to {to}"
            : $"Scaled {dir} replica set {rs} to {to}", "deployment-controller");
    }

    private void ReconcileReplicaSet(string ns, string name)
    {
        var rst = T("apps", "replicasets");
        var rs = _c.Read(rst, ns, name);
        if (rs is null || rs["metadata"]?["deletionTimestamp"] is not null) return;
        long replicas = ObjectMeta.Long(rs, "spec", "replicas") ?? 1;
        var pods = OwnedPods(rs);
        var selector = LabelSelector.FromJson(rs["spec"]?["selector"] as JsonObject);
        foreach (var (_, orphan) in _c.Store.List("pods", ns))
        {
            if (pods.Count >= replicas) break;
            if (HasControllerOwner(orphan) || orphan["metadata"]?["deletionTimestamp"] is not null) continue;
            if (!selector.Matches(orphan["metadata"]?["labels"] as JsonObject)) continue;
            var copy = _c.Present(Pods, orphan);
            ObjectMeta.Meta(copy)["ownerReferences"] = new JsonArray(ObjectMeta.OwnerRef(rs, "apps/v1", "ReplicaSet"));
            pods.Add(_c.Update(Pods, ns, ObjectMeta.Name(copy), copy, false, false));
        }
        var template = rs["spec"]?["template"] as JsonObject ?? new JsonObject();
        while (pods.Count < replicas)
        {
            var created = CreatePod(rs, "ReplicaSet", "apps/v1", template, null);
            pods.Add(created);
            Record(rs, "Normal", "SuccessfulCreate", $"Created pod: {ObjectMeta.Name(created)}", "replicaset-controller");
        }
        if (pods.Count > replicas)
        {
            foreach (var extra in pods.OrderBy(PodReady).ThenByDescending(p => ObjectMeta.Str(p, "metadata", "creationTimestamp")).Take(pods.Count - (int)replicas).ToList())
            {
                DeletePod(extra);
                pods.Remove(extra);
                Record(rs, "Normal", "SuccessfulDelete", $"Deleted pod: {ObjectMeta.Name(extra)}", "replicaset-controller");
            }
        }
        long ready = pods.Count(PodReady);
        SetStatus(rst, rs, new JsonObject
        {
            ["replicas"] = pods.Count,
            ["fullyLabeledReplicas"] = pods.Count,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
            ["observedGeneration"] = ObjectMeta.Long(rs, "metadata", "generation") ?? 1,
        });
    }

    private void ReconcileStatefulSet(string ns, string name)
    {
        var st = T("apps", "statefulsets");
        var sts = _c.Read(st, ns, name);
        if (sts is null || sts["metadata"]?["deletionTimestamp"] is not null) return;
        long replicas = ObjectMeta.Long(sts, "spec", "replicas") ?? 1;
        var template = sts["spec"]?["template"] as JsonObject ?? new JsonObject();
        var revision = name + "-" + ObjectMeta.Hash(template);
        var pods = OwnedPods(sts).ToDictionary(p => ObjectMeta.Name(p));
        foreach (var p in pods.Values.ToList())
        {
            var idx = p["metadata"]!["name"]!.GetValue<string>()[(name.Length + 1)..];
            bool outOfRange = !int.TryParse(idx, out var i) || i >= replicas;
            if (outOfRange || ObjectMeta.Str(p, "metadata", "labels", "controller-revision-hash") != revision)
            {
                DeletePod(p);
                Record(sts, "Normal", "SuccessfulDelete", $"delete Pod {ObjectMeta.Name(p)} in StatefulSet {name} successful", "statefulset-controller");
                pods.Remove(ObjectMeta.Name(p));
            }
        }
        var pvcT = T("", "persistentvolumeclaims");
        for (int i = 0; i < replicas; i++)
        {
            var podName = $"{name}-{i}";
            foreach (var vct in sts["spec"]?["volumeClaimTemplates"] as JsonArray ?? new JsonArray())
            {
                var claimName = $"{ObjectMeta.Str(vct, "metadata", "name")}-{podName}";
                if (_c.Read(pvcT, ns, claimName) is not null) continue;
                var claim = new JsonObject
                {
                    ["apiVersion"] = "v1", ["kind"] = "PersistentVolumeClaim",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = claimName, ["namespace"] = ns,
                        ["labels"] = template["metadata"]?["labels"]?.DeepClone() ?? new JsonObject(),
                    },
                    ["spec"] = vct?["spec"]?.DeepClone() ?? new JsonObject(),
                };
                _c.Create(pvcT, ns, claim, false);
                Record(sts, "Normal", "SuccessfulCreate", $"create Claim {claimName} Pod {podName} in StatefulSet {name} success", "statefulset-controller");
            }
            bool ordered = ObjectMeta.Str(sts, "spec", "podManagementPolicy") != "Parallel";
            if (pods.TryGetValue(podName, out var existing))
            {
                if (ordered && !PodReady(existing)) break;
                continue;
            }
            if (_c.Read(Pods, ns, podName) is not null) break;
            var extra = new JsonObject
            {
                ["controller-revision-hash"] = revision,
                ["statefulset.kubernetes.io/pod-name"] = podName,
                ["apps.kubernetes.io/pod-index"] = i.ToString(),
            };
            var created = CreatePod(sts, "StatefulSet", "apps/v1", template, podName, extra, pod =>
            {
                var spec = Storage.Defaulting.Obj(pod, "spec");
                spec["hostname"] = podName;
                if (ObjectMeta.Str(sts, "spec", "serviceName") is { Length: > 0 } svc) spec["subdomain"] = svc;
            });
            pods[podName] = created;
            Record(sts, "Normal", "SuccessfulCreate", $"create Pod {podName} in StatefulSet {name} successful", "statefulset-controller");
            if (ordered) break;
        }
        long ready = pods.Values.Count(PodReady);
        long count = pods.Count;
        SetStatus(st, sts, new JsonObject
        {
            ["observedGeneration"] = ObjectMeta.Long(sts, "metadata", "generation") ?? 1,
            ["replicas"] = count,
            ["readyReplicas"] = ready,
            ["currentReplicas"] = count,
            ["updatedReplicas"] = count,
            ["availableReplicas"] = ready,
            ["currentRevision"] = revision,
            ["updateRevision"] = revision,
            ["collisionCount"] = 0,
        });
        // OrderedReady: the next pod comes once this one is ready (pod events bring us back).
    }

    private void ReconcileDaemonSet(string ns, string name)
    {
        var dst = T("apps", "daemonsets");
        var ds = _c.Read(dst, ns, name);
        if (ds is null || ds["metadata"]?["deletionTimestamp"] is not null) return;
        var template = ds["spec"]?["template"] as JsonObject ?? new JsonObject();
        var revision = ObjectMeta.Hash(template);
        var nodeSelector = template["spec"]?["nodeSelector"] as JsonObject;
        var nodes = _c.Store.List("nodes", null).Select(x => x.Obj)
            .Where(n => nodeSelector is null || nodeSelector.All(kv => ObjectMeta.Str(n, "metadata", "labels", kv.Key) == ObjectMeta.Str(kv.Value)))
            .Select(ObjectMeta.Name).ToHashSet();
        var pods = OwnedPods(ds);
        foreach (var p in pods.ToList())
        {
            var node = ObjectMeta.Str(p, "spec", "nodeName");
            if (node is null || !nodes.Contains(node) || ObjectMeta.Str(p, "metadata", "labels", "controller-revision-hash") != revision)
            {
                DeletePod(p);
                Record(ds, "Normal", "SuccessfulDelete", $"Deleted pod: {ObjectMeta.Name(p)}", "daemonset-controller");
                pods.Remove(p);
            }
        }
        foreach (var node in nodes)
        {
            if (pods.Any(p => ObjectMeta.Str(p, "spec", "nodeName") == node)) continue;
            var created = CreatePod(ds, "DaemonSet", "apps/v1", template, null,
                new JsonObject { ["controller-revision-hash"] = revision, ["pod-template-generation"] = (ObjectMeta.Long(ds, "metadata", "generation") ?? 1).ToString() },
                pod => Storage.Defaulting.Obj(pod, "spec")["nodeName"] = node);
            pods.Add(created);
            Record(ds, "Normal", "SuccessfulCreate", $"Created pod: {ObjectMeta.Name(created)}", "daemonset-controller");
            // the default scheduler binds a daemon set's pod (its node affinity names the node)
            RecordScheduled(created, node);
        }
        long ready = pods.Count(PodReady);
        SetStatus(dst, ds, new JsonObject
        {
            ["observedGeneration"] = ObjectMeta.Long(ds, "metadata", "generation") ?? 1,
            ["desiredNumberScheduled"] = nodes.Count,
            ["currentNumberScheduled"] = pods.Count,
            ["updatedNumberScheduled"] = pods.Count,
            ["numberReady"] = ready,
            ["numberAvailable"] = ready,
            ["numberMisscheduled"] = 0,
        });
    }
}
