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
/// helm rollback builds every object of the release's latest manifest and of the target revision's before it changes
/// anything, and stops on a kind the API server does not serve ("no matches for kind"). After the upgrade deleted or
/// changed CRDs, a kind of the recorded 3.4 revision's manifest may be one: Undo's HelmRollback puts its definition
/// back from the backup first (planned), and refuses before any change when neither the cluster nor the backup can
/// serve it (RollbackKindsNotServed).
/// </summary>
public sealed class UndoRollbackKindsTests : UndoTempFolderTest
{
    private const string Ns = "kubesphere-system";
    private static readonly ResourceKind V1Gateways = new("gateway.kubesphere.io", "v1alpha1", "gateways", "Gateway", true);

    private static JsonObject Crd(params string[] versions) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "gateways.gateway.kubesphere.io" },
        ["spec"] = new JsonObject
        {
            ["group"] = "gateway.kubesphere.io",
            ["scope"] = "Namespaced",
            ["names"] = new JsonObject { ["kind"] = "Gateway", ["plural"] = "gateways", ["listKind"] = "GatewayList", ["singular"] = "gateway" },
            ["versions"] = new JsonArray(versions.Select((v, i) => (JsonNode?)new JsonObject
            {
                ["name"] = v,
                ["served"] = true,
                ["storage"] = i == 0,
                ["schema"] = new JsonObject { ["openAPIV3Schema"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true } },
            }).ToArray()),
        },
        ["status"] = new JsonObject
        {
            ["storedVersions"] = new JsonArray(versions[0]),
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Established", ["status"] = "True" }),
        },
    };

    private const string ConfigMap = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ks-router-config\n  namespace: kubesphere-system\n";
    private const string Gateway = "---\napiVersion: gateway.kubesphere.io/v1alpha1\nkind: Gateway\nmetadata:\n  name: kubesphere-router-kubesphere-system\n  namespace: kubesphere-controls-system\n";
    private const string Widget = "---\napiVersion: widgets.example.io/v1\nkind: Widget\nmetadata:\n  name: blue\n  namespace: kubesphere-system\n";

    /// <summary>
    /// A 3.4 cluster whose deployed ks-core revision 1 holds <paramref name="manifest34"/>, with the v1alpha1 gateway CRD;
    /// backed up; then "upgraded": revision 2 deployed on 4.1 and the gateway CRD deleted (<paramref name="liveCrd"/> null)
    /// or replaced by a v2alpha1-only one, as the upgrade's gateway job leaves it; the journal of a finished upgrade.
    /// </summary>
    private async Task<FakeKubeApi> UpgradedAsync(string manifest34, JsonObject? liveCrd)
    {
        var api = new FakeKubeApi(ResourceKind.ClusterConfigurations);
        api.Add(ResourceKind.Namespaces, null, Ns, new Dictionary<string, string> { ["kubesphere.io/workspace"] = "system-workspace" });
        api.Add(ResourceKind.Secrets, HelmReleaseSecret.Build("ks-core", Ns, 1, "deployed", "ks-core", "0.1.0", "v3.3.2", null, manifest34, DateTimeOffset.UtcNow.AddDays(-1)));
        api.Add(ResourceKind.CustomResourceDefinitions, Crd("v1alpha1"));
        var backup = Path.Combine(Dir, "bk");
        await new ClusterBackup(api, new RecordingEngineLog()).RunAsync(new BackupOptions(backup), CancellationToken.None);

        api.Add(ResourceKind.Secrets, HelmReleaseSecret.WithStatus(api.Find(ResourceKind.Secrets, Ns, HelmReleaseSecret.SecretName("ks-core", 1))!, "superseded"));
        api.Add(ResourceKind.Secrets, HelmReleaseSecret.Build("ks-core", Ns, 2, "deployed", "ks-core", "1.1.5", "v4.1.3", null,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubesphere-config\n  namespace: kubesphere-system\n"));
        await api.DeleteAsync(ResourceKind.CustomResourceDefinitions, null, "gateways.gateway.kubesphere.io", "Background", CancellationToken.None);
        if (liveCrd is not null) api.Add(ResourceKind.CustomResourceDefinitions, liveCrd);

        var journal = UpgradeJournal.New(api, new SortedDictionary<string, string> { ["Role"] = "host" });
        await journal.UpdateAsync(s =>
        {
            s.BackupPath = backup;
            foreach (var step in ClusterUpgrade.StepNames) s.Steps.Add(new JournalStepRecord { Name = step, Status = JournalStatus.Succeeded });
            s.Facts[InterruptedHelmUpgrade.FactRevisionBefore] = "1";
        }, CancellationToken.None);
        return api;
    }

    private static ClusterUndo Undo(FakeKubeApi api, IEngineLog log) => new(api, new NoHelm(), log, new UndoOptions { PollInterval = TimeSpan.FromMilliseconds(10) });

    [Fact]
    public async Task A_kind_of_the_34_manifest_whose_CRD_the_upgrade_deleted_has_its_CRD_recreated_from_the_backup_before_the_rollback()
    {
        var api = await UpgradedAsync(ConfigMap + Gateway, liveCrd: null);
        var writes = api.Mutations.Count;
        var plan = await Undo(api, new RecordingEngineLog { Approve = false }).RunAsync(CancellationToken.None);
        var rollback = plan.Plan.Where(l => l.StartsWith("HelmRollback: ", StringComparison.Ordinal)).ToList();
        var crd = rollback.FindIndex(l => l.Contains("Re-create CustomResourceDefinition gateways.gateway.kubesphere.io (versions v1alpha1 (storage)) before the rollback", StringComparison.Ordinal));
        Assert.True(crd >= 0, string.Join("\n", plan.Plan));
        Assert.Contains("Gateway gateway.kubesphere.io/v1alpha1", rollback[crd]);
        Assert.True(crd < rollback.FindIndex(l => l.Contains("helm rollback ks-core to revision 1", StringComparison.Ordinal)), string.Join("\n", rollback));
        Assert.Equal(writes, api.Mutations.Count); // -WhatIf
    }

    [Fact]
    public async Task A_kind_whose_live_CRD_no_longer_serves_its_version_gets_the_backed_up_version_served_again_before_the_rollback()
    {
        var api = await UpgradedAsync(ConfigMap + Gateway, liveCrd: Crd("v2alpha1"));
        var plan = await Undo(api, new RecordingEngineLog { Approve = false }).RunAsync(CancellationToken.None);
        Assert.Contains(plan.Plan, l => l.StartsWith("HelmRollback: Serve v1alpha1 of CustomResourceDefinition gateways.gateway.kubesphere.io again before the rollback", StringComparison.Ordinal));

        // the step itself: the live CRD gains v1alpha1 (served, not stored) and keeps v2alpha1 as its storage version
        var log = new RecordingEngineLog();
        await Assert.ThrowsAsync<KsUpgradeException>(() => Undo(api, log).RunAsync(CancellationToken.None)); // the fake helm refuses to roll back
        var live = api.Find(ResourceKind.CustomResourceDefinitions, null, "gateways.gateway.kubesphere.io")!;
        var versions = live["spec"]!["versions"]!.AsArray().OfType<JsonObject>().ToDictionary(v => v.Str("name")!);
        Assert.Equal(new[] { "v1alpha1", "v2alpha1" }, versions.Keys.Order(StringComparer.Ordinal));
        Assert.True(versions["v2alpha1"].Bool("storage"));
        Assert.False(versions["v1alpha1"].Bool("storage"));
        Assert.True(versions["v1alpha1"].Bool("served"));
    }

    [Fact]
    public async Task A_CRD_not_established_in_time_stops_on_the_CRD_establish_timeout_not_the_delete_timeout()
    {
        var live = Crd("v2alpha1");
        live["status"]!["conditions"] = new JsonArray(); // never Established
        var api = await UpgradedAsync(ConfigMap + Gateway, live);
        var options = new UndoOptions { PollInterval = TimeSpan.FromMilliseconds(10), CrdEstablishTimeout = TimeSpan.FromMilliseconds(200), CrdDeleteTimeout = TimeSpan.FromHours(1) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => new ClusterUndo(api, new NoHelm(), new RecordingEngineLog(), options).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.ApiError, e.ErrorId);
        Assert.Equal(KsErrorCategory.OperationTimeout, e.Category);
        Assert.Contains("is not established serving v1alpha1", e.Message);
        Assert.Contains("CRD establish timeout", e.Message);
        Assert.Contains("Undo-KsUpgrade", e.Remedy);
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), clock.Elapsed.ToString());
    }

    [Fact]
    public async Task A_kind_neither_the_cluster_nor_the_backup_serves_refuses_Undo_before_any_change()
    {
        var api = await UpgradedAsync(ConfigMap + Widget + Gateway, liveCrd: null);
        var writes = api.Mutations.Count;
        foreach (var approve in new[] { false, true })
        {
            var e = await Assert.ThrowsAsync<KsUpgradeException>(() => Undo(api, new RecordingEngineLog { Approve = approve }).RunAsync(CancellationToken.None));
            Assert.Equal(ErrorIds.RollbackKindsNotServed, e.ErrorId);
            Assert.Contains("Widget widgets.example.io/v1 (kubesphere-system/blue, revision 1", e.Message);
            Assert.DoesNotContain("Gateway", e.Message); // that one the backup can give back
            Assert.Contains("Nothing was changed", e.Message);
            Assert.Contains("Undo-KsUpgrade", e.Remedy);
            Assert.Equal(writes, api.Mutations.Count);
        }
    }

    [Fact]
    public async Task A_served_kind_needs_no_CRD_before_the_rollback()
    {
        var api = await UpgradedAsync(ConfigMap + Gateway, liveCrd: Crd("v1alpha1"));
        api.Serve(V1Gateways);
        var plan = await Undo(api, new RecordingEngineLog { Approve = false }).RunAsync(CancellationToken.None);
        Assert.DoesNotContain(plan.Plan, l => l.StartsWith("HelmRollback: ", StringComparison.Ordinal) && l.Contains("CustomResourceDefinition", StringComparison.Ordinal));
        Assert.Contains(plan.Plan, l => l.StartsWith("HelmRollback: helm rollback ks-core to revision 1", StringComparison.Ordinal));
    }
}
