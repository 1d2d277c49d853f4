namespace KsUpgrade;

/// <summary>Where one cluster of an Invoke-KsUpgrade fleet stands (kept in the fleet journal on the host).</summary>
public enum KsFleetClusterState
{
    /// <summary>Nothing done to it by the fleet yet (also: not started because the host or the pre-flight failed).</summary>
    Pending,
    /// <summary>Its upgrade (host or member) is under way or stopped: a re-run resumes it from its own journal.</summary>
    Upgrading,
    /// <summary>Upgraded (and, for a member, its Schedulable condition removed on the host).</summary>
    Upgraded,
    /// <summary>Upgraded and, with -IncludeGateways, its gateways upgraded.</summary>
    GatewaysUpgraded,
    /// <summary>Upgraded, gateways done when asked for, and the post-upgrade checks passed: nothing left.</summary>
    Done,
    /// <summary>A stage failed; <see cref="KsFleetClusterResult.ErrorId"/> says why. A re-run retries from that stage.</summary>
    Failed,
}

/// <summary>One cluster of an Invoke-KsUpgrade run: written to the pipeline when its work in this run has ended.</summary>
public sealed class KsFleetClusterResult
{
    /// <summary>The kubeconfig context of the cluster.</summary>
    public string Cluster { get; init; } = "";
    /// <summary>Its name in the host's cluster list (a member), or the host's context.</summary>
    public string Name { get; init; } = "";
    public KsClusterRole Role { get; init; }
    public KsFleetClusterState State { get; set; }
    /// <summary>The stage this run ended in: Preflight, Upgrade, Gateways, PostUpgradeChecks, or None when done by an earlier run.</summary>
    public string Stage { get; set; } = "";
    /// <summary>The fleet's pre-flight report of the cluster (null when it was not run: the cluster's upgrade had already begun).</summary>
    public KsClusterReport? Preflight { get; set; }
    /// <summary>Its host or member upgrade (null when not run in this run).</summary>
    public KsUpgradeResult? Upgrade { get; set; }
    /// <summary>Its gateway upgrades (-IncludeGateways).</summary>
    public KsGatewayUpgradeResult[] Gateways { get; set; } = Array.Empty<KsGatewayUpgradeResult>();
    /// <summary>The post-upgrade checks of the cluster after the fleet's work.</summary>
    public KsClusterReport? PostUpgrade { get; set; }
    /// <summary>The KubeSphere version the cluster's ks-core release shows (read from the cluster).</summary>
    public string? Version { get; set; }
    /// <summary>The ErrorId of the failure that stopped this cluster (null when none).</summary>
    public string? ErrorId { get; set; }
    public string? Error { get; set; }
    public string? Remedy { get; set; }
    /// <summary>What is left to do for this cluster (empty when done).</summary>
    public string[] Remaining { get; set; } = Array.Empty<string>();
    /// <summary>
    /// The other live Invoke-KsUpgrade run working on this cluster when this run could not claim it in the fleet journal
    /// ("machine/pid/id (lease until ...)"); null when none. Such a cluster is left to that run.
    /// </summary>
    public string? HeldBy { get; set; }
    /// <summary>How long the fleet worked on this cluster in this run.</summary>
    public TimeSpan Duration { get; set; }
    /// <summary>The stages this run worked on for this cluster, in order, each with when it started and how long it took.</summary>
    public KsFleetStage[] Stages { get; set; } = Array.Empty<KsFleetStage>();

    public override string ToString() => $"{Name} {Role}: {State}{(ErrorId is null ? "" : $" ({ErrorId})")}";
}

/// <summary>One stage of a cluster in an Invoke-KsUpgrade run: Preflight, Upgrade, Gateways or PostUpgradeChecks.</summary>
public sealed record KsFleetStage(string Name, DateTimeOffset Started, TimeSpan Duration)
{
    public DateTimeOffset Ended => Started + Duration;
    public override string ToString() => $"{Name} {Started:HH:mm:ss} +{Duration.TotalSeconds:0.#} s";
}

/// <summary>Invoke-KsUpgrade's summary: the last object it writes.</summary>
public sealed class KsFleetResult
{
    /// <summary>The host's context.</summary>
    public string Host { get; init; } = "";
    public KsFleetClusterResult[] Clusters { get; init; } = Array.Empty<KsFleetClusterResult>();
    /// <summary>True when every cluster is <see cref="KsFleetClusterState.Done"/>: a runbook restarts the job until it is.</summary>
    public bool Done => Clusters.Length > 0 && Clusters.All(c => c.State == KsFleetClusterState.Done);
    /// <summary>True when -WhatIf (or a declined confirmation) left the fleet unchanged: <see cref="Plan"/> says what would run.</summary>
    public bool WhatIf { get; init; }
    /// <summary>The fleet's plan: per cluster, the steps and their order.</summary>
    public string[] Plan { get; init; } = Array.Empty<string>();
    /// <summary>What is left to do, per cluster ("member2: Upgrade, PostUpgradeChecks").</summary>
    public string[] Remaining => Clusters.Where(c => c.Remaining.Length > 0).Select(c => $"{c.Name}: {string.Join(", ", c.Remaining)}").ToArray();
    public int Succeeded => Clusters.Count(c => c.State == KsFleetClusterState.Done);
    public int Failed => Clusters.Count(c => c.State == KsFleetClusterState.Failed);
    /// <summary>The fleet journal ConfigMap on the host (kubesphere-system).</summary>
    public string Journal { get; init; } = "";
    public TimeSpan Duration { get; set; }

    public override string ToString() => Done
        ? $"Fleet of {Host}: done ({Clusters.Length} clusters)"
        : $"Fleet of {Host}: {Succeeded}/{Clusters.Length} done, {Failed} failed";
}
