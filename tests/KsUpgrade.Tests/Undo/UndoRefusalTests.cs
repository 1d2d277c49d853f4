using System.Text.Json.Nodes;
using KsUpgrade.Engine.Backup;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Members;
using KsUpgrade.Engine.Undo;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Upgrade.Fakes;

namespace KsUpgrade.Tests.Undo;

/// <summary>What Undo-KsUpgrade and Complete-KsUpgrade refuse, before any change.</summary>
public sealed class UndoRefusalTests : UndoTempFolderTest
{
    private static readonly ResourceKind Clusters = new("cluster.kubesphere.io", "v1alpha1", "clusters", "Cluster", false);

    private static ClusterUndo Undo(FakeKubeApi api, string? backup = null) =>
        new(api, new NoHelm(), new RecordingEngineLog(), new UndoOptions { BackupPath = backup });

    private static async Task JournalAsync(FakeKubeApi api, bool finished, bool completed = false, string? backup = null, string role = "host")
    {
        var journal = UpgradeJournal.New(api, new SortedDictionary<string, string> { ["Role"] = role });
        await journal.UpdateAsync(s =>
        {
            s.BackupPath = backup;
            s.Steps.Add(new JournalStepRecord { Name = "Backup", Status = JournalStatus.Succeeded });
            if (finished) s.Steps.Add(new JournalStepRecord { Name = "PostCheck", Status = JournalStatus.Succeeded });
            if (completed) s.Facts[JournalFacts.Completed] = DateTimeOffset.UtcNow.ToString("o");
        }, CancellationToken.None);
    }

    private async Task<string> BackupAsync(FakeKubeApi api)
    {
        var path = Path.Combine(Dir, "bk");
        await new ClusterBackup(api, new RecordingEngineLog()).RunAsync(new BackupOptions(path), CancellationToken.None);
        return path;
    }

    [Fact]
    public async Task Without_a_journal_there_is_nothing_to_undo()
    {
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => Undo(new FakeKubeApi()).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.NothingToUndo, e.ErrorId);
        Assert.Contains("Test-KsCluster", e.Remedy);
    }

    [Fact]
    public async Task After_Complete_KsUpgrade_Undo_refuses_and_nothing_is_written()
    {
        var api = new FakeKubeApi();
        await JournalAsync(api, finished: true);
        var completion = await UpgradeCompletion.CompleteAsync(api, new RecordingEngineLog(), CancellationToken.None);
        Assert.Equal("fake", completion.Cluster);
        var writes = api.Mutations.Count;

        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => Undo(api).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.UpgradeCompleted, e.ErrorId);
        Assert.Equal(writes, api.Mutations.Count);
        // a second Complete-KsUpgrade keeps the first time
        Assert.Equal(completion.Completed, (await UpgradeCompletion.CompleteAsync(api, new RecordingEngineLog(), CancellationToken.None)).Completed);
    }

    [Fact]
    public async Task Complete_KsUpgrade_refuses_an_unfinished_upgrade_and_a_cluster_without_one()
    {
        var none = await Assert.ThrowsAsync<KsUpgradeException>(() => UpgradeCompletion.CompleteAsync(new FakeKubeApi(), new RecordingEngineLog(), CancellationToken.None));
        Assert.Equal(ErrorIds.UpgradeNotFinished, none.ErrorId);
        var api = new FakeKubeApi();
        await JournalAsync(api, finished: false);
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => UpgradeCompletion.CompleteAsync(api, new RecordingEngineLog(), CancellationToken.None));
        Assert.Equal(ErrorIds.UpgradeNotFinished, e.ErrorId);
        Assert.Contains("Undo-KsUpgrade", e.Remedy);
    }

    [Fact]
    public async Task A_host_whose_members_are_on_v4_is_refused_naming_them()
    {
        var api = new FakeKubeApi(Clusters, ResourceKind.ClusterConfigurations);
        api.Add(ResourceKind.Namespaces, null, "kubesphere-system", new Dictionary<string, string> { ["kubesphere.io/workspace"] = "system-workspace" });
        var backup = await BackupAsync(api);
        await JournalAsync(api, finished: true, backup: backup);
        api.Add(Clusters, null, "host", new Dictionary<string, string> { ["cluster-role.kubesphere.io/host"] = "" },
            FakeKubeApi.Json("""{"status":{"kubeSphereVersion":"v4.1.3"}}"""));
        api.Add(Clusters, null, "member1", extra: FakeKubeApi.Json("""{"status":{"kubeSphereVersion":"v4.1.3"}}"""));
        api.Add(Clusters, null, "member2", extra: FakeKubeApi.Json("""{"status":{"kubeSphereVersion":"v3.4.1","conditions":[{"type":"KSCoreReady","status":"True"},{"type":"Schedulable","status":"False","reason":"Upgrading"}]}}"""));
        // member3's upgrade finished (its taint removed) but the host's cluster controller has not shown its new version yet
        api.Add(Clusters, null, "member3", extra: FakeKubeApi.Json("""{"status":{"kubeSphereVersion":"v3.4.1","conditions":[{"type":"KSCoreReady","status":"True"}]}}"""));
        api.Add(Clusters, null, "member4", extra: FakeKubeApi.Json("""{"status":{"kubeSphereVersion":"v3.4.1"}}""")); // the host upgrade never reached the core job
        var writes = api.Mutations.Count;

        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => Undo(api).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.MembersUpgraded, e.ErrorId);
        Assert.Contains("member1 (v4.1.3)", e.Message);
        Assert.Contains("member3 (shown on v3.4.1 yet, but its Schedulable condition was removed", e.Message);
        Assert.DoesNotContain("member2", e.Message);
        Assert.DoesNotContain("member4", e.Message);
        Assert.Equal(writes, api.Mutations.Count);
    }

    [Fact]
    public async Task A_members_Undo_without_its_host_or_with_itself_as_host_is_refused_and_nothing_is_written()
    {
        var api = new FakeKubeApi(ResourceKind.ClusterConfigurations);
        api.Add(ResourceKind.Namespaces, null, "kubesphere-system", new Dictionary<string, string> { ["kubesphere.io/workspace"] = "system-workspace" });
        var backup = await BackupAsync(api);
        await JournalAsync(api, finished: true, backup: backup, role: "member");
        var writes = api.Mutations.Count;

        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => Undo(api).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.HostClusterRequired, e.ErrorId);
        Assert.Contains("Schedulable", e.Message);
        Assert.Contains("-HostCluster", e.Remedy);
        Assert.Equal(writes, api.Mutations.Count);

        // the member's own connection given as its host (same server)
        var self = new ClusterUndo(api, new NoHelm(), new RecordingEngineLog(), new UndoOptions(), hostApi: api);
        Assert.Equal(ErrorIds.RoleMismatch, (await Assert.ThrowsAsync<KsUpgradeException>(() => self.RunAsync(CancellationToken.None))).ErrorId);
        Assert.Equal(writes, api.Mutations.Count);
    }

    [Fact]
    public void The_taint_Undo_puts_back_is_a_guarded_patch_adding_the_hosts_upgrade_condition()
    {
        var cluster = FakeKubeApi.Json("""{"status":{"conditions":[{"type":"Ready","status":"True"}]}}""");
        var ops = JsonNode.Parse(MemberClusters.AdditionPatch(cluster, DateTimeOffset.Parse("2026-12-06T06:00:00Z")))!.AsArray();
        Assert.Equal("test", ops[0]!["op"]!.GetValue<string>());
        Assert.Equal("/status/conditions", ops[0]!["path"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(cluster["status"]!["conditions"], ops[0]!["value"])); // applies only to the conditions as read
        Assert.Equal("replace", ops[1]!["op"]!.GetValue<string>());
        var added = ops[1]!["value"]!.AsArray();
        Assert.Equal(2, added.Count);
        Assert.Equal("Ready", added[0]!["type"]!.GetValue<string>());
        Assert.Equal("Schedulable", added[1]!["type"]!.GetValue<string>());
        Assert.Equal("False", added[1]!["status"]!.GetValue<string>());
        Assert.Equal("Upgrading", added[1]!["reason"]!.GetValue<string>());
        Assert.Equal("2026-12-06T06:00:00Z", added[1]!["lastTransitionTime"]!.GetValue<string>());
        // no conditions yet: added
        var bare = JsonNode.Parse(MemberClusters.AdditionPatch(FakeKubeApi.Json("""{"status":{}}"""), DateTimeOffset.UtcNow))!.AsArray();
        Assert.Equal("add", Assert.Single(bare)!["op"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_backup_without_Undos_files_is_refused()
    {
        var api = new FakeKubeApi(ResourceKind.ClusterConfigurations);
        api.Add(ResourceKind.Namespaces, null, "kubesphere-system", new Dictionary<string, string> { ["kubesphere.io/workspace"] = "system-workspace" });
        var backup = await BackupAsync(api);
        var manifestPath = Path.Combine(backup, ClusterBackup.ManifestFileName);
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        manifest.Remove("undo"); // as KsUpgrade wrote it before Undo existed
        var files = manifest["files"]!.AsArray();
        foreach (var f in files.Where(f => f!["name"]!.GetValue<string>().StartsWith("undo-", StringComparison.Ordinal)).ToList())
        {
            File.Delete(Path.Combine(backup, f!["name"]!.GetValue<string>()));
            files.Remove(f);
        }
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        await JournalAsync(api, finished: true, backup: backup);

        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => Undo(api).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.BackupNotUsableForUndo, e.ErrorId);
    }
}
