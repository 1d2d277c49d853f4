using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Kube;

using KsUpgrade.Engine.Journal;

namespace KsUpgrade.Engine.Upgrade.Steps;

/// <summary>
/// Step 1: the Test-KsCluster preflight checks (unless a report was piped in), no pending ks-core release, the cluster's
/// role matches the cmdlet, and for a member with a host given: the host runs KubeSphere 4.
/// </summary>
internal sealed class PreflightStep : IUpgradeStep
{
    public UpgradeStepId Id => UpgradeStepId.Preflight;
    public bool Mutating => false;

    public Task<StepPlan> PlanAsync(UpgradeContext c, CancellationToken ct) =>
        Task.FromResult(new StepPlan(c.Api.Context, new[] { "Run the preflight checks (read-only)" }));

    /// <summary>Stops when the latest ks-core revision is pending-* (an interrupted helm operation); returns that revision.</summary>
    internal static async Task<ReleaseRevision?> CheckNotPendingAsync(UpgradeContext c, CancellationToken ct)
    {
        var latest = await ReleaseSecrets.LatestAsync(c.Api, UpgradeContext.Namespace, UpgradeContext.Release, ct).ConfigureAwait(false);
        if (latest is not null && Helm.HelmReleaseStatus.IsPending(latest.Status))
            throw new KsUpgradeException(ErrorIds.ReleasePending, KsErrorCategory.ResourceBusy,
                $"The ks-core release is {latest.Status} (revision {latest.Revision}): an earlier helm operation was interrupted.", latest.SecretName)
            {
                Remedy = $"Back up, then delete secret {latest.SecretName} in {UpgradeContext.Namespace} so the last deployed revision is current again; then re-run.",
            };
        return latest;
    }

    public async Task<string> RunAsync(UpgradeContext c, StepPlan plan, CancellationToken ct)
    {
        var notes = new List<string>();
        // Before anything changes: render the chart exactly as the upgrade will, and check it against the cluster.
        var proof = (await c.ProofAsync(ct).ConfigureAwait(false)).Findings;
        foreach (var w in proof.Warnings) c.Log.Warning(w);
        CheckOutcome? checks = null;
        if (c.Parameters.SkipPreflightChecks)
        {
            notes.Add("checks: from the piped report");
            c.KeepPreflightBaseline(c.Parameters.PreflightFailingPods);
        }
        else
        {
            checks = await c.Checks.PreflightAsync(proof, ct).ConfigureAwait(false);
            c.KeepPreflightBaseline(checks.FailingPods);
        }
        if (proof.Failed)
            throw new KsUpgradeException(ErrorIds.ChartRenderFailed, KsErrorCategory.InvalidResult,
                $"Nothing was changed: the upgrade cannot finish. {proof.Describe()}", c.Parameters.Chart)
                { Remedy = proof.Remedy };
        if (checks is not null)
        {
            var outcome = checks;
            if (outcome.Failed)
            {
                var text = string.Join("; ", outcome.Messages);
                // the upgrade runs helm: no override carries it past a helm that is missing, unusable or too old
                if (outcome.Messages.Any(m => m.StartsWith("HelmVersion failed", StringComparison.Ordinal)))
                    throw new KsUpgradeException(ErrorIds.PreflightFailed, KsErrorCategory.InvalidOperation,
                        $"The preflight checks failed: {text}", c.Api.Context)
                    { Remedy = "The upgrade runs helm: install helm 3.13 or later (helm 4 works too) and put it on PATH, set KSUPGRADE_HELM, or pass -HelmPath <path to helm>; then run the same command again." };
                if (!c.Parameters.Force)
                    throw new KsUpgradeException(ErrorIds.PreflightFailed, KsErrorCategory.InvalidOperation,
                        $"The preflight checks failed: {text}", c.Api.Context) { Remedy = "Fix the failed checks (Test-KsCluster shows them), or pass -Force to upgrade anyway." };
                c.Log.Warning($"Preflight checks failed, continuing because of -Force: {text}");
                notes.Add("checks failed (-Force)");
            }
            else notes.Add("checks passed");
        }
        notes.Add($"chart renders (helm {proof.HelmVersion}: {proof.PrepareObjects} prepare, {proof.ReleaseObjects} release objects"
                  + (proof.CrdsBeforePrepare.Count > 0 ? $"; {proof.CrdsBeforePrepare.Count} CRDs before the prepare render" : "") + ")");

        var latest = await CheckNotPendingAsync(c, ct).ConfigureAwait(false);
        if (latest is not null) notes.Add($"ks-core revision {latest.Revision} {latest.Status} ({latest.AppVersion})");

        var cc = await c.Api.GetAsync(ResourceKind.ClusterConfigurations, UpgradeContext.Namespace, "ks-installer", ct).ConfigureAwait(false);
        if (cc is not null)
        {
            var version = cc.Label("version");
            if (version is not null) c.Facts[UpgradeContext.FactFromVersion] = version;
            var role = ClusterIdentity.ParseRole(cc.Str("spec", "multicluster", "clusterRole"));
            var effective = role is KsClusterRole.None or KsClusterRole.Unknown ? KsClusterRole.Host : role;
            if (effective != c.Parameters.Role)
                throw new KsUpgradeException(ErrorIds.RoleMismatch, KsErrorCategory.InvalidArgument,
                    $"The cluster's ClusterConfiguration says its role is '{cc.Str("spec", "multicluster", "clusterRole") ?? "none"}', but a {c.Parameters.RoleName} upgrade was asked for.",
                    c.Api.Context) { Remedy = effective == KsClusterRole.Member ? "Use Invoke-KsMemberUpgrade for this cluster." : "Use Invoke-KsHostUpgrade for this cluster." };
            notes.Add($"role {c.Parameters.RoleName}, from {version ?? "unknown version"}");
        }
        else notes.Add("no ks-installer ClusterConfiguration");

        if (c.Parameters.Role == KsClusterRole.Member && c.HostApi is not null)
        {
            var host = await ReleaseSecrets.LatestDeployedAsync(c.HostApi, UpgradeContext.Namespace, UpgradeContext.Release, ct).ConfigureAwait(false);
            if (host?.AppVersion is null || !host.AppVersion.StartsWith("v4", StringComparison.Ordinal))
                throw new KsUpgradeException(ErrorIds.HostNotUpgraded, KsErrorCategory.InvalidOperation,
                    $"The host cluster '{c.HostApi.Context}' does not run KubeSphere 4 yet (deployed ks-core: {host?.AppVersion ?? "none"}); members are upgraded after the host.",
                    c.HostApi.Context) { Remedy = "Run Invoke-KsHostUpgrade on the host first." };
            notes.Add($"host {c.HostApi.Context} on {host.AppVersion}");
        }
        return string.Join("; ", notes);
    }
}
