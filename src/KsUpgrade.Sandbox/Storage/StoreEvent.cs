using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Storage;

/// <summary>A change in a cluster's store: ADDED, MODIFIED or DELETED, with a snapshot of the object after it.</summary>
public sealed record StoreEvent(string Type, string GroupResource, string Namespace, string Name, long ResourceVersion, JsonObject Object);
