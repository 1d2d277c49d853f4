using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Fleet;

/// <summary>What a claim on a cluster of the fleet found: claimed by this run, or not (done, or held by another live run).</summary>
internal sealed record FleetClaim(bool Claimed, KsFleetClusterState State, string? Owner, DateTimeOffset? Until)
{
    /// <summary>"run (lease until 09:40:00Z)" for messages (null when no other run holds it); the lease end is the holder's clock's.</summary>
    public string? HeldBy => Claimed || Owner is null ? null : $"{Owner} (lease until {Until:u})";
}

/// <summary>
/// The fleet journal (ConfigMap kubesphere-system/ks-upgrade-fleet-journal on the host) as several Invoke-KsUpgrade runs
/// share it — one run, or a parent and its child jobs on other workers. It holds the fleet's parameters (not its member
/// list: each run adds the clusters it was given) and one entry per cluster: its state, and the run working on it with a
/// lease. Every write is one whole-object update guarded by the ConfigMap's resourceVersion (<see cref="UpgradeJournal.UpdateAsync"/>:
/// a 409 re-reads and applies the change again to what the other run wrote), so no run's entry is lost.
/// <para>
/// Liveness: a run claims a cluster before it changes or checks it (claim = owner and lease end in the entry, written
/// only when no other live run holds it) and renews the leases it holds every third of <see cref="Lease"/>; it releases
/// them when the cluster's work in the run ends (done, failed or stopped). A run that dies stops renewing: once its lease
/// is over, another run takes the cluster over and resumes it from the cluster's own journal. A run whose claim was taken
/// over never overwrites the new holder's entry.
/// </para>
/// <para>
/// Expiry is immune to clock skew between workers, as Kubernetes leader election judges a Lease: each claim and renewal
/// increments the entry's renewal count (kept across releases and owners), and a contender records when IT first saw the entry's (owner, count) on its own
/// clock (monotonic unless one is injected); the lease is over only when the entry has not changed for <see cref="Lease"/>
/// as the contender measures it. The holder's written lease end is informational (messages). So a contender takes a
/// cluster over at the earliest one lease after it first read the claim, even a claim that expired long ago; a stopped run
/// releases its claims, which frees them at once. An entry an older KsUpgrade wrote (no renewal count) is judged as it was:
/// its written lease end against the reader's UTC clock.
/// </para>
/// </summary>
internal sealed class FleetJournal
{
    public static readonly TimeSpan DefaultLease = TimeSpan.FromMinutes(2);

    private readonly UpgradeJournal _journal;
    private readonly Func<DateTimeOffset> _clock;
    private readonly Func<DateTimeOffset> _local;
    private readonly SemaphoreSlim _gate = new(1);
    /// <summary>Per cluster: the (owner, renewal count) another run's entry had when this run first saw it, and when (on <see cref="_local"/>).</summary>
    private readonly Dictionary<string, (string Owner, long Renewals, DateTimeOffset Seen)> _observed = new(StringComparer.Ordinal);

    private FleetJournal(UpgradeJournal journal, string runId, TimeSpan lease, Func<DateTimeOffset>? clock)
    {
        _journal = journal;
        RunId = runId;
        Lease = lease;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
        if (clock is not null) _local = clock;
        else
        {
            var origin = DateTimeOffset.UtcNow;
            var ticks = System.Diagnostics.Stopwatch.GetTimestamp();
            _local = () => origin + System.Diagnostics.Stopwatch.GetElapsedTime(ticks); // monotonic: immune to wall-clock steps
        }
    }

    /// <summary>This run's name in the entries it holds.</summary>
    public string RunId { get; }
    public TimeSpan Lease { get; }
    public JournalState State => _journal.State;
    public bool Exists => _journal.Exists;

    /// <summary>A run id: the machine, the process and a random part (two runs in one process differ).</summary>
    public static string NewRunId() => $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>The fleet journal on the host, or null when there is none.</summary>
    public static async Task<FleetJournal?> ReadAsync(IKubeApi hostApi, string runId, TimeSpan lease, Func<DateTimeOffset>? clock, CancellationToken ct) =>
        await UpgradeJournal.ReadAsync(hostApi, UpgradeJournal.FleetConfigMapName, ct).ConfigureAwait(false) is { } j ? new FleetJournal(j, runId, lease, clock) : null;

    /// <summary>A fleet journal not yet written (created by the first write; a run that created it first wins, the other's entries are added to it).</summary>
    public static FleetJournal New(IKubeApi hostApi, SortedDictionary<string, string> parameters, IReadOnlyDictionary<string, string>? sources,
        string runId, TimeSpan lease, Func<DateTimeOffset>? clock) =>
        new(UpgradeJournal.New(hostApi, parameters, sources, UpgradeJournal.FleetConfigMapName), runId, lease, clock);

    /// <summary>The recorded state of a cluster (Pending when it has no entry).</summary>
    public KsFleetClusterState StateOf(string name) => Parse(State.Step(name));

    private static KsFleetClusterState Parse(JournalStepRecord? r) =>
        r is not null && Enum.TryParse<KsFleetClusterState>(r.Status, true, out var s) ? s : KsFleetClusterState.Pending;

    /// <summary>
    /// Whether another live run holds the entry: its (owner, renewal count) changed less than <see cref="Lease"/> ago as this
    /// run's own clock measures it (an entry without a renewal count: its written lease end is after this run's UTC now).
    /// </summary>
    private bool HeldByOther(JournalStepRecord r)
    {
        if (r.Owner is null || r.Owner == RunId) return false;
        if (r.Renewals is not { } count) return r.LeaseUntil is { } until && until > _clock();
        var now = _local();
        lock (_observed)
        {
            if (_observed.TryGetValue(r.Name, out var seen) && seen.Owner == r.Owner && seen.Renewals == count)
                return now - seen.Seen < Lease;
            _observed[r.Name] = (r.Owner, count, now); // changed since we last looked (or first look): the lease runs from now
            return true;
        }
    }

    /// <summary>Adds an entry (Pending) for each cluster that has none; existing entries are left as they are.</summary>
    public Task EnsureAsync(IEnumerable<string> names, CancellationToken ct)
    {
        var list = names.ToList();
        return WriteAsync(st =>
        {
            foreach (var n in list.Where(n => st.Step(n) is null))
                st.Steps.Add(new JournalStepRecord { Name = n, Status = nameof(KsFleetClusterState.Pending), Started = _clock() });
        }, ct);
    }

    /// <summary>
    /// Claims a cluster for this run unless it is Done or another live run holds it (decided on the journal as written
    /// last: a conflict re-reads and decides again). The result carries the recorded state either way.
    /// </summary>
    public async Task<FleetClaim> TryClaimAsync(string name, CancellationToken ct)
    {
        FleetClaim outcome = null!;
        await WriteAsync(st =>
        {
            var now = _clock();
            var r = st.Step(name);
            if (r is null) { r = new JournalStepRecord { Name = name, Status = nameof(KsFleetClusterState.Pending), Started = now }; st.Steps.Add(r); }
            var state = Parse(r);
            if (state == KsFleetClusterState.Done || HeldByOther(r))
            {
                outcome = new FleetClaim(false, state, state == KsFleetClusterState.Done ? null : r.Owner, state == KsFleetClusterState.Done ? null : r.LeaseUntil);
                return;
            }
            r.Renewals = (r.Renewals ?? 0) + 1; // never reset (not even on release): every claim is a change others see
            r.Owner = RunId;
            r.LeaseUntil = now + Lease;
            outcome = new FleetClaim(true, state, RunId, r.LeaseUntil);
        }, ct).ConfigureAwait(false);
        return outcome;
    }

    /// <summary>Reads the journal again and says who holds the cluster now (for a run waiting on another run's host).</summary>
    public async Task<FleetClaim> PeekAsync(string name, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try { await _journal.RefreshAsync(ct).ConfigureAwait(false); }
        finally { _gate.Release(); }
        var r = State.Step(name);
        var held = r is not null && HeldByOther(r);
        return new FleetClaim(false, Parse(r), held ? r!.Owner : null, held ? r!.LeaseUntil : null);
    }

    /// <summary>
    /// Watches another run's claim on a cluster (polling the journal every <paramref name="poll"/>) until it changes or
    /// lapses: false as soon as the entry is renewed or claimed anew (a live run: leave it that run's), true once no other
    /// run holds it — released, done, or unchanged for <see cref="Lease"/> as this run's clock measures it (a dead run's:
    /// <see cref="TryClaimAsync"/> takes it over). A run started after the holder died thus takes its clusters over within
    /// one lease, and one that meets a live holder waits at most until its next renewal (a third of the lease).
    /// </summary>
    public async Task<bool> AwaitLapseAsync(string name, TimeSpan poll, CancellationToken ct)
    {
        static (string? Owner, long? Renewals, DateTimeOffset? Until) Mark(JournalStepRecord? r) => (r?.Owner, r?.Renewals, r?.LeaseUntil);
        var seen = Mark(State.Step(name));
        while (true)
        {
            var peek = await PeekAsync(name, ct).ConfigureAwait(false);
            if (peek.Owner is null) return true;
            if (Mark(State.Step(name)) != seen) return false;
            await Task.Delay(poll, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records a cluster's state (and releases this run's claim with <paramref name="release"/>). False, and nothing
    /// written, when another run has taken the cluster over (this run's lease had expired).
    /// </summary>
    public async Task<bool> RecordAsync(string name, KsFleetClusterState state, string? detail, bool release, CancellationToken ct)
    {
        var written = false;
        await WriteAsync(st =>
        {
            var now = _clock();
            written = false;
            var r = st.Step(name);
            if (r is null) { r = new JournalStepRecord { Name = name, Started = now }; st.Steps.Add(r); }
            else if (r.Owner is not null && r.Owner != RunId) return; // taken over: the new holder's word stands
            r.Status = state.ToString();
            r.Finished = now;
            r.Detail = detail is { Length: > 2000 } ? detail[..2000] : detail;
            if (release) { r.Owner = null; r.LeaseUntil = null; }
            written = true;
        }, ct).ConfigureAwait(false);
        return written;
    }

    /// <summary>Extends the lease of every cluster this run holds (the heartbeat); true when it holds any.</summary>
    public async Task<bool> RenewAsync(CancellationToken ct)
    {
        var any = false;
        await WriteAsync(st =>
        {
            var until = _clock() + Lease;
            any = false;
            foreach (var r in st.Steps.Where(r => r.Owner == RunId)) { r.LeaseUntil = until; r.Renewals = (r.Renewals ?? 0) + 1; any = true; }
        }, ct).ConfigureAwait(false);
        return any;
    }

    /// <summary>Releases every claim this run still holds (the run's end, also after a stop).</summary>
    public Task ReleaseAllAsync(CancellationToken ct) =>
        WriteAsync(st =>
        {
            foreach (var r in st.Steps.Where(r => r.Owner == RunId)) { r.Owner = null; r.LeaseUntil = null; }
        }, ct);

    /// <summary>One write at a time from this run (its clusters' workers share it); other runs are met by resourceVersion.</summary>
    private async Task WriteAsync(Action<JournalState> change, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try { await _journal.UpdateAsync(change, ct).ConfigureAwait(false); }
        finally { _gate.Release(); }
    }
}
