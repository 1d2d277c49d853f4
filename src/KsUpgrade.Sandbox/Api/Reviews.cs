using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Authorization;
using KsUpgrade.Sandbox.Storage;
using Microsoft.AspNetCore.Http;

namespace KsUpgrade.Sandbox.Api;

/// <summary>
/// Answers the review kinds (never stored): SelfSubjectAccessReview and SubjectAccessReview (is this allowed?),
/// SelfSubjectRulesReview (what may I do in a namespace?) and SelfSubjectReview (who am I?), with the cluster's RBAC.
/// </summary>
internal static class Reviews
{
    public static async Task HandleAsync(HttpContext ctx, SimulatedCluster cluster, ResourceType t, SandboxIdentity caller,
        Func<string, SandboxIdentity?>? authenticate = null)
    {
        JsonObject review;
        if (t.Kind == "TokenReview")
        {
            if ((ctx.Request.ContentType ?? "").Contains("protobuf", StringComparison.OrdinalIgnoreCase))
                throw new ApiException(415, "UnsupportedMediaType", "the sandbox reads TokenReview bodies as JSON only");
            review = await HttpIo.ReadObjectAsync(ctx);
            await HttpIo.WriteJsonAsync(ctx, 201, TokenReview(t, review, authenticate ?? (_ => null)));
            return;
        }
        if ((ctx.Request.ContentType ?? "").Contains("protobuf", StringComparison.OrdinalIgnoreCase))
        {
            // Typed Go clients may send reviews as protobuf. For the admin the answer does not depend on the question;
            // for anyone else the question is decoded.
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms, ctx.RequestAborted);
            review = caller.IsAdmin ? new JsonObject() : ReviewProtobuf.Decode(ms.ToArray(), t.Kind);
        }
        else
        {
            review = await HttpIo.ReadObjectAsync(ctx);
        }
        await HttpIo.WriteJsonAsync(ctx, 201, Answer(t, review, cluster, caller));
    }

    /// <summary>The answer for the sandbox's admin (kept for callers without an identity).</summary>
    public static JsonObject Answer(ResourceType t, JsonObject review) => AdminAnswer(t, review);

    private static JsonObject AdminAnswer(ResourceType t, JsonObject review)
    {
        Envelope(t, review);
        review["status"] = t.Kind switch
        {
            "SelfSubjectRulesReview" => RulesStatus(BootstrapPolicy.ClusterRoles["cluster-admin"], false, ""),
            "SelfSubjectReview" => UserInfo(SandboxIdentity.Admin),
            _ => new JsonObject { ["allowed"] = true, ["reason"] = "the sandbox token is cluster-admin" },
        };
        return review;
    }

    public static JsonObject Answer(ResourceType t, JsonObject review, SimulatedCluster cluster, SandboxIdentity caller)
    {
        if (caller.IsAdmin && t.Kind != "SubjectAccessReview" && review["spec"] is null) return AdminAnswer(t, review);
        Envelope(t, review);
        var spec = review["spec"] as JsonObject ?? new JsonObject();
        switch (t.Kind)
        {
            case "SelfSubjectReview":
                review["status"] = UserInfo(caller);
                break;
            case "SelfSubjectRulesReview":
            {
                var ns = ObjectMeta.Str(spec, "namespace") ?? "";
                var (rules, incomplete, error) = RbacAuthorizer.RulesFor(cluster, caller, ns);
                review["status"] = RulesStatus(rules, incomplete, error);
                break;
            }
            case "SelfSubjectAccessReview":
                review["status"] = AccessStatus(cluster, caller, spec);
                break;
            case "SubjectAccessReview":
            {
                var groups = (spec["groups"] as JsonArray)?.Select(g => g?.GetValue<string>() ?? "").Where(g => g.Length > 0).ToList() ?? new List<string>();
                var user = ObjectMeta.Str(spec, "user") ?? "";
                var subject = new SandboxIdentity { Name = "review", User = user, Groups = groups };
                review["status"] = AccessStatus(cluster, subject, spec);
                break;
            }
            default:
                throw ApiException.BadRequest($"{t.Kind} is not a review kind");
        }
        return review;
    }

    /// <summary>The API server's default audience (what a token review answers when the request names none).</summary>
    public const string DefaultAudience = "https://kubernetes.default.svc.cluster.local";

    /// <summary>
    /// TokenReview: the token's user and groups as the sandbox's authenticator knows them (the admin, a minted identity,
    /// a ServiceAccount token); an unknown token is not authenticated, with the API server's error text. Audiences are
    /// not checked: the answer echoes the requested ones (else the API server's default).
    /// </summary>
    private static JsonObject TokenReview(ResourceType t, JsonObject review, Func<string, SandboxIdentity?> authenticate)
    {
        Envelope(t, review);
        var spec = review["spec"] as JsonObject ?? new JsonObject();
        var token = ObjectMeta.Str(spec, "token") ?? "";
        var audiences = spec["audiences"] is JsonArray a && a.Count > 0 ? (JsonArray)a.DeepClone() : new JsonArray(DefaultAudience);
        var who = token.Length == 0 ? null : authenticate(token);
        review["status"] = who is null
            ? new JsonObject { ["user"] = new JsonObject(), ["error"] = "[invalid bearer token, token lookup failed]" }
            : new JsonObject
            {
                ["authenticated"] = true,
                ["user"] = new JsonObject { ["username"] = who.User, ["groups"] = Strings(who.Groups) },
                ["audiences"] = audiences,
            };
        return review;
    }

    private static void Envelope(ResourceType t, JsonObject review)
    {
        review["apiVersion"] = t.ApiVersion;
        review["kind"] = t.Kind;
        review["metadata"] ??= new JsonObject();
        review["metadata"]!["creationTimestamp"] = ObjectMeta.Now();
    }

    private static JsonObject AccessStatus(SimulatedCluster cluster, SandboxIdentity who, JsonObject spec)
    {
        RequestAttributes attributes;
        if (spec["resourceAttributes"] is JsonObject ra)
        {
            attributes = RequestAttributes.ForResource(who, ObjectMeta.Str(ra, "verb") ?? "",
                ObjectMeta.Str(ra, "group") ?? "", ObjectMeta.Str(ra, "version") ?? "", ObjectMeta.Str(ra, "resource") ?? "",
                NullIfEmpty(ObjectMeta.Str(ra, "subresource")), NullIfEmpty(ObjectMeta.Str(ra, "namespace")), NullIfEmpty(ObjectMeta.Str(ra, "name")));
        }
        else if (spec["nonResourceAttributes"] is JsonObject nra)
        {
            attributes = RequestAttributes.ForPath(who, ObjectMeta.Str(nra, "verb") ?? "", ObjectMeta.Str(nra, "path") ?? "");
        }
        else
        {
            throw ApiException.BadRequest("spec: Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified");
        }
        var decision = RbacAuthorizer.Authorize(cluster, attributes);
        var status = new JsonObject { ["allowed"] = decision.Allowed };
        if (decision.Reason.Length > 0) status["reason"] = decision.Reason;
        return status;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static JsonObject RulesStatus(IEnumerable<PolicyRule> rules, bool incomplete, string error)
    {
        var resourceRules = new JsonArray();
        var nonResourceRules = new JsonArray();
        foreach (var r in rules)
        {
            if (r.NonResourceUrls.Count > 0)
                nonResourceRules.Add(new JsonObject { ["verbs"] = Strings(r.Verbs), ["nonResourceURLs"] = Strings(r.NonResourceUrls) });
            if (r.Resources.Count > 0)
            {
                var o = new JsonObject { ["verbs"] = Strings(r.Verbs), ["apiGroups"] = Strings(r.ApiGroups), ["resources"] = Strings(r.Resources) };
                if (r.ResourceNames.Count > 0) o["resourceNames"] = Strings(r.ResourceNames);
                resourceRules.Add(o);
            }
        }
        var status = new JsonObject { ["resourceRules"] = resourceRules, ["nonResourceRules"] = nonResourceRules, ["incomplete"] = incomplete };
        if (error.Length > 0) status["evaluationError"] = error;
        return status;
    }

    private static JsonObject UserInfo(SandboxIdentity who) => new()
    {
        ["userInfo"] = new JsonObject { ["username"] = who.User, ["groups"] = Strings(who.Groups) },
    };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
}
