using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Upgrade.Fakes;

namespace KsUpgrade.Tests.Journal;

public sealed class UpgradeJournalTests
{
    private static SortedDictionary<string, string> Params(string tag = "v4.1.3") => new(StringComparer.Ordinal)
    {
        ["Role"] = "host", ["Tag"] = tag, ["ImageRegistry"] = "docker.io",
    };

    [Fact]
    public void Hash_depends_on_values_not_order()
    {
        var a = Params();
        var b = new SortedDictionary<string, string>(a.Reverse().ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);
        Assert.Equal(UpgradeJournal.Hash(a), UpgradeJournal.Hash(b));
        Assert.NotEqual(UpgradeJournal.Hash(a), UpgradeJournal.Hash(Params("v4.1.2")));
        Assert.Matches("^[0-9a-f]{64}$", UpgradeJournal.Hash(a));
    }

    [Fact]
    public void Differences_names_each_changed_parameter()
    {
        var state = new JournalState { Parameters = Params(), ParametersHash = UpgradeJournal.Hash(Params()) };
        Assert.Null(UpgradeJournal.Differences(state, Params()));
        var changed = Params("v4.1.2");
        changed["ExtensionImageRegistry"] = "reg.local";
        var diff = UpgradeJournal.Differences(state, changed);
        Assert.Contains("Tag was 'v4.1.3', now 'v4.1.2'", diff);
        Assert.Contains("ExtensionImageRegistry was '(not set)', now 'reg.local'", diff);
        Assert.DoesNotContain("Role", diff);
    }

    [Fact]
    public async Task Steps_are_written_before_and_after_and_read_back()
    {
        var api = new FakeKubeApi();
        var journal = UpgradeJournal.New(api, Params());
        Assert.False(journal.Exists);
        await journal.StepStartedAsync("Backup", CancellationToken.None);
        var mid = (await UpgradeJournal.ReadAsync(api, CancellationToken.None))!.State;
        Assert.Equal(JournalStatus.Running, mid.Step("Backup")!.Status);
        await journal.StepFinishedAsync("Backup", JournalStatus.Succeeded, "12 files", s => s.BackupPath = "/tmp/b");
        var read = (await UpgradeJournal.ReadAsync(api, CancellationToken.None))!.State;
        Assert.Equal(JournalStatus.Succeeded, read.Step("Backup")!.Status);
        Assert.Equal("12 files", read.Step("Backup")!.Detail);
        Assert.Equal("/tmp/b", read.BackupPath);
        Assert.Equal(UpgradeJournal.Hash(Params()), read.ParametersHash);
        Assert.Equal("v4.1.3", read.Parameters["Tag"]);
        Assert.StartsWith("KsUpgrade ", read.ToolVersion);
        // one create then whole-object replaces
        Assert.Equal(new[] { "CREATE configmaps kubesphere-system/ks-upgrade-journal", "REPLACE configmaps kubesphere-system/ks-upgrade-journal" },
            api.Mutations.ToArray());
    }

    [Fact]
    public async Task A_conflict_is_resolved_by_rereading()
    {
        var api = new FakeKubeApi();
        var journal = UpgradeJournal.New(api, Params());
        await journal.StepStartedAsync("Backup", CancellationToken.None);
        api.Touch(ResourceKind.ConfigMaps, "kubesphere-system", UpgradeJournal.ConfigMapName);
        await journal.StepFinishedAsync("Backup", JournalStatus.Succeeded, "ok");
        Assert.Contains(api.Calls, c => c.StartsWith("GET configmaps kubesphere-system/ks-upgrade-journal"));
        Assert.Equal(JournalStatus.Succeeded, (await UpgradeJournal.ReadAsync(api, CancellationToken.None))!.State.Step("Backup")!.Status);
    }

    [Fact]
    public async Task Step_end_is_recorded_even_when_the_run_was_cancelled()
    {
        var api = new FakeKubeApi();
        var journal = UpgradeJournal.New(api, Params());
        await journal.StepStartedAsync("HelmUpgrade", CancellationToken.None);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => journal.StepStartedAsync("PostCheck", cts.Token));
        await journal.StepFinishedAsync("HelmUpgrade", JournalStatus.Stopped, "stopped");
        var state = (await UpgradeJournal.ReadAsync(api, CancellationToken.None))!.State;
        Assert.Equal(JournalStatus.Stopped, state.Step("HelmUpgrade")!.Status);
        Assert.Null(state.Step("PostCheck"));
    }

    [Fact]
    public async Task Journal_holds_no_secret_values()
    {
        using var h = new KsUpgrade.Tests.Upgrade.UpgradeHarness();
        await h.RunAsync();
        var cm = h.Api.Find(ResourceKind.ConfigMaps, "kubesphere-system", UpgradeJournal.ConfigMapName)!;
        var text = cm.ToJsonString();
        Assert.DoesNotContain("cGFzcw==", text); // redis-secret data
        Assert.Contains("\"steps\"", text);
    }
}
