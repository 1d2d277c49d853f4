using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using KsUpgrade;
using KsUpgrade.Engine.Backup;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Upgrade;

// Usage: Net8Smoke --kubeconfig K --context C --values V --chart DIR --helm H --work DIR
// Connects, runs the pre-flight checks (Test-KsCluster), a backup (Backup-KsCluster) and the host upgrade
// (Invoke-KsHostUpgrade) through the engine, and prints what happened as JSON. Exit code 0 when all of it ran.
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
string Arg(string name) => options.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");

var summary = new JsonObject
{
    ["runtime"] = RuntimeInformation.FrameworkDescription,
    ["runtimeVersion"] = Environment.Version.ToString(),
};
var log = new RecordingEngineLog();
try
{
    using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
    var cluster = await ClusterConnector.ConnectAsync(new KsConnectionSettings
    {
        KubeconfigPaths = new[] { Arg("kubeconfig") },
        Context = Arg("context"),
    }, log.Warning, cts.Token);
    summary["connected"] = new JsonObject { ["context"] = cluster.Context, ["kubeSphereVersion"] = cluster.KubeSphereVersion };

    var report = await ClusterTest.RunAsync(cluster, new ClusterTestOptions
    {
        ValuesPath = Arg("values"),
        Chart = Arg("chart"),
        HelmPath = Arg("helm"),
    }, log, cts.Token);
    summary["checks"] = report.Checks.Length;
    summary["failedChecks"] = new JsonArray(report.Checks.Where(c => c.Status == KsCheckStatus.Failed).Select(c => (JsonNode)JsonValue.Create(c.Id)!).ToArray());

    var backup = await ClusterBackup.RunAsync(cluster, new BackupOptions(Path.Combine(Arg("work"), "backup")), log, cts.Token);
    summary["backupObjects"] = backup.ObjectCount;
    summary["backupFiles"] = backup.Files.Length;

    var result = await UpgradeRun.RunAsync(new UpgradeRunRequest
    {
        Cluster = cluster,
        Parameters = new UpgradeParameters
        {
            Role = KsClusterRole.Host,
            ValuesPath = Arg("values"),
            Chart = Arg("chart"),
            BackupPath = Path.Combine(Arg("work"), "upgrade-backup"),
            JobTimeout = TimeSpan.FromSeconds(120),
        },
        HelmPath = Arg("helm"),
    }, log, cts.Token);
    summary["upgrade"] = new JsonObject
    {
        ["succeeded"] = result.Succeeded,
        ["from"] = result.FromVersion,
        ["to"] = result.ToVersion,
        ["helmRevision"] = result.HelmRevision,
        ["steps"] = new JsonArray(result.Steps.Select(s => (JsonNode)JsonValue.Create($"{s.Name}: {s.Status}")!).ToArray()),
    };
    Console.WriteLine(summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}
catch (KsUpgradeException e)
{
    summary["error"] = $"{e.ErrorId}: {e.Message}";
    Console.WriteLine(summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    return 1;
}
