using System.Diagnostics;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Backup;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Tests.Sandbox;

namespace KsUpgrade.Tests.Backup;

/// <summary>
/// Backup-KsCluster against upgrade.sh's own backup on the same sandbox (seed ks34-host, which has no
/// kubesphere-devops-worker namespace): upgrade.sh's kubectl commands, run with real kubectl 1.32 by
/// tests/bench/backup-baseline.sh (the test's independent statement of upgrade.sh's files, not the engine's BackupPlan),
/// and the engine's backup must give the same file names, the same objects in each file, and for an empty set the very
/// bytes kubectl printed.
/// </summary>
public sealed class BackupKubectlParityTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ksupgrade-backup-parity-").FullName;
    private SandboxHost _host = null!;
    private KubectlRunner _kubectl = null!;

    public async Task InitializeAsync()
    {
        _host = await SandboxHost.StartAsync(new SandboxOptions { Seed = "ks34-host" });
        _kubectl = new KubectlRunner(_host.KubeconfigPath);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_dir, true);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KsUpgrade.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("KsUpgrade.sln not found above the test output");
    }

    /// <summary>upgrade.sh's backup with real kubectl into a folder; returns the folder.</summary>
    private async Task<string> UpgradeShBackupAsync()
    {
        var output = Path.Combine(_dir, "upgrade-sh");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(RepoRoot(), "tests", "bench", "backup-baseline.sh"));
        psi.ArgumentList.Add(output);
        psi.Environment["KUBECONFIG"] = _host.KubeconfigPath;
        psi.Environment["KUBECTL"] = KubectlRunner.KubectlPath;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(p.ExitCode == 0, $"backup-baseline.sh failed (exit {p.ExitCode}): {await stderr}");
        return output;
    }

    private async Task<KsBackupResult> OurBackupAsync()
    {
        var cluster = await ClusterConnector.ConnectAsync(new KsConnectionSettings { KubeconfigPaths = new[] { _host.KubeconfigPath } }, null, CancellationToken.None);
        return await ClusterBackup.RunAsync(cluster, new BackupOptions(Path.Combine(_dir, "ours")), NullEngineLog.Instance, CancellationToken.None);
    }

    /// <summary>The objects of a backup file, in order: a List's items, else each document.</summary>
    private static List<JsonObject> Objects(string file) =>
        YamlJson.ReadDocuments(File.ReadAllText(file))
            .SelectMany(d => d.Str("kind") == "List" ? d["items"]!.AsArray().Select(i => i!.AsObject()) : new[] { d })
            .ToList();

    private static string Id(JsonObject o) => $"{o.Str("apiVersion")} {o.Str("kind")} {o.Namespace()}/{o.Name()}";

    [Fact]
    public async Task Backup_KsCluster_writes_every_file_upgrade_sh_writes_with_the_same_objects_and_empty_sets_as_kubectl_prints_them()
    {
        var upgradeSh = await UpgradeShBackupAsync();
        var result = await OurBackupAsync();

        var theirs = Directory.GetFiles(upgradeSh).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        // Undo's files come on top of upgrade.sh's set (UndoBackupTests)
        var ours = Directory.GetFiles(result.Path).Select(Path.GetFileName).Where(n => n != ClusterBackup.ManifestFileName && !BackupPlan.UndoFileNames().Contains(n)).Order(StringComparer.Ordinal).ToList();
        Assert.Contains("backup-kubesphere-devops-worker.yaml", theirs); // the seed has no such namespace: upgrade.sh still writes it
        Assert.Equal(theirs, ours);
        Assert.Empty(result.SkippedKinds);

        var empty = 0;
        foreach (var name in theirs)
        {
            var theirFile = Path.Combine(upgradeSh, name!);
            var ourFile = Path.Combine(result.Path, name!);
            var expected = Objects(theirFile);
            var actual = Objects(ourFile);
            Assert.True(expected.Select(Id).SequenceEqual(actual.Select(Id)),
                $"{name}: kubectl wrote [{string.Join(", ", expected.Select(Id))}], Backup-KsCluster [{string.Join(", ", actual.Select(Id))}]");
            for (var i = 0; i < expected.Count; i++)
                Assert.True(JsonNode.DeepEquals(expected[i], actual[i]),
                    $"{name}: {Id(expected[i])} differs:\nkubectl:  {expected[i].ToJsonString()}\nours:     {actual[i].ToJsonString()}");
            Assert.Equal(expected.Count, result.Files.Single(f => f.Name == name).Objects);
            if (expected.Count == 0)
            {
                empty++;
                Assert.Equal(File.ReadAllText(theirFile), File.ReadAllText(ourFile));
            }
        }
        Assert.True(empty > 0, "no empty set on this seed: the empty-List comparison did not run");
        Assert.True(BackupVerifier.Verify(result.Path).Intact);
    }

    [Fact]
    public async Task Kubectl_reads_the_backup_of_an_empty_kind_back_as_the_empty_List_it_printed()
    {
        var result = await OurBackupAsync();
        var file = Path.Combine(result.Path, "backup-kubesphere-devops-worker.yaml");
        Assert.Equal(0, result.Files.Single(f => f.Name == "backup-kubesphere-devops-worker.yaml").Objects);
        var printed = await _kubectl.RunAsync("get", "configmaps,secrets,statefulsets.apps,deployments.apps,daemonsets.apps", "-n", "kubesphere-devops-worker", "-o", "yaml");
        Assert.True(printed.ExitCode == 0, printed.ToString());
        var readBack = await _kubectl.RunAsync("get", "-f", file, "-o", "yaml");
        Assert.True(readBack.ExitCode == 0, readBack.ToString());
        Assert.Equal(printed.StdOut, File.ReadAllText(file));
        Assert.Equal(printed.StdOut, readBack.StdOut);
    }
}
