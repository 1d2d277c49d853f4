using KsUpgrade.Engine;
using KsUpgrade.Engine.Fleet;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Tests.Upgrade.Fakes;

namespace KsUpgrade.Tests.Fleet;

/// <summary>
/// The fleet journal as several Invoke-KsUpgrade runs share it (a parent and its child jobs): per-cluster entries written
/// with optimistic concurrency on the ConfigMap's resourceVersion (a conflict re-reads and re-applies, never loses the
/// other run's entry), and claims with a lease: a cluster another live run holds is not started again; an expired
/// lease (a run that died) is taken over; a run that lost its claim never overwrites the new holder's entry.
/// </summary>
public sealed class FleetJournalTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);
    private static readonly string Map = $"configmaps {KsNames.KubeSphereSystem}/{UpgradeJournal.FleetConfigMapName}";
    private DateTimeOffset _now = new(2026, 12, 6, 9, 0, 0, TimeSpan.Zero);
    private DateTimeOffset Now() => _now;

    private static SortedDictionary<string, string> Params() => new(StringComparer.Ordinal)
    {
        ["Host"] = "host", ["Tag"] = "v4.1.3", ["IncludeGateways"] = "false",
    };

    private FleetJournal New(FakeKubeApi api, string run) => FleetJournal.New(api, Params(), null, run, Lease, Now);

    private async Task<FleetJournal> OpenAsync(FakeKubeApi api, string run) =>
        (await FleetJournal.ReadAsync(api, run, Lease, Now, CancellationToken.None))!;

    private static async Task<JournalState> StoredAsync(IKubeApi api) =>
        (await UpgradeJournal.ReadAsync(api, UpgradeJournal.FleetConfigMapName, CancellationToken.None))!.State;

    private static int Conflicts(FakeKubeApi api) =>
        api.Calls.Count(c => c == "REPLACE " + Map) - api.Mutations.Count(c => c == "REPLACE " + Map);

    [Fact]
    public async Task Two_writers_one_resourceVersion_conflict_both_entries_kept()
    {
        var api = new FakeKubeApi();
        var a = New(api, "run-a");
        await a.EnsureAsync(new[] { "host", "member1", "member2" }, CancellationToken.None);
        var b = await OpenAsync(api, "run-b"); // reads the same resourceVersion a is about to move on

        Assert.True(await a.RecordAsync("member1", KsFleetClusterState.Upgraded, "a's", release: false, CancellationToken.None));
        Assert.True(await b.RecordAsync("member2", KsFleetClusterState.Done, "b's", release: false, CancellationToken.None));

        Assert.Equal(1, Conflicts(api)); // b's stale write was refused once, then re-applied over a's
        var stored = await StoredAsync(api);
        Assert.Equal(nameof(KsFleetClusterState.Upgraded), stored.Step("member1")!.Status);
        Assert.Equal("a's", stored.Step("member1")!.Detail);
        Assert.Equal(nameof(KsFleetClusterState.Done), stored.Step("member2")!.Status);
        Assert.Equal(nameof(KsFleetClusterState.Pending), stored.Step("host")!.Status);
        Assert.Equal(3, stored.Steps.Count);
    }

    [Fact]
    public async Task Two_runs_creating_the_journal_at_once_keep_both_runs_entries()
    {
        var api = new FakeKubeApi();
        var a = New(api, "run-a");
        var b = New(api, "run-b"); // neither saw a journal: both create it
        await a.EnsureAsync(new[] { "host", "member1" }, CancellationToken.None);
        await b.EnsureAsync(new[] { "host", "member2" }, CancellationToken.None);

        var stored = await StoredAsync(api);
        Assert.Equal(new[] { "host", "member1", "member2" }, stored.Steps.Select(s => s.Name).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_cluster_claimed_by_a_live_run_is_not_claimed_again_until_its_lease_expires()
    {
        var api = new FakeKubeApi();
        var a = New(api, "run-a");
        await a.EnsureAsync(new[] { "host", "member1" }, CancellationToken.None);
        var b = await OpenAsync(api, "run-b");

        var first = await a.TryClaimAsync("member1", CancellationToken.None);
        Assert.True(first.Claimed);
        var second = await b.TryClaimAsync("member1", CancellationToken.None); // b's resourceVersion is stale: it re-reads and sees a's claim
        Assert.False(second.Claimed);
        Assert.Equal("run-a", second.Owner);
        Assert.Equal(_now + Lease, second.Until);

        // a renews while it works: still held after the first lease would have ended
        _now += TimeSpan.FromSeconds(90);
        await a.RenewAsync(CancellationToken.None);
        _now += TimeSpan.FromSeconds(90);
        Assert.False((await b.TryClaimAsync("member1", CancellationToken.None)).Claimed);

        // a stops renewing (its job died): once the lease is over, b takes the cluster over
        _now += Lease + TimeSpan.FromSeconds(1);
        var taken = await b.TryClaimAsync("member1", CancellationToken.None);
        Assert.True(taken.Claimed);
        Assert.Equal("run-b", (await StoredAsync(api)).Step("member1")!.Owner);
    }

    [Fact]
    public async Task A_run_that_lost_its_claim_does_not_overwrite_the_new_holder()
    {
        var api = new FakeKubeApi();
        var a = New(api, "run-a");
        await a.EnsureAsync(new[] { "member1" }, CancellationToken.None);
        Assert.True((await a.TryClaimAsync("member1", CancellationToken.None)).Claimed);
        var b = await OpenAsync(api, "run-b");
        Assert.False((await b.TryClaimAsync("member1", CancellationToken.None)).Claimed); // b sees a's claim
        _now += Lease + TimeSpan.FromSeconds(1); // a lease without a renewal, as b measures it
        Assert.True((await b.TryClaimAsync("member1", CancellationToken.None)).Claimed);
        Assert.True(await b.RecordAsync("member1", KsFleetClusterState.Upgrading, null, release: false, CancellationToken.None));

        Assert.False(await a.RecordAsync("member1", KsFleetClusterState.Failed, "a's late word", release: true, CancellationToken.None));
        var entry = (await StoredAsync(api)).Step("member1")!;
        Assert.Equal(nameof(KsFleetClusterState.Upgrading), entry.Status);
        Assert.Equal("run-b", entry.Owner);
    }

    [Fact]
    public async Task A_done_cluster_is_not_claimed_and_a_released_one_is_free_at_once()
    {
        var api = new FakeKubeApi();
        var a = New(api, "run-a");
        await a.EnsureAsync(new[] { "host", "member1" }, CancellationToken.None);
        Assert.True((await a.TryClaimAsync("host", CancellationToken.None)).Claimed);
        Assert.True(await a.RecordAsync("host", KsFleetClusterState.Done, null, release: true, CancellationToken.None));
        Assert.True((await a.TryClaimAsync("member1", CancellationToken.None)).Claimed);
        Assert.True(await a.RecordAsync("member1", KsFleetClusterState.Upgrading, "stopped", release: true, CancellationToken.None));

        var b = await OpenAsync(api, "run-b");
        var host = await b.TryClaimAsync("host", CancellationToken.None);
        Assert.False(host.Claimed);
        Assert.Equal(KsFleetClusterState.Done, host.State);
        Assert.Null(host.Owner);
        var member = await b.TryClaimAsync("member1", CancellationToken.None); // released by a stopped run: no lease to wait for
        Assert.True(member.Claimed);
        Assert.Equal(KsFleetClusterState.Upgrading, member.State);
        Assert.Null((await StoredAsync(api)).Step("host")!.Owner);
    }

    [Fact]
    public async Task A_holder_whose_clock_is_ten_minutes_behind_renewing_normally_is_not_taken_over()
    {
        var api = new FakeKubeApi();
        var skew = TimeSpan.FromMinutes(-10);
        var a = FleetJournal.New(api, Params(), null, "run-a", Lease, () => _now + skew); // the holder's clock is behind
        await a.EnsureAsync(new[] { "member1" }, CancellationToken.None);
        Assert.True((await a.TryClaimAsync("member1", CancellationToken.None)).Claimed);
        var b = await OpenAsync(api, "run-b"); // the contender's clock is right: a's written lease end is 8 minutes in its past

        for (var i = 0; i < 8; i++)
        {
            Assert.False((await b.TryClaimAsync("member1", CancellationToken.None)).Claimed); // a renews every third of the lease
            _now += Lease / 3;
            await a.RenewAsync(CancellationToken.None);
        }
        var peek = await b.PeekAsync("member1", CancellationToken.None);
        Assert.Equal("run-a", peek.Owner);
        Assert.Equal("run-a", (await StoredAsync(api)).Step("member1")!.Owner);
    }

    [Fact]
    public async Task A_holder_whose_clock_is_ten_minutes_ahead_that_dies_is_taken_over_after_one_lease_without_renewal()
    {
        var api = new FakeKubeApi();
        var skew = TimeSpan.FromMinutes(10);
        var a = FleetJournal.New(api, Params(), null, "run-a", Lease, () => _now + skew); // the holder's clock is ahead
        await a.EnsureAsync(new[] { "member1" }, CancellationToken.None);
        Assert.True((await a.TryClaimAsync("member1", CancellationToken.None)).Claimed);
        var b = await OpenAsync(api, "run-b");
        Assert.False((await b.TryClaimAsync("member1", CancellationToken.None)).Claimed);
        _now += Lease / 3;
        await a.RenewAsync(CancellationToken.None); // a's last renewal; then it dies

        _now += TimeSpan.FromSeconds(10);
        Assert.False((await b.TryClaimAsync("member1", CancellationToken.None)).Claimed); // b sees the renewal
        _now += Lease - TimeSpan.FromSeconds(5);
        Assert.False((await b.TryClaimAsync("member1", CancellationToken.None)).Claimed); // not yet a lease since b saw it change
        _now += TimeSpan.FromSeconds(10); // a lease and 5 s without a change, as b measures it (a's written end is 10 minutes ahead)
        var taken = await b.TryClaimAsync("member1", CancellationToken.None);
        Assert.True(taken.Claimed);
        Assert.Equal("run-b", (await StoredAsync(api)).Step("member1")!.Owner);
    }

    /// <summary>A contender's clock that moves on a second each time it is read (each poll of the journal).</summary>
    private Func<DateTimeOffset> Ticking() => () => _now += TimeSpan.FromSeconds(1);

    /// <summary>member1 claimed by run-a; after <paramref name="later"/>, run-b (a new process, on the ticking clock) fails to claim it: its first sight.</summary>
    private async Task<(FakeKubeApi Api, FleetJournal A, FleetJournal B)> ClaimedByAThenSeenByBAsync(TimeSpan later)
    {
        var api = new FakeKubeApi();
        var a = New(api, "run-a");
        await a.EnsureAsync(new[] { "member1" }, CancellationToken.None);
        Assert.True((await a.TryClaimAsync("member1", CancellationToken.None)).Claimed);
        _now += later;
        var b = (await FleetJournal.ReadAsync(api, "run-b", Lease, Ticking(), CancellationToken.None))!;
        Assert.False((await b.TryClaimAsync("member1", CancellationToken.None)).Claimed);
        return (api, a, b);
    }

    [Fact]
    public async Task A_run_started_after_the_holder_died_takes_the_cluster_over_once_it_has_watched_a_lease_pass_without_a_renewal()
    {
        var (api, _, b) = await ClaimedByAThenSeenByBAsync(TimeSpan.FromHours(1)); // a's process was killed an hour ago; b is a restarted runbook

        Assert.True(await b.AwaitLapseAsync("member1", TimeSpan.FromMilliseconds(1), CancellationToken.None));
        Assert.True((await b.TryClaimAsync("member1", CancellationToken.None)).Claimed);
        Assert.Equal("run-b", (await StoredAsync(api)).Step("member1")!.Owner);
    }

    [Fact]
    public async Task A_run_watching_a_live_holder_gives_up_at_its_first_renewal()
    {
        var (api, a, b) = await ClaimedByAThenSeenByBAsync(TimeSpan.Zero);

        var watch = b.AwaitLapseAsync("member1", TimeSpan.FromMilliseconds(5), CancellationToken.None);
        await a.RenewAsync(CancellationToken.None); // a is alive: it renews (well within the lease b measures)
        Assert.False(await watch);
        Assert.False((await b.TryClaimAsync("member1", CancellationToken.None)).Claimed);
        Assert.Equal("run-a", (await StoredAsync(api)).Step("member1")!.Owner);
    }

    [Fact]
    public async Task An_entry_an_older_run_wrote_without_a_renewal_count_is_judged_by_its_lease_end()
    {
        var api = new FakeKubeApi();
        var a = New(api, "run-a");
        await a.EnsureAsync(new[] { "member1" }, CancellationToken.None);
        Assert.True((await a.TryClaimAsync("member1", CancellationToken.None)).Claimed);
        // an older KsUpgrade wrote this entry: owner and lease end, no renewal count
        var cm = api.Find(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, UpgradeJournal.FleetConfigMapName)!;
        var steps = cm["data"]!["steps"]!.GetValue<string>();
        var old = System.Text.RegularExpressions.Regex.Replace(steps, @",?""renewals"":\d+", "");
        Assert.NotEqual(steps, old);
        cm["data"]!["steps"] = old;
        await api.ReplaceAsync(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, cm, CancellationToken.None);

        var b = await OpenAsync(api, "run-b");
        Assert.False((await b.TryClaimAsync("member1", CancellationToken.None)).Claimed);
        _now += Lease + TimeSpan.FromSeconds(1);
        Assert.True((await b.TryClaimAsync("member1", CancellationToken.None)).Claimed);
    }

    [Fact]
    public async Task Per_cluster_journals_do_not_carry_the_claim_fields()
    {
        var api = new FakeKubeApi();
        var journal = UpgradeJournal.New(api, Params());
        await journal.StepStartedAsync("Backup", CancellationToken.None);
        var data = api.Find(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, UpgradeJournal.ConfigMapName)!["data"]!["steps"]!.GetValue<string>();
        Assert.DoesNotContain("owner", data);
        Assert.DoesNotContain("leaseUntil", data);
        Assert.DoesNotContain("renewals", data);
    }
}
