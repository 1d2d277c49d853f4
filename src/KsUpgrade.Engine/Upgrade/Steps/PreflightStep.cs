using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Kube;

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
    internal static async Task<HelmRelease?> CheckNotPendingAsync(UpgradeContext c, CancellationToken ct)
    {
        var latest = await HelmReleaseReader.LatestAsync(c.Api, KsNames.KubeSphereSystem, KsNames.KsCoreRelease, ct).ConfigureAwait(false);
        if (latest is not null && Helm.HelmReleaseStatus.IsPending(latest.Status))
            throw new KsUpgradeException(ErrorIds.ReleasePending, KsErrorCategory.ResourceBusy,
                $"The ks-core release is {latest.Status} (revision {latest.Revision}): an earlier helm operation was interrupted.", latest.SecretName)
            {
                Remedy = $"Back up, then delete secret {latest.SecretName} in {KsNames.KubeSphereSystem} so the last deployed revision is current again; then re-run.",
            };
        return latest;
    }

    public async Task<string> RunAsync(UpgradeContext c, StepPlan plan, CancellationToken ct)
    {
        var notes = new List<string>();
        // Before anything changes: render the chart exactly as the upgrade will, and check it against the cluster.
        var proof = (await c.ProofAsync(ct).ConfigureAwait(false)).Findings;
        foreach (var w in proof.Warnings) c.Log.Warning(w);
        CheckOutcome checks;
        if (c.Parameters.SkipPreflightChecks)
        {
            notes.Add("checks: from the piped report");
            var failed = c.Parameters.PreflightReportFailedChecks ?? Array.Empty<KsCheckResult>();
            checks = new CheckOutcome(failed.Count > 0, failed.Select(f => $"{f.Id} failed: {f.Message}").ToList()) { FailedChecks = failed };
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
        if (checks.Failed)
        {
            // only the failed checks named in -IgnoreCheck are waived; each is a Warning and is written to the journal
            var waived = CheckWaivers.WaiveOrRefuse(checks, c.Parameters.IgnoredChecks, c.Api.Context);
            foreach (var w in waived)
                c.Log.Warning($"Pre-flight check {w.Id} failed on {c.Api.Context} and is waived by -IgnoreCheck {w.Id}: {w.Message}");
            c.Facts[JournalFacts.WaivedChecks] = System.Text.Json.JsonSerializer.Serialize(waived.Select(w => $"{w.Id}: {w.Message}").ToArray());
            notes.Add($"checks failed, waived by -IgnoreCheck: {string.Join(", ", waived.Select(w => w.Id))}");
        }
        else if (!c.Parameters.SkipPreflightChecks) notes.Add("checks passed");
        notes.Add($"chart renders (helm {proof.HelmVersion}: {proof.PrepareObjects} prepare, {proof.ReleaseObjects} release objects"
                  + (proof.CrdsBeforePrepare.Count > 0 ? $"; {proof.CrdsBeforePrepare.Count} CRDs before the prepare render" : "") + ")");

        var latest = await CheckNotPendingAsync(c, ct).ConfigureAwait(false);
        if (latest is not null) notes.Add($"ks-core revision {latest.Revision} {latest.Status} ({latest.AppVersion})");

        var cc = await c.Api.GetAsync(ResourceKind.ClusterConfigurations, KsNames.KubeSphereSystem, KsNames.InstallerCcName, ct).ConfigureAwait(false);
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
            var host = await HelmReleaseReader.LastDeployedAsync(c.HostApi, KsNames.KubeSphereSystem, KsNames.KsCoreRelease, ct).ConfigureAwait(false);
            if (string.IsNullOrEmpty(host?.AppVersion) || !host.AppVersion.StartsWith("v4", StringComparison.Ordinal))
                throw new KsUpgradeException(ErrorIds.HostNotUpgraded, KsErrorCategory.InvalidOperation,
                    $"The host cluster '{c.HostApi.Context}' does not run KubeSphere 4 yet (deployed ks-core: {(string.IsNullOrEmpty(host?.AppVersion) ? "none" : host.AppVersion)}); members are upgraded after the host.",
                    c.HostApi.Context) { Remedy = "Run Invoke-KsHostUpgrade on the host first." };
            notes.Add($"host {c.HostApi.Context} on {host.AppVersion}");
        }
        return string.Join("; ", notes);
    }
}
