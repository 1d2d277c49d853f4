using System.Text.Json.Nodes;
using KsUpgrade.Engine.Backup;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Undo;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Tests.Upgrade.Fakes;

namespace KsUpgrade.Tests.Undo;

/// <summary>
/// RestoreObjects re-creates a backed-up object the cluster no longer has; when something creates it between Undo's
/// read and its create (a controller, helm, a person), the create answers 409 AlreadyExists: Undo reads it again and
/// writes the backed-up object over it, instead of failing the step.
/// </summary>
public sealed class UndoRestoreConflictTests : UndoTempFolderTest
{
    private const string Ns = "kubesphere-system";

    [Fact]
    public async Task A_backed_up_object_created_by_someone_else_before_Undo_re_creates_it_is_read_again_and_restored()
    {
        var api = new FakeKubeApi(ResourceKind.ClusterConfigurations);
        api.Add(ResourceKind.Namespaces, null, Ns, new Dictionary<string, string> { ["kubesphere.io/workspace"] = "system-workspace" });
        api.Add(ResourceKind.Secrets, HelmReleaseSecret.Build("ks-core", Ns, 1, "deployed", "ks-core", "0.1.0", "v3.3.2", null, "", DateTimeOffset.UtcNow.AddDays(-1)));
        api.Add(ResourceKind.ConfigMaps, Ns, "ks-console-config", extra: FakeKubeApi.Json("""{"data":{"local_config.yaml":"as backed up"}}"""));
        var backup = Path.Combine(Dir, "bk");
        await new ClusterBackup(api, new RecordingEngineLog()).RunAsync(new BackupOptions(backup), CancellationToken.None);
        // the upgrade (stopped before helm) deleted the ConfigMap
        await api.DeleteAsync(ResourceKind.ConfigMaps, Ns, "ks-console-config", "Background", CancellationToken.None);
        var journal = UpgradeJournal.New(api, new SortedDictionary<string, string> { ["Role"] = "host" });
        await journal.UpdateAsync(s =>
        {
            s.BackupPath = backup;
            s.Steps.Add(new JournalStepRecord { Name = "Backup", Status = JournalStatus.Succeeded });
        }, CancellationToken.None);

        // someone creates it (with other data) while Undo is about to: Undo's create answers AlreadyExists
        var raced = false;
        api.Fault = call =>
        {
            if (raced || !call.StartsWith("CREATE", StringComparison.Ordinal) || !call.Contains("ks-console-config", StringComparison.Ordinal)) return null;
            raced = true;
            api.Add(ResourceKind.ConfigMaps, Ns, "ks-console-config", extra: FakeKubeApi.Json("""{"data":{"local_config.yaml":"written by someone else"}}"""));
            return new KubeConflictException("configmaps \"ks-console-config\" already exists");
        };

        var undone = await new ClusterUndo(api, new NoHelm(), new RecordingEngineLog(), new UndoOptions { PollInterval = TimeSpan.FromMilliseconds(10) })
            .RunAsync(CancellationToken.None);
        Assert.True(raced);
        Assert.True(undone.Succeeded, string.Join("; ", undone.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}")));
        Assert.Equal("as backed up", api.Find(ResourceKind.ConfigMaps, Ns, "ks-console-config")!["data"]!["local_config.yaml"]!.GetValue<string>());
    }
}
