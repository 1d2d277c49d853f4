using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Storage;

/// <summary>
/// A change in a cluster's store: ADDED, MODIFIED or DELETED, with the object's JSON text after it. Each consumer
/// parses its own copy (<see cref="ParseObject"/>), so no JSON node is shared between threads.
/// </summary>
public sealed record StoreEvent(string Type, string GroupResource, string Namespace, string Name, long ResourceVersion, string Json)
{
    public JsonObject ParseObject() => (JsonObject)JsonNode.Parse(Json)!;
}
