namespace KsUpgrade;

/// <summary>What Update-KsGateway did for one gateway.</summary>
public enum KsGatewayUpgradeOutcome
{
    /// <summary>The dynamic-upgrade job completed and the gateway's release is deployed.</summary>
    Upgraded,
    /// <summary>Nothing to do: the &lt;name&gt;-ingress release is gone or a v2alpha1 Gateway exists (the upstream job is not idempotent).</summary>
    AlreadyUpgraded,
    /// <summary>A release of the gateway is pending-*: it must be rolled back first (see Detail).</summary>
    ReleasePending,
    /// <summary>The job failed, timed out, or logged that it skipped its work; or the release is not deployed afterwards.</summary>
    Failed,
    /// <summary>Not attempted: -WhatIf, declined, or an earlier gateway failed.</summary>
    NotRun,
}

/// <summary>The result of upgrading one gateway.</summary>
public sealed class KsGatewayUpgradeResult
{
    public KsGateway Gateway { get; init; } = new();
    public KsGatewayUpgradeOutcome Outcome { get; init; }
    /// <summary>True for Upgraded and AlreadyUpgraded.</summary>
    public bool Succeeded { get; init; }
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
