using System.Diagnostics;
using KsUpgrade.Engine.Charts;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Checks.Preflight;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Members;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Engine.Upgrade.Wiring;

namespace KsUpgrade.Engine.Fleet;

/// <summary>What Invoke-KsUpgrade was given.</summary>
public sealed record FleetRequest
{
    public required KsCluster Host { get; init; }
    /// <summary>The members, each by its connection; its name on the host is its context name.</summary>
    public IReadOnlyList<KsCluster> Members { get; init; } = Array.Empty<KsCluster>();
    /// <summary>The upgrade cmdlets' parameters (the role is set per cluster).</summary>
    public required UpgradeParameters Parameters { get; init; }
    public bool IncludeGateways { get; init; }
    /// <summary>Update-KsGateway -RepointIngressClass for every cluster's gateways (with <see cref="IncludeGateways"/>).</summary>
    public bool RepointIngressClass { get; init; }
    /// <summary>How many clusters are worked on at once (pre-flight, members, gateways, post-checks).</summary>
    public int ThrottleLimit { get; init; } = DefaultThrottleLimit;
    public const int DefaultThrottleLimit = 4;
    public string? HelmPath { get; init; }
    /// <summary>How long each gateway's v4 gateway may take to show after its job (Update-KsGateway -Timeout).</summary>
    public TimeSpan GatewayVerifyTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>
    /// The pre-flight of every cluster, then only the host's stages (-HostOnly): a fan-out parent's first pass; child runs
    /// given subsets of the members (same parameters) then do the members, coordinated by the fleet journal.
    /// </summary>
    public bool HostOnly { get; init; }
    /// <summary>How long this run's claim on a cluster in the fleet journal holds unless renewed (renewed every third of it).</summary>
    public TimeSpan Lease { get; init; } = FleetJournal.DefaultLease;
    /// <summary>How often a run whose host another live run is upgrading reads the fleet journal while it waits.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Invoke-KsUpgrade: the whole guide for a federation, over the existing engines — the pre-flight of every cluster
/// (Test-KsCluster's engine, with the member checks) before any change, the host upgrade, the members up to
/// <see cref="FleetRequest.ThrottleLimit"/> at once (each as Invoke-KsMemberUpgrade -HostCluster: host checked, taint
/// removed after its upgrade), with -IncludeGateways each cluster's gateways (Update-KsGateway's engine, one at a time per
/// cluster), and the post-upgrade checks. A fleet journal on the host (<see cref="UpgradeJournal.FleetConfigMapName"/>)
/// keeps the fleet's parameters (content digests, as the per-cluster journal) and each cluster's state, so the same
/// command re-run continues where each cluster was; each cluster's own journal resumes its upgrade. Several runs may share
/// the journal at once (a fan-out parent's <see cref="FleetRequest.HostOnly"/> pass, then child runs of member subsets):
/// each claims a cluster before working on it (<see cref="FleetJournal"/>), so a cluster done is skipped, one another live
/// run holds is not started twice, and the host is upgraded once (a run whose host another run is upgrading waits for it).
/// </summary>
public static class FleetUpgrade
{
    /// <summary>The fleet's progress bar; each cluster's bar is a child of it.</summary>
    public const int ProgressId = 7000;
    public const string StagePreflight = "Preflight";
    public const string StageUpgrade = "Upgrade";
    public const string StageGateways = "Gateways";
    public const string StagePostUpgradeChecks = "PostUpgradeChecks";

    /// <summary>
    /// A member's MemberExtensionCharts fails until the host's upgrade pushed the extension chart ConfigMaps: before the host
    /// is upgraded the fleet does not stop on it; the member's own pre-flight judges it after the host upgrade.
    /// </summary>
    private static readonly string MemberExtensionChartsId = new MemberExtensionChartsCheck().Id;
    private static readonly string IngressClassesExistId = new Checks.PostUpgrade.IngressClassesExistCheck().Id;

    public static async Task<KsFleetResult> RunAsync(FleetRequest request, IEngineLog log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        Validate(request);
        var ignored = CheckIds.ForIgnore(request.Parameters.IgnoredChecks);
        // a URL chart is downloaded only once the fleet is confirmed (-WhatIf fetches nothing); a local one is resolved now
        using var deferred = DeferredChart.Create(request.Parameters.Chart, request.Parameters.ChartSha256);
        var hostApi = KubeApi.For(request.Host, log.Verbose);
        var runId = FleetJournal.NewRunId();
        var slots = new List<Slot> { new(request.Host, request.Host.Context, KsClusterRole.Host, log, 0) };
        slots.AddRange(request.Members.Select((m, i) => new Slot(m, m.Context, KsClusterRole.Member, log, i + 1)));
        var existing = await FleetJournal.ReadAsync(hostApi, runId, request.Lease, null, ct).ConfigureAwait(false);

        UpgradeParameters p = null!;
        SortedDictionary<string, string> parameters = null!;
        SortedDictionary<string, string> sources = null!;
        // what needs the chart's content: the values checked against it, and the fleet journal's parameters (its digest)
        async Task ChartReadyAsync()
        {
            var chart = await deferred.GetAsync(ct).ConfigureAwait(false);
            p = request.Parameters with
            {
                Chart = chart.Path,
                ChartSha256 = null,
                ChartArchiveSha256 = chart.ArchiveSha256,
                ChartOrigin = request.Parameters.ChartOrigin ?? (Directory.Exists(request.Parameters.Chart) || File.Exists(request.Parameters.Chart)
                    ? Path.GetFullPath(request.Parameters.Chart) : request.Parameters.Chart),
                IgnoredChecks = ignored,
                // each cluster's backup goes into its own folder under one fleet folder (members start in the same second)
                BackupPath = request.Parameters.BackupPath is null
                    ? UpgradeParameters.DefaultBackupPath(DateTimeOffset.Now, request.Parameters.BackupBaseDirectory)
                    : Path.GetFullPath(request.Parameters.BackupPath),
            };
            await InputValidation.ValidateAsync(p with { Role = KsClusterRole.Host }, new LocalChartReader(), ct).ConfigureAwait(false);

            // the fleet journal: same parameters resume, different ones are refused (naming what differs)
            parameters = FleetParameters(request, p);
            sources = p.Sources();
            if (existing is not null && UpgradeJournal.Differences(existing.State, parameters, sources) is { } diff)
                throw new KsUpgradeException(ErrorIds.FleetJournalMismatch, KsErrorCategory.InvalidArgument,
                    $"An earlier Invoke-KsUpgrade run (fleet journal {KsNames.KubeSphereSystem}/{UpgradeJournal.FleetConfigMapName} on {request.Host.Context}, updated {existing.State.Updated:u}) used different parameters: {diff}.",
                    UpgradeJournal.FleetConfigMapName)
                {
                    Remedy = "Re-run Invoke-KsUpgrade with the parameters, members and files of that run to continue it (the same content resumes from any folder). "
                             + $"To start a different fleet run instead, delete ConfigMap {UpgradeJournal.FleetConfigMapName} in {KsNames.KubeSphereSystem} on the host (each cluster's own journal still resumes or refuses its upgrade).",
                };
            // a new fleet run never writes its backups into an existing non-empty folder (a resumed one continues in its own)
            if (existing is null && request.Parameters.BackupPath is not null) Backup.ClusterBackup.CheckTarget(p.BackupPath!);
        }
        if (!deferred.IsPending) await ChartReadyAsync().ConfigureAwait(false);
        if (existing is not null) foreach (var s in slots) s.Reached = existing.StateOf(s.Name);
        if (existing is not null)
            log.Information($"Continuing the fleet run recorded in {KsNames.KubeSphereSystem}/{UpgradeJournal.FleetConfigMapName} on {request.Host.Context}: "
                            + string.Join(", ", slots.Select(s => $"{s.Name} {s.Reached}")), StepTag);

        var plan = Plan(request, slots);
        if (deferred.IsPending)
            plan = plan.Prepend($"0. The chart would be downloaded from {deferred.Display}{(request.Parameters.ChartSha256 is null ? "" : " (its SHA-256 verified)")} once the fleet is confirmed, then the values checked against it and the fleet journal compared; nothing is fetched before.").ToArray();
        foreach (var line in plan) log.Verbose(line);
        if (!await log.ShouldProcessAsync($"The fleet of host {request.Host.Context} and {request.Members.Count} member(s)",
                "Upgrade the fleet to KubeSphere " + request.Parameters.Tag + ":" + Environment.NewLine + string.Join(Environment.NewLine, plan)).ConfigureAwait(false))
        {
            var preview = Summary(request, slots, clock, plan, whatIf: true);
            log.Output(preview);
            return preview;
        }
        if (deferred.IsPending) await ChartReadyAsync().ConfigureAwait(false);

        // -ThrottleLimit bounds the pre-flights and the member upgrades at once, and, separately, the clusters whose gateways
        // are being upgraded at once (the guide's gateways come after each cluster's upgrade, clusters in parallel)
        var throttle = new SemaphoreSlim(Math.Max(1, request.ThrottleLimit));
        var gatewayThrottle = new SemaphoreSlim(Math.Max(1, request.ThrottleLimit));
        var total = slots.Count;
        void FleetBar(string status) =>
            log.Progress(ProgressId, $"Invoke-KsUpgrade: fleet of {request.Host.Context}", status, 100 * slots.Count(s => s.Reached == KsFleetClusterState.Done) / total);

        // 1. Pre-flight of every cluster whose upgrade has not begun, before any change anywhere.
        FleetBar("pre-flight of every cluster");
        var hostPending = slots[0].Reached < KsFleetClusterState.Upgraded;
        await EachAsync(slots, throttle, s => PreflightAsync(s, request, p, hostPending, ct), ct).ConfigureAwait(false);
        var refused = slots.Where(s => s.Failure is not null).ToList();
        if (refused.Count > 0)
        {
            var summary = Summary(request, slots, clock, plan, whatIf: false);
            foreach (var r in summary.Clusters) log.Output(r);
            log.Output(summary);
            throw new KsUpgradeException(ErrorIds.FleetPreflightFailed, KsErrorCategory.InvalidOperation,
                $"The pre-flight failed on {string.Join(", ", refused.Select(s => s.Name))}: {string.Join(" | ", refused.Select(s => s.Failure!.Message))} Nothing was changed on any cluster.",
                string.Join(",", refused.Select(s => s.Name)))
            {
                Remedy = string.Join(" ", refused.Select(s => s.Failure!.Remedy).Where(r => !string.IsNullOrEmpty(r)).Distinct())
                         + " Then run the same Invoke-KsUpgrade again; each cluster's report is in the output (Preflight).",
            };
        }

        ct.ThrowIfCancellationRequested();
        // the journal is written only now: a refused pre-flight leaves every cluster as it was
        var journal = existing ?? FleetJournal.New(hostApi, parameters, sources, runId, request.Lease, null);
        Task Record(Slot s, string? detail) => Write(s, detail, release: false);
        async Task Write(Slot s, string? detail, bool release)
        {
            // never cancelled by the caller's token: a stopped run still records where each cluster was
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                if (!await journal.RecordAsync(s.Name, s.Reached, detail, release, timeout.Token).ConfigureAwait(false))
                    log.Warning($"[{s.Name}] Another Invoke-KsUpgrade run took this cluster over (this run's lease had expired): its entry in the fleet journal is that run's; this run's {s.Reached} is not recorded.");
            }
            catch (Exception e) when (e is KsUpgradeException or OperationCanceledException or KubeConflictException)
            {
                log.Warning($"The fleet journal could not record {s.Name} ({s.Reached}): {e.Message}");
            }
        }
        await journal.EnsureAsync(slots.Select(s => s.Name), ct).ConfigureAwait(false);

        // Claims: a cluster is worked on only by the run that holds it in the fleet journal (renewed while it works).
        async Task<bool> ClaimAsync(Slot s)
        {
            if (s.Failure is not null || ct.IsCancellationRequested) return false;
            FleetClaim claim;
            try { claim = await journal.TryClaimAsync(s.Name, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is KsUpgradeException or KubeConflictException && !ct.IsCancellationRequested)
            {
                s.Failure = e as KsUpgradeException ?? ApiErrors.Map(e, request.Host.Context, request.Host.Server, "claiming the cluster in the fleet journal", ct);
                return false;
            }
            s.Reached = claim.State; // what the journal says now (another run may have moved it on since this run read it)
            s.HeldBy = claim.HeldBy;
            if (claim.Claimed) s.Claimed = true;
            else if (claim.HeldBy is { } by)
                s.Log.Information($"Another Invoke-KsUpgrade run holds it ({by}).", StepTag);
            return claim.Claimed;
        }
        // A member another run holds: a live run renews its claim within a third of the lease (left to it); a claim that does
        // not change for a lease, as this run's clock measures it, is a dead run's (e.g. a runbook killed at its time limit and
        // restarted): taken over, and the member resumed from its own journal.
        async Task<bool> ClaimOrTakeOverAsync(Slot s)
        {
            if (await ClaimAsync(s).ConfigureAwait(false)) return true;
            if (s.HeldBy is not { } by || s.Failure is not null || ct.IsCancellationRequested) return false;
            s.Log.Verbose($"Watching the claim of {by}: taken over if it is not renewed within {request.Lease} (as this run's clock measures it).");
            bool lapsed;
            try { lapsed = await journal.AwaitLapseAsync(s.Name, request.PollInterval, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return false; }
            catch (Exception e) when (e is KsUpgradeException or KubeConflictException) { s.Log.Warning($"The fleet journal could not be read again ({e.Message})."); return false; }
            if (!lapsed)
            {
                s.Log.Information("That run renewed its claim: it is working on it, not started by this run.", StepTag);
                return false;
            }
            if (!await ClaimAsync(s).ConfigureAwait(false)) return false;
            s.Log.Information($"Taken over from {by}: its claim was not renewed for {request.Lease}.", StepTag);
            return true;
        }
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    await Task.Delay(request.Lease / 3, heartbeatStop.Token).ConfigureAwait(false);
                    await journal.RenewAsync(heartbeatStop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (heartbeatStop.IsCancellationRequested) { return; }
                catch (Exception e) { log.Warning($"The fleet journal's leases of this run could not be renewed: {e.Message}"); }
            }
        });
        try
        {
            // 2. The host's upgrade, alone, by the one run that holds it (another run waits for it).
            var host = slots[0];
            FleetBar($"host {host.Name}");
            if (host.Reached < KsFleetClusterState.Done)
                while (!await ClaimAsync(host).ConfigureAwait(false))
                {
                    if (host.Failure is not null || ct.IsCancellationRequested || host.Reached >= KsFleetClusterState.Upgraded || host.HeldBy is null) break;
                    log.Information($"Waiting for the host {host.Name}: another Invoke-KsUpgrade run is upgrading it ({host.HeldBy}); members are upgraded after the host.", StepTag);
                    FleetClaim peek;
                    do
                    {
                        try { await Task.Delay(request.PollInterval, ct).ConfigureAwait(false); }
                        catch (OperationCanceledException) { break; }
                        peek = await journal.PeekAsync(host.Name, ct).ConfigureAwait(false);
                        host.Reached = peek.State;
                        host.HeldBy = peek.HeldBy;
                    } while (peek.Owner is not null && peek.State < KsFleetClusterState.Upgraded);
                    if (host.Reached >= KsFleetClusterState.Upgraded) break; // upgraded by the other run; its remaining stages are that run's
                }
            if (host.Claimed)
                await StageAsync(host, StageUpgrade, () => UpgradeAsync(host, request, p, ct), Record, ct).ConfigureAwait(false);

            // 3.-5. Once the host is upgraded: every cluster's remaining stages — a member's upgrade (ThrottleLimit members at a
            // time), its gateways one at a time (-IncludeGateways; ThrottleLimit clusters' gateways at a time), its post-upgrade
            // checks. One cluster's failure stops only it.
            if (host.Reached >= KsFleetClusterState.Upgraded && host.Failure is null)
            {
                FleetBar(request.HostOnly ? "the host's gateways and post-upgrade checks" : "members, gateways and post-upgrade checks");
                // the throttles bound the clusters being changed (members' upgrades; clusters' gateways); the post-upgrade checks
                // only read, so a cluster's checks run as soon as its changes are done, outside both
                await Task.WhenAll(slots.Select(async s =>
                {
                    if (s.Role == KsClusterRole.Host ? !s.Claimed : request.HostOnly || s.Reached == KsFleetClusterState.Done || !await ClaimOrTakeOverAsync(s).ConfigureAwait(false))
                        return;
                    try
                    {
                        if (s.Role == KsClusterRole.Member)
                        {
                            try { await throttle.WaitAsync(ct).ConfigureAwait(false); }
                            catch (OperationCanceledException) { return; }
                            try { await StageAsync(s, StageUpgrade, () => UpgradeAsync(s, request, p, ct), Record, ct).ConfigureAwait(false); }
                            finally { throttle.Release(); }
                        }
                        if (request.IncludeGateways && s.Failure is null)
                        {
                            // a cluster's gateways (one at a time) take one of the gateway places, not a member's: the host's run
                            // beside the first members' upgrades, a member's beside the next members'
                            try { await gatewayThrottle.WaitAsync(ct).ConfigureAwait(false); }
                            catch (OperationCanceledException) { return; }
                            try
                            {
                                // -RepointIngressClass added on a re-run: gateways upgraded by an earlier run whose checks did not pass are
                                // visited again (each AlreadyUpgraded), so the Ingresses left on ks-upgrade's hard-coded class are repointed
                                if (request.RepointIngressClass && s.Reached == KsFleetClusterState.GatewaysUpgraded) s.Reached = KsFleetClusterState.Upgraded;
                                await StageAsync(s, StageGateways, () => GatewaysAsync(s, request, p, ct), Record, ct).ConfigureAwait(false);
                            }
                            finally { gatewayThrottle.Release(); }
                        }
                        await StageAsync(s, StagePostUpgradeChecks, () => PostUpgradeAsync(s, request, p, ct), Record, ct).ConfigureAwait(false);
                        FleetBar($"{slots.Count(x => x.Reached == KsFleetClusterState.Done)} of {total} clusters done");
                    }
                    finally
                    {
                        s.Claimed = false;
                        await Write(s, s.Failure is null ? null : $"{s.Stage} failed: {s.Failure.Message}", release: true).ConfigureAwait(false);
                    }
                })).ConfigureAwait(false); // no worker is left behind, also on a stop
            }
            else if (host.HeldBy is null || host.Failure is not null)
                foreach (var m in slots.Skip(1).Where(m => m.Failure is null && m.Reached < KsFleetClusterState.Upgraded))
                    m.Failure = new KsUpgradeException(ErrorIds.FleetHostFailed, KsErrorCategory.InvalidOperation,
                        $"Not started: the host {host.Name} is not upgraded ({host.Failure?.ErrorId ?? "stopped"}); members are upgraded after the host.", m.Name)
                    { Remedy = "Fix the host's failure (its ErrorRecord), then run the same Invoke-KsUpgrade again." };
        }
        finally
        {
            // this run's claims end with it, also on a stop (a run that dies leaves them to expire)
            heartbeatStop.Cancel();
            await heartbeat.ConfigureAwait(false);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await journal.ReleaseAllAsync(timeout.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is KsUpgradeException or OperationCanceledException or KubeConflictException)
            {
                log.Warning($"The fleet journal could not release this run's claims ({e.Message}): they expire within {request.Lease}.");
            }
        }

        ct.ThrowIfCancellationRequested(); // every worker has ended: a stop is reported as a stop (the journal says where each cluster was)
        foreach (var s in slots) s.Version = await DeployedVersionAsync(s, log, ct).ConfigureAwait(false);
        log.Progress(ProgressId, $"Invoke-KsUpgrade: fleet of {request.Host.Context}", "done", 100, completed: true);
        var result = Summary(request, slots, clock, plan, whatIf: false);
        foreach (var r in result.Clusters) log.Output(r);
        log.Output(result);
        return result;
    }

    public const string StepTag = ClusterUpgrade.StepTag;

    private static void Validate(FleetRequest request)
    {
        if (request.ThrottleLimit < 1)
            throw new KsUpgradeException(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument, "-ThrottleLimit must be 1 or more.", "ThrottleLimit");
        if (request.RepointIngressClass && !request.IncludeGateways)
            throw new KsUpgradeException(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument,
                "-RepointIngressClass repoints Ingresses after the gateways' upgrade: it needs -IncludeGateways.", "RepointIngressClass")
            { Remedy = "Add -IncludeGateways, or repoint on upgraded gateways with Update-KsGateway -Name kubesphere-router-kubesphere-system -RepointIngressClass." };
        var names = new HashSet<string>(StringComparer.Ordinal) { request.Host.Context };
        foreach (var m in request.Members)
            if (!names.Add(m.Context))
                throw new KsUpgradeException(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument,
                    m.Context == request.Host.Context
                        ? $"-MemberCluster names the host's context '{m.Context}': the host is upgraded as the host."
                        : $"-MemberCluster names context '{m.Context}' twice.", m.Context)
                { Remedy = "Give each member once, and the host only as -HostCluster." };
    }

    /// <summary>What the fleet journal compares: the upgrade's parameters (content digests), the host, -IncludeGateways.</summary>
    internal static SortedDictionary<string, string> FleetParameters(FleetRequest request, UpgradeParameters p)
    {
        var d = (p with { Role = KsClusterRole.Host }).Normalized();
        d.Remove("Role");
        d["Host"] = request.Host.Context;
        // not the member list: child runs of a fan-out each give a subset, and a re-run may add members (each has its entry)
        d["IncludeGateways"] = request.IncludeGateways ? "true" : "false";
        return d;
    }

    /// <summary>The fleet's plan, per cluster: the steps and their order, and where an earlier run left it.</summary>
    private static string[] Plan(FleetRequest request, IReadOnlyList<Slot> slots)
    {
        var steps = string.Join(", ", ClusterUpgrade.StepNames);
        string Left(Slot s) => s.Reached == KsFleetClusterState.Pending ? "" : $" [an earlier run left it {s.Reached}]";
        var lines = new List<string>
        {
            $"1. Pre-flight (read-only) of every cluster not yet begun: {string.Join(", ", slots.Where(s => s.Reached == KsFleetClusterState.Pending).Select(s => s.Name).DefaultIfEmpty("none"))}; any failed check not named in -IgnoreCheck stops the fleet before its first change.",
            $"2. Host {slots[0].Name}{Left(slots[0])}: {steps}.",
        };
        lines.Add(slots.Count == 1 ? "3. Members: none."
            : request.HostOnly ? $"3. Members: not by this run (-HostOnly); runs given them (same parameters) upgrade them after the host, coordinated by the fleet journal."
            : $"3. Members, up to {request.ThrottleLimit} at once, each after the host: {steps}, then its Schedulable condition removed on {slots[0].Name}; a member another live Invoke-KsUpgrade run holds is left to it.");
        foreach (var m in slots.Skip(1)) lines.Add($"   - {m.Name}{Left(m)}");
        lines.Add(request.IncludeGateways
            ? $"4. Gateways of every cluster (not workspace gateways), each cluster's after its upgrade, one at a time per cluster, up to {request.ThrottleLimit} clusters' at once beside the members' upgrades (each restarts its ingress controller)" +
              (request.RepointIngressClass
                  ? $"; then the Ingresses a gateway's job gives a class no IngressClass has (ks-upgrade v4.1.3: {GatewayNames.ClusterGatewayIngressClass}) are pointed at its IngressClass (-RepointIngressClass)."
                  : $". Without -RepointIngressClass, Ingresses ks-upgrade gives {GatewayNames.ClusterGatewayIngressClass} are left unserved and the post-upgrade check IngressClassesExist fails.")
            : "4. Gateways: not included (-IncludeGateways).");
        lines.Add(request.HostOnly ? "5. Post-upgrade checks of the host." : "5. Post-upgrade checks of every cluster, each as soon as its changes are done.");
        return lines.ToArray();
    }

    private static async Task EachAsync(IReadOnlyList<Slot> slots, SemaphoreSlim throttle, Func<Slot, Task> work, CancellationToken ct)
    {
        var tasks = slots.Select(async s =>
        {
            try { await throttle.WaitAsync(ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            try { await work(s).ConfigureAwait(false); }
            finally { throttle.Release(); }
        }).ToList();
        await Task.WhenAll(tasks).ConfigureAwait(false); // no worker is left behind, also on a stop
    }

    private static async Task PreflightAsync(Slot s, FleetRequest request, UpgradeParameters p, bool hostPending, CancellationToken ct)
    {
        if (s.Reached != KsFleetClusterState.Pending) return;
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        s.Stage = StagePreflight;
        s.Log.Bar("pre-flight");
        try
        {
            if (await UpgradeJournal.ReadAsync(KubeApi.For(s.Cluster, s.Log.Verbose), ct).ConfigureAwait(false) is not null)
            {
                // its upgrade already began (another run, or Invoke-KsHostUpgrade): its own journal resumes or refuses it
                s.Log.Information("Its upgrade journal exists: the pre-flight is its upgrade's own (resumed from that journal).", StepTag);
                return;
            }
            if (s.Role == KsClusterRole.Member) await MemberClusters.EnsureMemberAsync(request.Host, s.Name, ct).ConfigureAwait(false);
            var peers = s.Role == KsClusterRole.Host
                ? request.Members.Select(m => new ClusterTestPeer(m, KsClusterRole.Member)).ToList()
                : new List<ClusterTestPeer> { new(request.Host, KsClusterRole.Host) };
            var report = await ClusterTest.RunAsync(s.Cluster, new ClusterTestOptions
            {
                Phase = KsCheckPhase.Preflight,
                ValuesPath = p.ValuesPath,
                Chart = p.Chart,
                HelmPath = request.HelmPath,
                RenderChart = ChartRenderer.For(s.Cluster, p.ValuesPath, request.HelmPath, p),
                RunByUpgrade = true,
                ChartLocation = p.ChartOrigin ?? p.Chart,
                HelmTimeout = p.Timeout,
                ExtensionVersion = p.ExtensionVersion,
                Peers = peers,
            }, s.Log, ct).ConfigureAwait(false);
            s.Preflight = report;
            var role = s.Role;
            if (report.ClusterRole is not (KsClusterRole.Unknown or KsClusterRole.None) && report.ClusterRole != role)
                throw new KsUpgradeException(ErrorIds.RoleMismatch, KsErrorCategory.InvalidArgument,
                    $"{s.Name} is a {report.ClusterRole} cluster but was given as the {(role == KsClusterRole.Host ? "host" : "a member")}.", s.Name)
                { Remedy = "Give the host as -HostCluster and only members as -MemberCluster." };
            var deferred = role == KsClusterRole.Member && hostPending;
            var failed = report.Checks.Where(c => c.Status == KsCheckStatus.Failed && c.Id != UpgradeInProgressCheck.CheckId
                                                  && c.Id != ChartAvailableCheck.CheckId && !(deferred && c.Id == MemberExtensionChartsId)).ToList();
            if (deferred && report[MemberExtensionChartsId] is { Status: KsCheckStatus.Failed })
            {
                s.Log.Information($"{MemberExtensionChartsId} fails until the host's upgrade pushes the extension charts: judged again by this member's upgrade, after the host.", StepTag);
                s.DeferredPreflight = true;
            }
            if (failed.Count > 0)
                foreach (var w in CheckWaivers.WaiveOrRefuse(new CheckOutcome(true, failed.Select(f => $"{f.Id} failed: {f.Message}").ToList()) { FailedChecks = failed }, p.IgnoredChecks, s.Name))
                    s.Log.Warning($"Pre-flight check {w.Id} failed on {s.Name} and is waived by -IgnoreCheck {w.Id}: {w.Message}");
        }
        catch (Exception e) when (!ct.IsCancellationRequested || e is KsUpgradeException { ErrorId: not ErrorIds.Stopped })
        {
            s.Failure = e as KsUpgradeException ?? ApiErrors.Map(e, s.Cluster.Context, s.Cluster.Server, "the pre-flight", ct);
            s.Log.Warning($"Pre-flight: {s.Failure.Message}");
        }
        catch (Exception) { /* stopped: the fleet reports the stop */ }
        finally
        {
            s.Elapsed += clock.Elapsed;
            s.Stages.Add(new KsFleetStage(StagePreflight, started, clock.Elapsed));
            s.Log.Bar("pre-flight done", 100, completed: true);
        }
    }

    /// <summary>
    /// Runs one stage of a cluster unless it was reached before or the cluster already failed in this run; records the
    /// cluster's state in the fleet journal before (Upgrading) and after.
    /// </summary>
    private static async Task StageAsync(Slot s, string stage, Func<Task<KsFleetClusterState>> work, Func<Slot, string?, Task> record, CancellationToken ct)
    {
        if (s.Failure is not null || ct.IsCancellationRequested) return;
        var target = stage switch
        {
            StageUpgrade => KsFleetClusterState.Upgraded,
            StageGateways => KsFleetClusterState.GatewaysUpgraded,
            _ => KsFleetClusterState.Done,
        };
        if (s.Reached >= target && s.Reached != KsFleetClusterState.Upgrading) return;
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        s.Stage = stage;
        s.Log.Bar(stage);
        try
        {
            if (stage == StageUpgrade && s.Reached != KsFleetClusterState.Upgrading)
            {
                s.Reached = KsFleetClusterState.Upgrading;
                await record(s, null).ConfigureAwait(false);
            }
            s.Reached = await work().ConfigureAwait(false);
            await record(s, null).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var stopped = ct.IsCancellationRequested && e is OperationCanceledException or KsUpgradeException { ErrorId: ErrorIds.Stopped };
            var failure = e as KsUpgradeException ?? ApiErrors.Map(e, s.Cluster.Context, s.Cluster.Server, $"stage {stage}", ct);
            if (!stopped)
            {
                s.Failure = failure;
                s.Log.Warning($"{stage} failed: {failure.Message}");
            }
            await record(s, $"{stage} {(stopped ? "stopped" : "failed")}: {failure.Message}").ConfigureAwait(false);
        }
        finally
        {
            s.Elapsed += clock.Elapsed;
            s.Stages.Add(new KsFleetStage(stage, started, clock.Elapsed));
            s.Log.Bar(stage + " ended", 100, completed: s.Failure is not null || s.Reached == KsFleetClusterState.Done || ct.IsCancellationRequested);
        }
    }

    private static async Task<KsFleetClusterState> UpgradeAsync(Slot s, FleetRequest request, UpgradeParameters p, CancellationToken ct)
    {
        var member = s.Role == KsClusterRole.Member;
        try
        {
            // the fleet's report stands for the checks of the upgrade's pre-flight, as a piped Test-KsCluster report does;
            // a member whose MemberExtensionCharts waited for the host runs its checks again now that the host is upgraded
            s.Upgrade = await UpgradeRun.RunAsync(new UpgradeRunRequest
            {
                Cluster = s.Cluster,
                Parameters = p with { Role = s.Role, BackupPath = Path.Combine(p.BackupPath!, s.Name) },
                Report = s.DeferredPreflight ? null : s.Preflight,
                Host = member ? request.Host : null,
                MemberName = member ? s.Name : null,
                HelmPath = request.HelmPath,
            }, s.Log, ct).ConfigureAwait(false);
        }
        finally
        {
            s.Upgrade ??= s.Log.LastUpgradeResult();
        }
        if (s.Upgrade is not { Succeeded: true })
            throw new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.InvalidResult,
                $"The upgrade of {s.Name} did not complete: {string.Join("; ", (s.Upgrade?.Steps ?? Array.Empty<KsUpgradeStep>()).Where(x => x.Status is not (KsUpgradeStepStatus.Succeeded or KsUpgradeStepStatus.Skipped)).Select(x => $"{x.Name} {x.Status}"))}.", s.Name)
            { Remedy = "Run the same Invoke-KsUpgrade again: the upgrade resumes from its journal." };
        return KsFleetClusterState.Upgraded;
    }

    private static async Task<KsFleetClusterState> GatewaysAsync(Slot s, FleetRequest request, UpgradeParameters p, CancellationToken ct)
    {
        var gateways = await GatewayCatalog.ListAsync(s.Cluster, null, s.Log, ct).ConfigureAwait(false);
        foreach (var w in gateways.Where(g => g.Scope == KsGatewayScope.Workspace && !g.Upgraded))
            s.Log.Warning($"Workspace gateway {w.Name} is left for the manual procedure (ks-upgrade v4.1.3 cannot convert it; see Get-Help Update-KsGateway).");
        var names = gateways.Where(g => g.Scope != KsGatewayScope.Workspace).Select(g => g.Name).ToList();
        if (names.Count == 0) return KsFleetClusterState.GatewaysUpgraded;
        var member = s.Role == KsClusterRole.Member;
        var results = await GatewayUpgrade.UpdateAsync(s.Cluster, names, new GatewayUpgradeOptions
        {
            Chart = p.Chart,
            Tag = p.Tag,
            ImageRegistry = p.ImageRegistry,
            UpgradeImageTag = p.UpgradeImageTag,
            HelmPath = request.HelmPath,
            JobTimeout = p.JobTimeout,
            VerifyTimeout = request.GatewayVerifyTimeout,
            HostCluster = member ? request.Host : null,
            MemberName = member ? s.Name : null,
            RepointIngressClass = request.RepointIngressClass,
        }, s.Log, ct).ConfigureAwait(false);
        s.Gateways = results.ToArray();
        if (results.FirstOrDefault(r => r.ErrorId is not null) is { } bad)
            throw new KsUpgradeException(bad.ErrorId!, KsErrorCategory.InvalidOperation,
                $"Gateway '{bad.Gateway.Name}' {bad.Outcome}: {bad.Detail}", bad.Gateway.Name)
            { Remedy = (bad.Remedy is null ? "" : bad.Remedy + " ") + "Then run the same Invoke-KsUpgrade again." };
        return KsFleetClusterState.GatewaysUpgraded;
    }

    private static async Task<KsFleetClusterState> PostUpgradeAsync(Slot s, FleetRequest request, UpgradeParameters p, CancellationToken ct)
    {
        var peers = s.Role == KsClusterRole.Member ? new[] { new ClusterTestPeer(request.Host, KsClusterRole.Host) } : Array.Empty<ClusterTestPeer>();
        var report = await ClusterTest.RunAsync(s.Cluster, new ClusterTestOptions
        {
            Phase = KsCheckPhase.PostUpgrade,
            HelmPath = request.HelmPath,
            Chart = p.Chart,
            Peers = peers,
        }, s.Log, ct).ConfigureAwait(false);
        s.PostUpgrade = report;
        if (!report.Passed)
            throw new KsUpgradeException(ErrorIds.PostCheckFailed, KsErrorCategory.InvalidResult,
                $"The post-upgrade checks failed on {s.Name}: {string.Join("; ", report.FailedChecks.Select(f => $"{f.Id}: {f.Message}"))}", s.Name)
            {
                Remedy = string.Join(" ", report.FailedChecks.Select(f => f.Remedy).Where(r => !string.IsNullOrEmpty(r)).Distinct()) +
                         (request.IncludeGateways && !request.RepointIngressClass && report[IngressClassesExistId] is { Status: KsCheckStatus.Failed }
                             ? " Or run the same Invoke-KsUpgrade again with -RepointIngressClass (it repoints them on every cluster and repeats the checks)."
                             : "") +
                         $" Test-KsCluster -Phase PostUpgrade shows every check on {s.Name}; fix what it names, then run the same Invoke-KsUpgrade again (only the checks are repeated).",
            };
        return KsFleetClusterState.Done;
    }

    /// <summary>The app version of the cluster's deployed ks-core release: what the cluster shows, not what the fleet recorded.</summary>
    private static async Task<string?> DeployedVersionAsync(Slot s, IEngineLog log, CancellationToken ct)
    {
        try
        {
            return (await HelmReleaseReader.LastDeployedAsync(KubeApi.For(s.Cluster, log.Verbose), KsNames.KubeSphereSystem, KsNames.KsCoreRelease, ct).ConfigureAwait(false))?.AppVersion;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.Warning($"[{s.Name}] Its ks-core release could not be read: {e.Message}");
            return null;
        }
    }

    private static KsFleetResult Summary(FleetRequest request, IReadOnlyList<Slot> slots, Stopwatch clock, string[] plan, bool whatIf) => new()
    {
        Host = request.Host.Context,
        Clusters = slots.Select(s => s.ToResult(request.IncludeGateways)).ToArray(),
        WhatIf = whatIf,
        Plan = plan,
        Journal = $"{KsNames.KubeSphereSystem}/{UpgradeJournal.FleetConfigMapName}",
        Duration = clock.Elapsed,
    };

    /// <summary>One cluster's work in the fleet.</summary>
    private sealed class Slot
    {
        public Slot(KsCluster cluster, string name, KsClusterRole role, IEngineLog log, int index)
        {
            Cluster = cluster;
            Name = name;
            Role = role;
            Log = new FleetClusterLog(log, name, ProgressId + 100 * (index + 1), ProgressId);
        }

        public KsCluster Cluster { get; }
        public string Name { get; }
        public KsClusterRole Role { get; }
        public FleetClusterLog Log { get; }
        public KsFleetClusterState Reached { get; set; }
        public string Stage { get; set; } = "None";
        public KsUpgradeException? Failure { get; set; }
        public KsClusterReport? Preflight { get; set; }
        public bool DeferredPreflight { get; set; }
        public KsUpgradeResult? Upgrade { get; set; }
        public KsGatewayUpgradeResult[] Gateways { get; set; } = Array.Empty<KsGatewayUpgradeResult>();
        public KsClusterReport? PostUpgrade { get; set; }
        public string? Version { get; set; }
        public TimeSpan Elapsed { get; set; }
        /// <summary>The stages this run worked on, with their times (for the result).</summary>
        public List<KsFleetStage> Stages { get; } = new();
        /// <summary>This run holds the cluster in the fleet journal.</summary>
        public bool Claimed { get; set; }
        /// <summary>The other live run holding the cluster when this run could not claim it.</summary>
        public string? HeldBy { get; set; }

        public KsFleetClusterResult ToResult(bool gateways)
        {
            var left = new List<string>();
            if (Reached < KsFleetClusterState.Upgraded || Reached == KsFleetClusterState.Upgrading)
                left.Add(Role == KsClusterRole.Member ? "Upgrade (Invoke-KsMemberUpgrade steps, then its Schedulable condition on the host)" : "Upgrade");
            if (gateways && Reached < KsFleetClusterState.GatewaysUpgraded) left.Add(StageGateways);
            // what the last post-upgrade checks read from the cluster (e.g. the Ingresses naming no IngressClass), with their remedy
            if (Reached < KsFleetClusterState.Done)
                left.Add(PostUpgrade is { Passed: false } post
                    ? $"{StagePostUpgradeChecks} ({string.Join(" | ", post.FailedChecks.Select(f => $"{f.Id}: {f.Message} {f.Remedy}".TrimEnd()))})"
                    : StagePostUpgradeChecks);
            if (HeldBy is not null && Reached < KsFleetClusterState.Done) left.Add($"(in progress in another Invoke-KsUpgrade run: {HeldBy})");
            return new KsFleetClusterResult
            {
                Cluster = Cluster.Context,
                Name = Name,
                Role = Role,
                State = Failure is not null ? KsFleetClusterState.Failed : Reached,
                Stage = Stage,
                Preflight = Preflight,
                Upgrade = Upgrade,
                Gateways = Gateways,
                PostUpgrade = PostUpgrade,
                Version = Version,
                ErrorId = Failure?.ErrorId,
                Error = Failure?.Message,
                Remedy = Failure?.Remedy,
                Remaining = left.ToArray(),
                HeldBy = Reached < KsFleetClusterState.Done ? HeldBy : null,
                Duration = Elapsed,
                Stages = Stages.ToArray(),
            };
        }
    }
}
