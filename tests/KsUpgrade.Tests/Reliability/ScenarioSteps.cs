namespace KsUpgrade.Tests.Reliability;

/// <summary>The mutating scenarios of the fault matrix (issue 8).</summary>
public enum Scenario
{
    /// <summary>Invoke-KsHostUpgrade on the host of ks34-multicluster.</summary>
    Host,
    /// <summary>Invoke-KsMemberUpgrade -HostCluster on member1, once the host is upgraded.</summary>
    Member,
    /// <summary>Update-KsGateway -All on the host, once it is upgraded with the gateway job of ks-upgrade.</summary>
    Gateway,
}

/// <summary>
/// One mutating step of a scenario and the API request a fault aimed at it hits: the first request of that verb on that
/// resource (and name) in that cluster the step makes. <paramref name="Job"/> names the Job the step waits for (the
/// target of JobFailed), null when the step runs none.
/// </summary>
internal sealed record StepTarget(string Step, string Cluster, string Verb, string Resource, string? Name, string? Job = null);

/// <summary>The columns of each scenario's table: its mutating steps, in the order they run, with what a fault hits.</summary>
internal static class ScenarioSteps
{
    public const string MemberCluster = "member1";

    /// <summary>The steps of ClusterUpgrade that change the cluster, with the first request each makes (as the host matrix found them).</summary>
    private static IEnumerable<StepTarget> UpgradeSteps(string cluster) => new StepTarget[]
    {
        // the backup lists every kind; configmaps are listed only by the backup (the journal is read with get)
        new("Backup", cluster, "list", "configmaps", null),
        new("StopInstaller", cluster, "patch", "deployments", "ks-installer"),
        new("EtcdEndpoints", cluster, "patch", "clusterconfigurations", "ks-installer"),
        new("RemoveOldRedis", cluster, "delete", "deployments", "redis"),
        // the engine applies the rendered Job server-side (PATCH); helm's hook jobs are created with POST
        new("PrepareJob", cluster, "patch", "jobs", "prepare-upgrade", Job: "prepare-upgrade"),
        new("ApplyCrds", cluster, "patch", "customresourcedefinitions", null),
        // helm's own release record: the first write `helm upgrade` makes
        new("HelmUpgrade", cluster, "create", "secrets", null),
    };

    public static readonly IReadOnlyList<StepTarget> Host = UpgradeSteps("host").ToList();

    /// <summary>
    /// The member's own steps (the same engine, on member1), then what -HostCluster adds on the host: once the member's
    /// upgrade succeeded, the Schedulable condition ks-upgrade put on its Cluster object is removed there with a guarded
    /// JSON patch (the host check of the Preflight step only reads).
    /// </summary>
    public static readonly IReadOnlyList<StepTarget> Member = UpgradeSteps(MemberCluster)
        .Append(new StepTarget("RemoveTaint", "host", "patch", "clusters", MemberCluster)).ToList();

    /// <summary>
    /// Update-KsGateway -All upgrades the project, the workspace, then the cluster gateway, each with the same calls:
    /// delete the previous dynamic-upgrade Job (there is one from the second gateway on), create (or replace) the job's
    /// ConfigMap, create the Job, then wait for it while reading its pod's log. Creates carry the name in the body, not the
    /// URL: the rules match any ConfigMap/Job create (the engine is the only API client that creates those here).
    /// </summary>
    public static readonly IReadOnlyList<StepTarget> Gateway = new StepTarget[]
    {
        new("DeleteOldJob", "host", "delete", "jobs", "dynamic-upgrade"),
        new("ApplyConfig", "host", "create", "configmaps", null),
        new("CreateJob", "host", "create", "jobs", null),
        new("JobRun", "host", "get", "pods/log", null, Job: "dynamic-upgrade"),
    };

    public static IReadOnlyList<StepTarget> Of(Scenario scenario) => scenario switch
    {
        Scenario.Host => Host,
        Scenario.Member => Member,
        Scenario.Gateway => Gateway,
        _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
    };

    public static StepTarget Target(Scenario scenario, string step) =>
        Of(scenario).FirstOrDefault(t => t.Step == step) ?? throw new ArgumentException($"no step {step} in the {scenario} scenario");
}
