using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Api;

namespace KsUpgrade.Sandbox.Storage;

/// <summary>The few validations of the real API server that clients are likely to hit (answered as 422 Invalid).</summary>
internal static class Validation
{
    public static void Validate(ResourceType t, JsonObject obj)
    {
        var name = ObjectMeta.Name(obj);
        if (obj["metadata"]?["labels"] is JsonObject labels)
            foreach (var kv in labels)
                if (kv.Value is not JsonValue v || !v.TryGetValue<string>(out _))
                    throw ApiException.Invalid(t, name, $"metadata.labels: Invalid value: label \"{kv.Key}\" must be a string");
        switch (t.Group, t.Kind)
        {
            case ("", "Pod"):
                if (obj["spec"]?["containers"] is not JsonArray { Count: > 0 })
                    throw ApiException.Invalid(t, name, "spec.containers: Required value");
                break;
            case ("apps", "Deployment" or "ReplicaSet" or "StatefulSet" or "DaemonSet"):
                var selector = obj["spec"]?["selector"] as JsonObject;
                if (selector is null)
                    throw ApiException.Invalid(t, name, "spec.selector: Required value");
                var tl = obj["spec"]?["template"]?["metadata"]?["labels"] as JsonObject ?? new JsonObject();
                if (!Api.Selectors.LabelSelector.FromJson(selector).Matches(tl))
                    throw ApiException.Invalid(t, name, "spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`");
                if (obj["spec"]?["template"]?["spec"]?["containers"] is not JsonArray { Count: > 0 })
                    throw ApiException.Invalid(t, name, "spec.template.spec.containers: Required value");
                break;
            case ("batch", "Job"):
                if (obj["spec"]?["template"]?["spec"]?["containers"] is not JsonArray { Count: > 0 })
                    throw ApiException.Invalid(t, name, "spec.template.spec.containers: Required value");
                break;
        }
    }
}
