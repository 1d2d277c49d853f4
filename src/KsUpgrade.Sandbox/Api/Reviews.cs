using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Api;

/// <summary>Answers review requests: the sandbox has one token and it may do everything (cluster-admin).</summary>
internal static class Reviews
{
    public static JsonObject Answer(ResourceType t, JsonObject review)
    {
        review["apiVersion"] = t.ApiVersion;
        review["kind"] = t.Kind;
        review["metadata"] ??= new JsonObject();
        review["metadata"]!["creationTimestamp"] = Storage.ObjectMeta.Now();
        review["status"] = t.Kind switch
        {
            "SelfSubjectRulesReview" => new JsonObject
            {
                ["resourceRules"] = new JsonArray(new JsonObject
                {
                    ["verbs"] = new JsonArray("*"), ["apiGroups"] = new JsonArray("*"), ["resources"] = new JsonArray("*"),
                }),
                ["nonResourceRules"] = new JsonArray(new JsonObject { ["verbs"] = new JsonArray("*"), ["nonResourceURLs"] = new JsonArray("*") }),
                ["incomplete"] = false,
            },
            "SelfSubjectReview" => new JsonObject
            {
                ["userInfo"] = new JsonObject { ["username"] = "sandbox-admin", ["groups"] = new JsonArray("system:masters", "system:authenticated") },
            },
            _ => new JsonObject { ["allowed"] = true, ["reason"] = "the sandbox token is cluster-admin" },
        };
        return review;
    }
}
