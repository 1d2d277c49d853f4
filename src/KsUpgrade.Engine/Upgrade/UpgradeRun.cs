using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Checks.Preflight;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Members;
using KsUpgrade.Engine.Upgrade.Wiring;

namespace KsUpgrade.Engine.Upgrade;

/// <summary>What Invoke-KsHostUpgrade / Invoke-KsMemberUpgrade were given.</summary>
public sealed record UpgradeRunRequest
{
    public required KsCluster Cluster { get; init; }
    public required UpgradeParameters Parameters { get; init; }
    /// <summary>A Test-KsCluster report piped in: its checks stand for the pre-flight step.</summary>
    public KsClusterReport? Report { get; init; }
    /// <summary>For a member: the host, which must already run KubeSphere 4; the member's taint is removed there afterwards.</summary>
    public KsCluster? Host { get; init; }
    /// <summary>The member's name in the host's cluster list (default: the member's context name).</summary>
    public string? MemberName { get; init; }
    /// <summary>
    /// For a member: run without <see cref="Host"/> (-SkipHostCheck). Nothing then checks that the host already runs
    /// KubeSphere 4, and the member's Schedulable condition stays on the host until Remove-KsMemberTaint removes it.
    /// </summary>
    public bool SkipHostCheck { get; init; }
    public string? HelmPath { get; init; }
}

/// <summary>
/// The upgrade's entry point (link 1 of 4: UpgradeRun → UpgradeWiring → ClusterUpgrade → StepExecutor), the only one the
/// cmdlets call: refuses bad reports, roles and a member without its host, then hands over to <see cref="Wiring.UpgradeWiring"/>.
/// </summary>
public static class UpgradeRun
{
    public static async Task<KsUpgradeResult> RunAsync(UpgradeRunRequest request, IEngineLog log, CancellationToken ct)
    {
        var p = request.Parameters with { IgnoredChecks = CheckIds.ForIgnore(request.Parameters.IgnoredChecks) };
        if (request.Report is { } report) CheckReport(report, p);
        if (p.Role == KsClusterRole.Member && request.Host is null && !request.SkipHostCheck)
            throw new KsUpgradeException(ErrorIds.HostClusterRequired, KsErrorCategory.InvalidArgument,
                $"A member is upgraded after its host, and without -HostCluster nothing checks that the host of '{request.Cluster.Context}' already runs KubeSphere 4. Nothing was changed.",
                request.Cluster.Context)
            {
                Remedy = "Pass the host's connection: Invoke-KsMemberUpgrade -HostCluster (Connect-KsCluster -Context <host>) (it also removes the member's Schedulable condition on the host afterwards). " +
                         "Only if the host is known to be on v4 and cannot be reached from here, pass -SkipHostCheck, then remove the condition with Remove-KsMemberTaint -MemberCluster.",
            };
        if (request.Host is not null && request.SkipHostCheck && p.Role == KsClusterRole.Member)
            throw new KsUpgradeException(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument,
                "-HostCluster and -SkipHostCheck contradict each other: give the host to have it checked, or -SkipHostCheck alone.", request.Cluster.Context)
            { Remedy = "Drop -SkipHostCheck (recommended) or -HostCluster." };
        if (request.Host is { } host && p.Role == KsClusterRole.Member)
        {
            if (ReferenceEquals(host, request.Cluster))
                throw new KsUpgradeException(ErrorIds.RoleMismatch, KsErrorCategory.InvalidArgument,
                    "-HostCluster is the member cluster itself: give the host's KsCluster.", request.Cluster.Context);
            // a wrong -MemberName stops here, before anything changes (not at the taint removal after the upgrade)
            await MemberClusters.EnsureMemberAsync(host, request.MemberName ?? request.Cluster.Context, ct).ConfigureAwait(false);
        }

        var result = await UpgradeWiring.RunAsync(request.Cluster, p with
            {
                SkipPreflightChecks = request.Report is not null,
                PreflightFailingPods = request.Report is { } r ? SystemPods.FailingOwners(r["SystemPodsHealthy"]) : p.PreflightFailingPods,
                PreflightReportFailedChecks = request.Report is { } fr ? ReportFailures(fr) : p.PreflightReportFailedChecks,
            },
            new NamingLog(log, request), request.HelmPath, request.Host, ct).ConfigureAwait(false);
        if (result.Succeeded && p.Role == KsClusterRole.Member && request.Host is not null)
        {
            var name = request.MemberName ?? request.Cluster.Context;
            log.Information($"Removing the Schedulable taint of member '{name}' on the host {request.Host.Context}.", ClusterUpgrade.StepTag);
            // the member's own ks-core release is the evidence: it was just upgraded, whatever the host's view says yet
            await MemberClusters.RemoveTaintAsync(request.Host, name, new TaintRemovalOptions { Member = request.Cluster }, log, ct).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>
    /// A piped report: refused when it has Failed checks not named in -IgnoreCheck, when it did not run every check
    /// (-ExcludeCheck), and, always, when its role is not the cmdlet's.
    /// </summary>
    public static void CheckReport(KsClusterReport report, UpgradeParameters p)
    {
        var reportRole = report.ClusterRole is KsClusterRole.None or KsClusterRole.Unknown ? KsClusterRole.Host : report.ClusterRole;
        if (report.ClusterRole != KsClusterRole.Unknown && reportRole != p.Role)
            throw new KsUpgradeException(ErrorIds.RoleMismatch, KsErrorCategory.InvalidArgument,
                $"The report is of a {report.ClusterRole} cluster ({report.Cluster?.Context}), but a {p.RoleName} upgrade was asked for.",
                report.Cluster?.Context)
            { Remedy = p.Role == KsClusterRole.Host ? "Use Invoke-KsMemberUpgrade for a member cluster." : "Use Invoke-KsHostUpgrade for the host cluster." };
        if (report.Phase != KsCheckPhase.Preflight)
            throw new KsUpgradeException(ErrorIds.PreflightFailed, KsErrorCategory.InvalidArgument,
                $"The piped report is a {report.Phase} report; the upgrade needs a Preflight report.", report.Cluster?.Context);
        if (report.ExcludedChecks.Length > 0)
            throw new KsUpgradeException(ErrorIds.ReportIncomplete, KsErrorCategory.InvalidArgument,
                $"The piped report of {report.Cluster?.Context} did not run {string.Join(", ", report.ExcludedChecks)} (Test-KsCluster -ExcludeCheck): it cannot stand for the upgrade's pre-flight. Nothing was changed.",
                report.Cluster?.Context)
            { Remedy = "Run the upgrade without piping that report (it runs every pre-flight check itself), or pipe a report of Test-KsCluster without -ExcludeCheck; waive a failed check by name with -IgnoreCheck." };
        var failed = ReportFailures(report);
        if (failed.Count > 0)
            CheckWaivers.WaiveOrRefuse(new CheckOutcome(true, failed.Select(f => $"{f.Id} failed: {f.Message}").ToList()) { FailedChecks = failed },
                p.IgnoredChecks, report.Cluster?.Context ?? "");
    }

    /// <summary>
    /// The report's Failed checks the upgrade judges. UpgradeInProgress is its own business: it resumes from its journal,
    /// or refuses different parameters. ChartAvailable judged the chart where Test-KsCluster ran: the upgrade judges its
    /// own -Chart (its Preflight step).
    /// </summary>
    private static IReadOnlyList<KsCheckResult> ReportFailures(KsClusterReport report) =>
        report.Checks.Where(c => c.Status == KsCheckStatus.Failed && c.Id != UpgradeInProgressCheck.CheckId
                                 && c.Id != Checks.Preflight.ChartAvailableCheck.CheckId).ToList();

    /// <summary>Sets the result's Name (the member's name on the host) as it passes to the output.</summary>
    private sealed class NamingLog(IEngineLog inner, UpgradeRunRequest request) : ForwardingEngineLog(inner)
    {
        public override void Output(object result)
        {
            if (result is KsUpgradeResult r && string.IsNullOrEmpty(r.Name)) r.Name = request.MemberName ?? request.Cluster.Context;
            Inner.Output(result);
        }
    }
}
