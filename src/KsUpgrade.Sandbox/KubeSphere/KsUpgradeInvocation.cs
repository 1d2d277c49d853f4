using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.KubeSphere;

/// <summary>What a Job asks ks-upgrade to do: the phase, and the config ConfigMap and data PVC it mounts.</summary>
public sealed partial record KsUpgradeInvocation(string Phase, string Image, string? ConfigMapName, string? DataClaimName, bool WantsConfigPatch)
{
    public static readonly string[] Phases = { "prepare-upgrade", "pre-upgrade", "post-upgrade", "dynamic-upgrade", "rollback", "version" };

    [GeneratedRegex(@"(^|/)kubesphere/ks-upgrade(:[^/@]+|@sha256:[0-9a-f]+)?$")]
    private static partial Regex ImagePattern();

    /// <summary>True for images &lt;registry&gt;/kubesphere/ks-upgrade:&lt;tag&gt;.</summary>
    public static bool IsKsUpgradeImage(string? image) => image is not null && ImagePattern().IsMatch(image);

    /// <summary>Reads a Job; null when it does not run the ks-upgrade image.</summary>
    public static KsUpgradeInvocation? FromJob(JsonObject job)
    {
        var podSpec = job["spec"]?["template"]?["spec"];
        var container = podSpec?["containers"]?.AsArray().OfType<JsonObject>().FirstOrDefault(c => IsKsUpgradeImage(c.Str("image")));
        if (container is null) return null;
        var words = new List<string>();
        foreach (var key in new[] { "command", "args" })
            if (container[key] is JsonArray arr) words.AddRange(arr.Select(a => a?.ToString() ?? ""));
        var phase = words.FirstOrDefault(w => Phases.Contains(w)) ?? "version";
        var wantsPatch = words.Any(w => w.Contains("config-patch.yaml"));
        string? configMap = null, claim = null;
        var mounts = container["volumeMounts"]?.AsArray().OfType<JsonObject>().Select(m => m.Str("name")).ToHashSet() ?? new HashSet<string?>();
        foreach (var v in podSpec?["volumes"]?.AsArray().OfType<JsonObject>() ?? Enumerable.Empty<JsonObject>())
        {
            if (!mounts.Contains(v.Str("name"))) continue;
            if (v.Str("configMap", "name") is { } cm) configMap ??= cm;
            if (v.Str("persistentVolumeClaim", "claimName") is { } pvc) claim ??= pvc;
        }
        return new KsUpgradeInvocation(phase, container.Str("image")!, configMap, claim, wantsPatch);
    }
}
