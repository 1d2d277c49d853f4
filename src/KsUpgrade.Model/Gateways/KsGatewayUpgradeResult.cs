namespace KsUpgrade;

/// <summary>What Update-KsGateway did for one gateway.</summary>
public enum KsGatewayUpgradeOutcome
{
    /// <summary>
    /// The job completed and the cluster shows the v4 gateway: the v2alpha1 Gateway, its release deployed on the v4
    /// gateway chart, the controller Deployment available and the IngressClass.
    /// </summary>
    Upgraded,
    /// <summary>Nothing to do: the cluster already shows the v4 gateway (the same evidence as Upgraded; the upstream job is not idempotent).</summary>
    AlreadyUpgraded,
    /// <summary>A release of the gateway is pending-*: it must be rolled back first (see Detail).</summary>
    ReleasePending,
    /// <summary>The job failed, timed out, or logged that it skipped its work; or the gateway was refused before any change (see ErrorId).</summary>
    Failed,
    /// <summary>Not attempted: -WhatIf, declined, or a gateway it must follow failed (see Detail).</summary>
    NotRun,
    /// <summary>The job completed but the cluster did not show the v4 gateway within the wait (KsUpgrade.GatewayNotVerified; Detail names what is missing).</summary>
    NotVerified,
}

/// <summary>The result of upgrading one gateway.</summary>
public sealed record KsGatewayUpgradeResult
{
    public KsGateway Gateway { get; init; } = new();
    public KsGatewayUpgradeOutcome Outcome { get; init; }
    /// <summary>True for Upgraded and AlreadyUpgraded.</summary>
    public bool Succeeded { get; init; }
    /// <summary>For a gateway that failed or is not verified: the ErrorId of the ErrorRecord Update-KsGateway writes for it.</summary>
    public string? ErrorId { get; init; }
    /// <summary>What to do next, for a gateway that did not succeed.</summary>
    public string? Remedy { get; init; }
    /// <summary>
    /// Ingresses (namespace/name) the upgrade gave an ingressClassName that names no IngressClass in the cluster: no
    /// controller serves them (ks-upgrade v4.1.3 gives the cluster gateway's Ingresses the hard-coded class
    /// kubesphere-router-cluster). Never listed in NewIngresses.
    /// </summary>
    public IReadOnlyList<string> UnservedIngresses { get; init; } = Array.Empty<string>();
    /// <summary>
    /// With -RepointIngressClass: the Ingresses (namespace/name) this call pointed at the gateway's IngressClass, as the
    /// cluster shows them after the patch (re-read). Never listed in UnservedIngresses.
    /// </summary>
    public IReadOnlyList<string> RepointedIngresses { get; init; } = Array.Empty<string>();
    public TimeSpan Duration { get; init; }
    /// <summary>Ingresses (namespace/name) created, or given an ingressClassName, while the gateway was upgraded.</summary>
    public IReadOnlyList<string> NewIngresses { get; init; } = Array.Empty<string>();
    /// <summary>What happened, with the remedy when it failed (e.g. the helm rollback command).</summary>
    public string Detail { get; init; } = "";
    /// <summary>For ReleasePending: the release and the revision to roll back to (null when none was ever deployed).</summary>
    public string? PendingRelease { get; init; }
    public int? RollbackRevision { get; init; }
    /// <summary>The dynamic-upgrade job's log (Failed outcomes keep it for diagnosis).</summary>
    public IReadOnlyList<string> JobLog { get; init; } = Array.Empty<string>();

    public override string ToString() => $"{Gateway.Name}: {Outcome}";
}

/// <summary>What Remove-KsLegacyGateway did.</summary>
public sealed class KsLegacyGatewayCleanupResult
{
    /// <summary>nginxes.gateway.kubesphere.io objects (namespace/name) whose finalizers were removed.</summary>
    public IReadOnlyList<string> FinalizersRemoved { get; init; } = Array.Empty<string>();
    /// <summary>Every Nginx object found (namespace/name).</summary>
    public IReadOnlyList<string> NginxObjects { get; init; } = Array.Empty<string>();
    /// <summary>The CRD was deleted by this call.</summary>
    public bool CrdDeleted { get; init; }
    /// <summary>The CRD was already absent.</summary>
    public bool CrdAbsent { get; init; }
    /// <summary>Gateways still on v3 at the time (non-empty only with -Force).</summary>
    public IReadOnlyList<string> RemainingV3Gateways { get; init; } = Array.Empty<string>();
}
