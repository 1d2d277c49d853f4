using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Seeds.Files;
using KsUpgrade.Tests.Seeds;

namespace KsUpgrade.Tests.Reliability;

/// <summary>
/// The declared normalisation of generated values (<see cref="GeneratedValues"/>): two renders of the fixture chart by
/// real helm differ only where it is declared, it masks those fields, and every other field still tells two states apart.
/// </summary>
public class GeneratedValuesTests
{
    private static readonly string Fixtures = HelmTool.FixturesDir();

    /// <summary>The host render with the single redis (ha) and, separately, with the redis-ha subchart.</summary>
    private static string Render(params string[] sets)
    {
        var work = Directory.CreateTempSubdirectory("ksgen");
        try
        {
            File.WriteAllText(Path.Combine(work.FullName, "v.yaml"), GuideValues.Text);
            var args = new List<string> { "template", "ks-core", Path.Combine(Fixtures, "ks-core"), "-n", "kubesphere-system", "-f", "v.yaml", "--set", "multicluster.role=host" };
            foreach (var s in sets) args.AddRange(new[] { "--set", s });
            var (code, stdout, stderr) = HelmTool.Run(work.FullName, args.ToArray());
            Assert.True(code == 0, stderr);
            return stdout;
        }
        finally { work.Delete(true); }
    }

    private static List<string> Texts(JsonArray docs) => docs.Select(d => d!.ToJsonString()).ToList();

    [HelmFact]
    public void Two_renders_differ_and_are_equal_once_the_declared_fields_are_masked()
    {
        foreach (var sets in new[] { new[] { "ha.enabled=true" }, new[] { "ha.enabled=true", "redisHA.enabled=true" } })
        {
            var a = Render(sets);
            var b = Render(sets);
            Assert.NotEqual(a, b);
            var ma = GeneratedValues.MaskManifest(a);
            var mb = GeneratedValues.MaskManifest(b);
            Assert.Equal(Texts(ma), Texts(mb));
            // what was masked: 12 caBundles, the webhook CA, certificate and key, the redis password(s) and the jwtSecret
            // (helm template: no kubesphere-config to keep it from)
            var count = YamlJson.ParseAll(a).OfType<JsonObject>().Sum(GeneratedValues.MaskObject);
            Assert.Equal(sets.Length == 1 ? 12 + 3 + 2 + 1 : 12 + 3 + 1 + 1, count);
        }
    }

    [HelmFact]
    public void Every_field_not_declared_generated_still_differs_after_masking()
    {
        var docs = YamlJson.ParseAll(Render("ha.enabled=true")).OfType<JsonObject>().ToList();
        var checkedFields = 0;
        foreach (var doc in docs)
        {
            var masked = (JsonObject)doc.DeepClone();
            GeneratedValues.MaskObject(masked);
            var reference = masked.ToJsonString();
            foreach (var (path, _) in Leaves(doc, Array.Empty<object>()))
            {
                // change this one field of the original, then mask: unless it is a declared field, the result differs
                var changed = (JsonObject)doc.DeepClone();
                SetLeaf(changed, path, "changed-" + Guid.NewGuid().ToString("N"));
                GeneratedValues.MaskObject(changed);
                var declared = IsDeclared(doc, path);
                if (declared) Assert.Equal(reference, changed.ToJsonString());
                else Assert.True(reference != changed.ToJsonString(), $"{doc.Kind()} {doc.Name()}: a change of {string.Join('/', path)} is hidden by the masking");
                checkedFields++;
            }
        }
        Assert.True(checkedFields > 500, $"only {checkedFields} fields checked");
    }

    [Fact]
    public void A_secret_of_another_name_or_an_ordinary_field_of_a_webhook_is_not_masked()
    {
        var other = YamlJson.Parse("""
            apiVersion: v1
            kind: Secret
            metadata: {name: someone-elses-cert}
            data: {tls.crt: QUJD, tls.key: REVG, auth: R0hJ}
            """)!.AsObject();
        Assert.Equal(0, GeneratedValues.MaskObject(other));
        Assert.Equal("QUJD", other.Str("data", "tls.crt"));
        var hook = YamlJson.Parse("""
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingWebhookConfiguration
            metadata: {name: x}
            webhooks:
              - name: a
                clientConfig: {caBundle: QUJD, service: {name: s, namespace: n, path: /p}}
                failurePolicy: Fail
              - name: b
                clientConfig: {caBundle: REVG, url: "https://example.invalid"}
            """)!.AsObject();
        Assert.Equal(2, GeneratedValues.MaskObject(hook));
        Assert.Equal(GeneratedValues.Mask, hook["webhooks"]![1].Str("clientConfig", "caBundle"));
        Assert.Equal("/p", hook["webhooks"]![0].Str("clientConfig", "service", "path"));
        Assert.Equal("https://example.invalid", hook["webhooks"]![1].Str("clientConfig", "url"));
        // stringData is folded into data (as the API server does) before masking
        var rendered = YamlJson.Parse("""
            apiVersion: v1
            kind: Secret
            metadata: {name: redis-secret}
            stringData: {auth: abc, other: kept}
            """)!.AsObject();
        Assert.Equal(1, GeneratedValues.MaskObject(rendered));
        Assert.Null(rendered["stringData"]);
        Assert.Equal(Convert.ToBase64String("kept"u8.ToArray()), rendered.Str("data", "other"));
    }

    private static bool IsDeclared(JsonObject doc, IReadOnlyList<object> path) =>
        GeneratedValues.Fields.Any(f => f.Within is null && f.Kind == doc.Kind() && (f.Name is null || f.Name == doc.Name()) && f.Path.Length == path.Count
            && f.Path.Zip(path).All(p => p.First == "*" ? p.Second is int : p.Second is string k && k == p.First));

    private static IEnumerable<(IReadOnlyList<object> Path, JsonNode? Value)> Leaves(JsonNode? node, IReadOnlyList<object> path)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o.ToList())
                    foreach (var l in Leaves(v, path.Append(k).ToList())) yield return l;
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    foreach (var l in Leaves(a[i], path.Append(i).ToList())) yield return l;
                break;
            default:
                yield return (path, node);
                break;
        }
    }

    private static void SetLeaf(JsonObject root, IReadOnlyList<object> path, string value)
    {
        JsonNode node = root;
        for (var i = 0; i < path.Count; i++)
        {
            var last = i == path.Count - 1;
            if (path[i] is string k)
            {
                if (last) node.AsObject()[k] = value; else node = node.AsObject()[k]!;
            }
            else
            {
                var idx = (int)path[i];
                if (last) node.AsArray()[idx] = value; else node = node.AsArray()[idx]!;
            }
        }
    }
}
