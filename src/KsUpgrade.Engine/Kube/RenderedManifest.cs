using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Kube;

/// <summary>Rendered manifests (helm template output) applied natively with server-side apply.</summary>
public static class RenderedManifest
{
    /// <summary>
    /// The objects of a multi-document YAML with their served kinds; namespaced objects without a namespace get
    /// <paramref name="defaultNamespace"/>. Throws KsUpgradeException (ApiError) for a kind the cluster does not serve.
    /// </summary>
    public static async Task<IReadOnlyList<(ResourceKind Kind, JsonObject Object)>> ResolveAsync(IKubeApi api, string yaml, string defaultNamespace, CancellationToken ct)
    {
        var result = new List<(ResourceKind, JsonObject)>();
        foreach (var doc in YamlJson.ReadDocuments(yaml))
        {
            var apiVersion = doc.Str("apiVersion") ?? "";
            var kindName = doc.Str("kind") ?? "";
            var kind = await api.KindOfAsync(apiVersion, kindName, ct).ConfigureAwait(false)
                ?? throw new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.ObjectNotFound,
                    $"The rendered manifest holds a {kindName} ({apiVersion}) named '{doc.Name()}' that the cluster of context '{api.Context}' does not serve.", doc.Name());
            if (kind.Namespaced && string.IsNullOrEmpty(doc.Namespace())) doc.Obj("metadata")["namespace"] = defaultNamespace;
            if (!kind.Namespaced && doc["metadata"] is JsonObject md) md.Remove("namespace");
            result.Add((kind, doc));
        }
        return result;
    }

    /// <summary>Server-side applies each object in order (force: take over fields other managers own).</summary>
    public static async Task ApplyAllAsync(IKubeApi api, IEnumerable<(ResourceKind Kind, JsonObject Object)> objects, bool force, Action<string>? applied, CancellationToken ct)
    {
        foreach (var (kind, obj) in objects)
        {
            await api.ApplyAsync(kind, kind.Namespaced ? obj.Namespace() : null, obj, force, ct).ConfigureAwait(false);
            applied?.Invoke($"Applied {kind.Kind} {KubeJson.Ref(obj.Namespace(), obj.Name())}.");
        }
    }
}
