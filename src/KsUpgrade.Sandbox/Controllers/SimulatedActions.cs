using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Storage;

namespace KsUpgrade.Sandbox.Controllers;

/// <summary>Out-of-band changes the fault plan makes (node readiness, helm release status) and state dumps.</summary>
internal static class SimulatedActions
{
    public static void SetNodeReady(SimulatedCluster c, string node, bool ready)
    {
        var t = c.Registry.Find("", "v1", "nodes")!;
        lock (c.Store.Gate)
        {
            var obj = c.Read(t, null, node) ?? throw new ArgumentException($"No node '{node}' in cluster '{c.ClusterName}'.");
            var status = Defaulting.Obj(obj, "status");
            var conds = status["conditions"] as JsonArray ?? new JsonArray();
            var cond = conds.OfType<JsonObject>().FirstOrDefault(x => ObjectMeta.Str(x, "type") == "Ready");
            if (cond is null) { cond = new JsonObject { ["type"] = "Ready" }; conds.Add(cond); }
            cond["status"] = ready ? "True" : "False";
            cond["reason"] = ready ? "KubeletReady" : "KubeletNotReady";
            cond["message"] = ready ? "kubelet is posting ready status" : "container runtime is down (simulated)";
            cond["lastTransitionTime"] = ObjectMeta.Now();
            cond["lastHeartbeatTime"] = ObjectMeta.Now();
            status["conditions"] = conds;
            c.Update(t, null, node, obj, statusOnly: true, dryRun: false);
        }
    }

    public static void SetHelmReleaseStatus(SimulatedCluster c, string ns, string release, string status)
    {
        var t = c.Registry.Find("", "v1", "secrets")!;
        lock (c.Store.Gate)
        {
            var latest = c.List("v1", "secrets", ns)
                .Where(s => ObjectMeta.Labels(s)["owner"]?.GetValue<string>() == "helm" && ObjectMeta.Labels(s)["name"]?.GetValue<string>() == release)
                .OrderByDescending(s => int.TryParse(ObjectMeta.Labels(s)["version"]?.GetValue<string>(), out var v) ? v : 0)
                .FirstOrDefault() ?? throw new ArgumentException($"No helm release '{release}' in namespace '{ns}' of cluster '{c.ClusterName}'.");
            var data = (JsonObject)latest["data"]!;
            var rel = JsonNode.Parse(DecodeRelease(data["release"]!.GetValue<string>()))!;
            rel["info"]!["status"] = status;
            var version = int.TryParse(ObjectMeta.Labels(latest)["version"]?.GetValue<string>(), out var rv) ? rv : 1;
            if (HelmDescription(release, status, version) is { } description) rel["info"]!["description"] = description;
            data["release"] = EncodeRelease(rel.ToJsonString());
            ObjectMeta.Labels(latest)["status"] = status;
            c.Update(t, ns, ObjectMeta.Name(latest), latest, statusOnly: false, dryRun: false);
        }
    }

    /// <summary>
    /// The description helm (pkg/action) writes with a status: install, upgrade, rollback and uninstall each set theirs;
    /// null (description kept) for statuses helm sets without one (superseded, unknown).
    /// </summary>
    public static string? HelmDescription(string release, string status, int version) => status switch
    {
        "pending-install" => "Initial install underway",
        "pending-upgrade" => "Preparing upgrade",
        "pending-rollback" => $"Rollback to {Math.Max(1, version - 1)}",
        "deployed" => version <= 1 ? "Install complete" : "Upgrade complete",
        "failed" => version <= 1 ? $"Release \"{release}\" failed: simulated failure" : $"Upgrade \"{release}\" failed: simulated failure",
        "uninstalling" => "Deletion in progress (or silently failed)",
        "uninstalled" => "Uninstallation complete",
        _ => null,
    };

    /// <summary>Helm stores base64(gzip(json)) in the secret; the secret's data adds another base64 layer.</summary>
    public static string DecodeRelease(string secretValue)
    {
        var inner = Encoding.ASCII.GetString(Convert.FromBase64String(secretValue));
        var bytes = Convert.FromBase64String(inner);
        if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            bytes = ms.ToArray();
        }
        return Encoding.UTF8.GetString(bytes);
    }

    public static string EncodeRelease(string json)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(Encoding.UTF8.GetBytes(json));
        var inner = Convert.ToBase64String(ms.ToArray());
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(inner));
    }

    public static JsonObject State(SimulatedCluster c)
    {
        var objects = new JsonArray();
        lock (c.Store.Gate)
        {
            foreach (var gr in c.Store.GroupResources().OrderBy(g => g, StringComparer.Ordinal))
                foreach (var (_, o) in c.Store.List(gr, null))
                    objects.Add(o.DeepClone());
            return new JsonObject
            {
                ["cluster"] = c.ClusterName,
                ["resourceVersion"] = c.Store.CurrentResourceVersion.ToString(),
                ["objects"] = objects,
            };
        }
    }
}
