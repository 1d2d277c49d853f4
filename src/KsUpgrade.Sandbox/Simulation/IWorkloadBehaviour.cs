using System.Text.Json.Nodes;

namespace KsUpgrade.Sandbox.Simulation;

/// <summary>What a simulated Job's pod did: success or failure, and the log lines it printed.</summary>
public sealed record JobOutcome(bool Succeeded, IReadOnlyList<string> LogLines);

/// <summary>
/// Read and write access to one simulated cluster's objects, for behaviours that react to workloads
/// (e.g. a ks-upgrade job that creates objects). Objects are Kubernetes JSON.
/// </summary>
public interface ISandboxClusterView
{
    string ClusterName { get; }
    /// <summary>Gets one object by API version (e.g. "v1", "apps/v1"), plural resource, namespace (null for cluster-scoped) and name.</summary>
    JsonObject? Get(string apiVersion, string resource, string? ns, string name);
    /// <summary>Lists objects; namespace null lists all namespaces.</summary>
    IReadOnlyList<JsonObject> List(string apiVersion, string resource, string? ns = null);
    /// <summary>Creates or replaces an object (server fills uid, resourceVersion, timestamps).</summary>
    JsonObject Upsert(JsonObject obj);
    /// <summary>Deletes an object if present.</summary>
    bool Delete(string apiVersion, string resource, string? ns, string name);
}

/// <summary>
/// A pluggable behaviour for simulated workloads. The sandbox asks each registered behaviour, in order,
/// when a Job's pod finishes; the first non-null outcome wins, else the default (success) applies. A Job the fault
/// plan names fails without any behaviour being asked (so tests can force failures of jobs behaviours answer).
/// </summary>
public interface IWorkloadBehaviour
{
    JobOutcome? OnJobRun(JsonObject job, ISandboxClusterView cluster);
}
