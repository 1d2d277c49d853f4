using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KsUpgrade.Sandbox.Seeds.Files;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// The one declaration of the values the ks-core chart generates afresh on every render (genCA, genSignedCert,
/// randAlphaNum), so two upgrades that reach the same end still differ there. Whatever compares two end states — the
/// fault matrix's "same final state as a clean run" (<see cref="StateNormaliser"/>), and any parity of two renders —
/// masks these paths and only these: every other field, of these objects too, is compared as it is.
/// A path is a list of keys; "*" stands for each element of an array. Secrets are declared at data (the API server
/// folds stringData into data; rendered manifests are folded the same way before masking).
/// </summary>
public static class GeneratedValues
{
    public const string Mask = "<generated on each render>";

    /// <param name="Within">
    /// When set, only the part of the string at <paramref name="Path"/> this pattern's group 2 matches is masked (a
    /// generated value inside a rendered config file); otherwise the whole value is.
    /// </param>
    public sealed record Field(string Kind, string? Name, string[] Path, string Why, Regex? Within = null);

    private static readonly string[] CaBundle = { "webhooks", "*", "clientConfig", "caBundle" };

    public static readonly IReadOnlyList<Field> Fields = new[]
    {
        new Field("ValidatingWebhookConfiguration", null, CaBundle, "the chart's webhook CA, genCA on every render"),
        new Field("MutatingWebhookConfiguration", null, CaBundle, "the chart's webhook CA, genCA on every render"),
        new Field("Secret", "ks-controller-manager-webhook-cert", new[] { "data", "ca.crt" }, "the same CA"),
        new Field("Secret", "ks-controller-manager-webhook-cert", new[] { "data", "tls.crt" }, "serving certificate, genSignedCert"),
        new Field("Secret", "ks-controller-manager-webhook-cert", new[] { "data", "tls.key" }, "its private key"),
        new Field("Secret", "redis-secret", new[] { "data", "auth" }, "redis password, randAlphaNum when no redis-secret exists"),
        new Field("Secret", "redis-secret", new[] { "data", "redis.conf" }, "redis config holding that password"),
        new Field("Secret", "ks-core-redisha", new[] { "data", "auth" }, "redis-ha password, randAlphaNum when its Secret does not exist"),
        new Field("ConfigMap", "kubesphere-config", new[] { "data", "kubesphere.yaml" }, "jwtSecret, randAlphaNum when kubesphere-config has none",
            new Regex(@"(?m)^(\s*jwtSecret:\s*)(.*)$", RegexOptions.Compiled)),
    };

    /// <summary>Masks the generated fields of one object in place; returns how many values it masked.</summary>
    public static int MaskObject(JsonObject o)
    {
        var kind = o["kind"]?.GetValue<string>();
        var name = o["metadata"]?["name"]?.GetValue<string>();
        if (kind == "Secret") FoldStringData(o);
        var masked = 0;
        foreach (var f in Fields)
            if (f.Kind == kind && (f.Name is null || f.Name == name))
                masked += MaskPath(o, f, 0);
        return masked;
    }

    /// <summary>
    /// A rendered manifest (helm's release manifest or hook manifest, `---` separated) as a JSON array of its objects,
    /// each with the generated fields masked; null documents dropped. Objects stay in the manifest's order.
    /// </summary>
    public static JsonArray MaskManifest(string manifest)
    {
        var docs = new JsonArray();
        foreach (var doc in YamlJson.ParseAll(manifest).OfType<JsonObject>())
        {
            MaskObject(doc);
            docs.Add(doc);
        }
        return docs;
    }

    private static void FoldStringData(JsonObject secret)
    {
        if (secret["stringData"] is not JsonObject sd) return;
        var data = secret["data"] as JsonObject ?? new JsonObject();
        foreach (var (k, v) in sd.ToList())
            data[k] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(v?.GetValue<string>() ?? ""));
        secret.Remove("stringData");
        secret["data"] = data;
    }

    private static int MaskPath(JsonNode? node, Field f, int i)
    {
        if (node is null) return 0;
        var key = f.Path[i];
        if (key == "*")
            return node is JsonArray a ? a.Sum(e => MaskPath(e, f, i + 1)) : 0;
        if (node is not JsonObject o || !o.ContainsKey(key)) return 0;
        if (i < f.Path.Length - 1) return MaskPath(o[key], f, i + 1);
        if (f.Within is null)
        {
            o[key] = Mask;
            return 1;
        }
        if (o[key] is not JsonValue v || !v.TryGetValue<string>(out var text) || !f.Within.IsMatch(text)) return 0;
        o[key] = f.Within.Replace(text, m => m.Groups[1].Value + Mask);
        return 1;
    }
}
