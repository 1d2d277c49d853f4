using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Api;

/// <summary>An API error answered as a Kubernetes Status object.</summary>
public sealed class ApiException : Exception
{
    public int Code { get; }
    public string Reason { get; }
    public JsonObject? Details { get; }
    public int? RetryAfterSeconds { get; init; }

    public ApiException(int code, string reason, string message, JsonObject? details = null) : base(message)
    {
        Code = code; Reason = reason; Details = details;
    }

    public JsonObject ToStatus() => StatusObjects.Failure(Code, Reason, Message, Details?.DeepClone() as JsonObject);

    private static JsonObject D(ResourceType? t, string? name)
    {
        var d = new JsonObject();
        if (name is not null) d["name"] = name;
        if (t is not null) { d["group"] = t.Group; d["kind"] = t.Plural; }
        return d;
    }

    public static ApiException NotFound(ResourceType t, string name) =>
        new(404, "NotFound", $"{t.GroupResource} \"{name}\" not found", D(t, name));
    public static ApiException AlreadyExists(ResourceType t, string name) =>
        new(409, "AlreadyExists", $"{t.GroupResource} \"{name}\" already exists", D(t, name));
    public static ApiException Conflict(ResourceType t, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {t.GroupResource} \"{name}\": {why}", D(t, name));
    public static ApiException Invalid(ResourceType t, string name, string why)
    {
        var d = D(t, name);
        d["kind"] = t.Kind;
        d["causes"] = new JsonArray(new JsonObject { ["reason"] = "FieldValueInvalid", ["message"] = why });
        return new(422, "Invalid", $"{t.Kind} \"{name}\" is invalid: {why}", d);
    }
    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);
    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);
    public static ApiException NotFoundPath(string path) =>
        new(404, "NotFound", "the server could not find the requested resource", new JsonObject());
    public static ApiException Gone(string message) => new(410, "Expired", message);
}

public static class StatusObjects
{
    public static JsonObject Failure(int code, string reason, string message, JsonObject? details) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["details"] = details ?? new JsonObject(),
        ["code"] = code,
    };

    public static JsonObject Success(ResourceType t, string name, string uid) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["details"] = new JsonObject { ["name"] = name, ["group"] = t.Group, ["kind"] = t.Plural, ["uid"] = uid },
    };
}
