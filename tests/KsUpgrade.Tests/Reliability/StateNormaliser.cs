using KsUpgrade.Engine.Kube;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// Turns a sandbox cluster state (SandboxHost.StateOf) into a sorted list of object texts that two runs reaching the
/// same end can be compared by: without resourceVersion, uid (and every value equal to a uid), creationTimestamp,
/// managedFields, generation/observedGeneration, times inside status, generated name suffixes, helm's deploy and hook-run times,
/// the journal ConfigMap (its own times and details; it is checked separately), and the values the chart generates
/// on each render, in the objects and in helm's stored manifests: the paths declared in <see cref="GeneratedValues"/>, no others;
/// and what the cluster itself keeps writing while it runs, declared in <see cref="Volatile"/> and hidden by <see cref="WithoutVolatile"/>.
/// </summary>
public static class StateNormaliser
{
    /// <summary>
    /// The one declaration of what a running cluster writes on its own, whatever a client does (the sandbox as a real
    /// cluster): a comparison of two states taken at different times hides these and only these. Events (core/v1 and
    /// events.k8s.io): records of what happened, named by time, counted, expired after an hour. Node Leases in
    /// kube-node-lease: renewTime, renewed by each kubelet every 10 s. Nodes: each condition's lastHeartbeatTime,
    /// reported by the kubelet every 5 minutes. A renewal or report also moves the object's resourceVersion, so that is
    /// hidden too for these two kinds (and the cluster's current resourceVersion of the state).
    /// </summary>
    public static readonly IReadOnlyList<string> Volatile = new[]
    {
        "Event (v1, events.k8s.io/v1): every object",
        "Lease in kube-node-lease: spec.renewTime, metadata.resourceVersion",
        "Node: status.conditions[*].lastHeartbeatTime, metadata.resourceVersion",
        "the state's resourceVersion",
    };

    public const string VolatileMask = "<written by the running cluster>";

    /// <summary>
    /// A copy of a state (SandboxHost.StateOf) with the <see cref="Volatile"/> values masked (Events left out); every
    /// other value, of these objects too, as it is. Two states of a cluster nothing but time touched are equal through it.
    /// </summary>
    public static JsonObject WithoutVolatile(JsonObject state)
    {
        var copy = (JsonObject)state.DeepClone();
        if (copy.ContainsKey("resourceVersion")) copy["resourceVersion"] = VolatileMask;
        if (copy["objects"] is not JsonArray objects) return copy;
        for (var i = objects.Count - 1; i >= 0; i--)
        {
            if (objects[i] is not JsonObject o) continue;
            var kind = o["kind"]?.GetValue<string>();
            var apiVersion = o["apiVersion"]?.GetValue<string>();
            if (kind == "Event" && apiVersion is "v1" or "events.k8s.io/v1")
            {
                objects.RemoveAt(i);
                continue;
            }
            if (kind == "Lease" && apiVersion == "coordination.k8s.io/v1" && o["metadata"]?["namespace"]?.GetValue<string>() == "kube-node-lease")
            {
                if (o["spec"] is JsonObject spec && spec.ContainsKey("renewTime")) spec["renewTime"] = VolatileMask;
                if (o["metadata"] is JsonObject m && m.ContainsKey("resourceVersion")) m["resourceVersion"] = VolatileMask;
            }
            if (kind == "Node" && apiVersion == "v1")
            {
                foreach (var c in (o["status"]?["conditions"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
                    if (c.ContainsKey("lastHeartbeatTime")) c["lastHeartbeatTime"] = VolatileMask;
                if (o["metadata"] is JsonObject m && m.ContainsKey("resourceVersion")) m["resourceVersion"] = VolatileMask;
            }
        }
        return copy;
    }

    private static readonly string[] DroppedMetadata = { "resourceVersion", "uid", "creationTimestamp", "deletionTimestamp", "managedFields", "generation" };
    private static readonly Regex Uuid = new("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", RegexOptions.Compiled);
    private static readonly string[] DroppedLabels = { "modifiedAt", "createdAt" };

    public static List<string> Normalise(JsonObject state) => Normalise(state, out _);

    /// <summary>
    /// Helm revisions with status failed (a helm upgrade the fault broke, recorded by helm itself) are left out and
    /// counted in <paramref name="failedHelmRevisions"/>; the remaining revisions of each release are renumbered 1..n.
    /// </summary>
    public static List<string> Normalise(JsonObject state, out int failedHelmRevisions) => Normalise(state, false, out failedHelmRevisions);

    /// <param name="allocatedNodePorts">
    /// Also mask the nodePorts of Services: the server picks them at random when a Service asks for none (the gateway
    /// scenario's controller Services), so two clean runs differ there.
    /// </param>
    public static List<string> Normalise(JsonObject state, bool allocatedNodePorts, out int failedHelmRevisions)
    {
        var objects = WithoutVolatile(state)["objects"]!.AsArray().OfType<JsonObject>().Select(o => (JsonObject)o.DeepClone()).ToList();
        failedHelmRevisions = RenumberHelmRevisions(objects);
        var uids = objects.Select(o => o["metadata"]?["uid"]?.GetValue<string>()).OfType<string>().ToHashSet();
        var texts = new List<string>();
        foreach (var o in objects)
        {
            var meta = (JsonObject)o["metadata"]!;
            if (o["kind"]?.GetValue<string>() == "ConfigMap" && meta["name"]?.GetValue<string>() == UpgradeJournal.ConfigMapName)
            {
                o["data"] = "<journal>";
            }
            foreach (var k in DroppedMetadata) meta.Remove(k);
            if (meta["generateName"]?.GetValue<string>() is { } gen) meta["name"] = gen + "<generated>";
            if (meta["labels"] is JsonObject labels)
            {
                foreach (var l in DroppedLabels) labels.Remove(l);
            }
            if (o["kind"]?.GetValue<string>() == "Pod")
            {
                // where the simulator scheduled a pod and the identities it made up for it
                (o["spec"] as JsonObject)?.Remove("nodeName");
                if (o["status"] is JsonObject ps)
                {
                    foreach (var k in new[] { "hostIP", "hostIPs", "podIP", "podIPs" }) ps.Remove(k);
                    if (ps["containerStatuses"] is JsonArray cs) foreach (var c in cs.OfType<JsonObject>()) c.Remove("containerID");
                }
            }
            if (o["kind"]?.GetValue<string>() == "Service" && o["status"]?["loadBalancer"] is JsonObject lb) lb["ingress"] = "<allocated>";
            if (allocatedNodePorts && o["kind"]?.GetValue<string>() == "Service" && o["spec"]?["ports"] is JsonArray ports)
                foreach (var port in ports.OfType<JsonObject>().Where(p => p.ContainsKey("nodePort"))) port["nodePort"] = "<allocated>";
            if (meta["annotations"] is JsonObject annotations && annotations["sandbox.ksupgrade.io/storage"]?.GetValue<string>() is { } stored)
                annotations["sandbox.ksupgrade.io/storage"] = NormaliseEmbedded(JsonNode.Parse(stored));
            if (o["status"] is JsonObject status)
            {
                status.Remove("observedGeneration");
                DropTimes(status);
            }
            if (o["kind"]?.GetValue<string>() == "Secret" && o["type"]?.GetValue<string>() == "helm.sh/release.v1"
                && o["data"]?["release"]?.GetValue<string>() is { } rel)
                o["data"]!["release"] = NormaliseRelease(rel);
            else GeneratedValues.MaskObject(o);
            ReplaceUids(o, uids);
            texts.Add(Sorted(o)!.ToJsonString());
        }
        texts.Sort(StringComparer.Ordinal);
        return texts;
    }

    /// <summary>Objects stored inside an annotation (the simulated ks-upgrade backup): the same fields dropped, recursively.</summary>
    private static JsonNode? NormaliseEmbedded(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (DroppedMetadata.Contains(key) || key == "observedGeneration") o.Remove(key);
                    else if (key == "time" || key.EndsWith("Time", StringComparison.Ordinal) || key.EndsWith("Timestamp", StringComparison.Ordinal)) o.Remove(key);
                    else NormaliseEmbedded(o[key]);
                }
                break;
            case JsonArray a:
                foreach (var i in a) NormaliseEmbedded(i);
                break;
        }
        return node;
    }

    private static int RenumberHelmRevisions(List<JsonObject> objects)
    {
        static bool IsRelease(JsonObject o) => o["kind"]?.GetValue<string>() == "Secret" && o["type"]?.GetValue<string>() == "helm.sh/release.v1";
        static string? Label(JsonObject o, string k) => o["metadata"]?["labels"]?[k]?.GetValue<string>();
        var failed = objects.Where(o => IsRelease(o) && Label(o, "status") == "failed").ToList();
        foreach (var f in failed) objects.Remove(f);
        foreach (var release in objects.Where(IsRelease).GroupBy(o => (o["metadata"]!["namespace"]?.GetValue<string>(), Label(o, "name"))))
        {
            var n = 0;
            foreach (var o in release.OrderBy(o => int.TryParse(Label(o, "version"), out var v) ? v : 0))
            {
                n++;
                o["metadata"]!["name"] = $"sh.helm.release.v1.{release.Key.Item2}.v{n}";
                o["metadata"]!["labels"]!["version"] = n.ToString();
                if (o["data"]?["release"]?.GetValue<string>() is { } data && HelmReleaseDecoder.DecodeSecretData(data) is { } rel)
                {
                    rel["version"] = n;
                    o["data"]!["release"] = rel.ToJsonString();
                }
            }
        }
        return failed.Count;
    }

    private static JsonNode? NormaliseRelease(string data)
    {
        var release = data.StartsWith('{') ? JsonNode.Parse(data) : HelmReleaseDecoder.DecodeSecretData(data);
        if (release?["info"] is JsonObject info)
            foreach (var k in new[] { "first_deployed", "last_deployed", "deleted" }) info.Remove(k);
        // the manifests are compared object by object, with the values the chart generates on each render masked (GeneratedValues)
        if (release?["manifest"]?.GetValue<string>() is { } manifest)
            release["manifest"] = GeneratedValues.MaskManifest(manifest);
        if (release?["hooks"] is JsonArray hooks)
            foreach (var hook in hooks.OfType<JsonObject>())
            {
                if (hook["manifest"]?.GetValue<string>() is { } hm) hook["manifest"] = GeneratedValues.MaskManifest(hm);
                // when helm ran the hook (its phase, Succeeded or Failed, is compared)
                if (hook["last_run"] is JsonObject lastRun) { lastRun.Remove("started_at"); lastRun.Remove("completed_at"); }
            }
        return release;
    }

    private static void DropTimes(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (key.EndsWith("Time", StringComparison.Ordinal) || key.EndsWith("Timestamp", StringComparison.Ordinal)
                        || key.EndsWith("At", StringComparison.Ordinal) || key == "startTime")
                        o.Remove(key);
                    else DropTimes(o[key]);
                }
                break;
            case JsonArray a:
                foreach (var i in a) DropTimes(i);
                break;
        }
    }

    private static void ReplaceUids(JsonNode? node, HashSet<string> uids)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (key == "resourceVersion") o.Remove(key);
                    else if (o[key] is JsonValue v && v.TryGetValue<string>(out var s)) o[key] = MaskUids(s, uids);
                    else ReplaceUids(o[key], uids);
                }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is JsonValue v && v.TryGetValue<string>(out var s)) a[i] = MaskUids(s, uids);
                    else ReplaceUids(a[i], uids);
                }
                break;
        }
    }

    /// <summary>The same JSON with object keys in ordinal order (writers differ in the order they send fields).</summary>
    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sorted).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };

    private static string MaskUids(string s, HashSet<string> uids) =>
        s.Length < 36 ? s : Uuid.Replace(s, m => uids.Contains(m.Value) ? "<uid>" : m.Value);

    /// <summary>Which objects differ and, for each, the differing fields (at most <paramref name="max"/> objects); empty when equal.</summary>
    public static string Difference(IReadOnlyList<string> expected, IReadOnlyList<string> actual, int max = 8)
    {
        var e = expected.GroupBy(Key).ToDictionary(g => g.Key, g => g.OrderBy(x => x, StringComparer.Ordinal).ToList());
        var a = actual.GroupBy(Key).ToDictionary(g => g.Key, g => g.OrderBy(x => x, StringComparer.Ordinal).ToList());
        var lines = new List<string>();
        var differing = 0;
        foreach (var key in e.Keys.Union(a.Keys).OrderBy(k => k, StringComparer.Ordinal))
        {
            var ex = e.GetValueOrDefault(key) ?? new List<string>();
            var ac = a.GetValueOrDefault(key) ?? new List<string>();
            if (ex.SequenceEqual(ac)) continue;
            differing++;
            if (differing > max) continue;
            if (ex.Count != ac.Count) { lines.Add($"{key}: {ex.Count} in the clean run, {ac.Count} here"); continue; }
            for (var i = 0; i < ex.Count; i++)
            {
                if (ex[i] == ac[i]) continue;
                var fe = Flatten(ex[i]);
                var fa = Flatten(ac[i]);
                var fields = fe.Keys.Union(fa.Keys).Where(k => fe.GetValueOrDefault(k) != fa.GetValueOrDefault(k)).Take(6)
                    .Select(k => $"{k}: {Cut(fe.GetValueOrDefault(k))} -> {Cut(fa.GetValueOrDefault(k))}");
                lines.Add($"{key}: " + string.Join("; ", fields));
                break;
            }
        }
        return differing == 0 ? "" : $"{differing} object(s) differ from the clean run:\n" + string.Join("\n", lines);
    }

    private static string Cut(string? s) => s is null ? "(absent)" : s.Length > 160 ? s[..160] + "..." : s;

    private static string Key(string text)
    {
        var o = JsonNode.Parse(text)!;
        return $"{o["apiVersion"]} {o["kind"]} {o["metadata"]?["namespace"]}/{o["metadata"]?["name"]}";
    }

    private static Dictionary<string, string> Flatten(string text)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(JsonNode? n, string path)
        {
            switch (n)
            {
                case JsonObject o: foreach (var p in o) Walk(p.Value, path + "." + p.Key); break;
                case JsonArray arr: for (var i = 0; i < arr.Count; i++) Walk(arr[i], $"{path}[{i}]"); break;
                default: d[path] = n?.ToJsonString() ?? "null"; break;
            }
        }
        Walk(JsonNode.Parse(text), "");
        return d;
    }
}
