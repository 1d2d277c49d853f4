using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Upgrade.Fakes;

namespace KsUpgrade.Tests.Upgrade;

/// <summary>A fake 3.4 cluster, fake helm/checks/chart, a values file and a fresh backup directory.</summary>
public sealed class UpgradeHarness : IDisposable
{
    public UpgradeHarness(string role = "host", string prepareLog = "I1125 prepare-upgrade done")
    {
        Dir = Path.Combine(Path.GetTempPath(), "ksup-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
        ValuesPath = Path.Combine(Dir, "ks-core-values.yaml");
        File.WriteAllText(ValuesPath, Scenario.Values);
        Api = Scenario.Ks34(role, prepareLog);
        Helm = new FakeHelm(Api);
    }

    public string Dir { get; }
    public string ValuesPath { get; }
    public string BackupPath => Path.Combine(Dir, "backup");
    public FakeKubeApi Api { get; }
    public FakeHelm Helm { get; }
    public FakeChecks Checks { get; } = new();
    public FakeChart Chart { get; } = new();
    public RecordingEngineLog Log { get; private set; } = new();

    public UpgradeParameters Parameters(KsClusterRole role = KsClusterRole.Host) => new()
    {
        Role = role,
        ValuesPath = ValuesPath,
        Chart = Path.Combine(Dir, "ks-core"),
        BackupPath = BackupPath,
        JobTimeout = TimeSpan.FromSeconds(5),
    };

    public Task<KsUpgradeResult> RunAsync(UpgradeParameters? p = null, IKubeApi? host = null, CancellationToken ct = default)
    {
        Log = new RecordingEngineLog { Approve = Log.Approve };
        var upgrade = new ClusterUpgrade(Api, p ?? Parameters(), Helm, Checks, Log, Chart, host) { PollInterval = TimeSpan.FromMilliseconds(10) };
        return upgrade.RunAsync(ct);
    }

    public async Task<JournalState?> JournalAsync() => (await UpgradeJournal.ReadAsync(Api, CancellationToken.None))?.State;

    public void Dispose()
    {
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
