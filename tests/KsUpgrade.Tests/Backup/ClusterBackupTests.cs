using System.Security.Cryptography;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Backup;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Upgrade.Fakes;
using YamlDotNet.RepresentationModel;

namespace KsUpgrade.Tests.Backup;

public sealed class ClusterBackupTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ksbk-" + Guid.NewGuid().ToString("N"));
    private static readonly ResourceKind Users = new("iam.kubesphere.io", "v1alpha2", "users", "User", false);
    private static readonly ResourceKind Workspaces = new("tenant.kubesphere.io", "v1alpha1", "workspaces", "Workspace", false);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
        if (Directory.Exists(_dir + ".partial")) Directory.Delete(_dir + ".partial", true);
    }

    private static readonly Dictionary<string, string> SystemWs = new() { ["kubesphere.io/workspace"] = "system-workspace" };

    private static FakeKubeApi Cluster(int configMaps = 3)
    {
        var api = new FakeKubeApi(ResourceKind.ClusterConfigurations, Users, Workspaces);
        api.Add(ResourceKind.Namespaces, null, "kubesphere-system", SystemWs);
        api.Add(ResourceKind.Namespaces, null, "kube-system", SystemWs);
        api.Add(ResourceKind.Namespaces, null, "default");
        for (var i = 0; i < configMaps; i++) api.Add(ResourceKind.ConfigMaps, "kubesphere-system", $"cm-{i:D4}");
        api.Add(ResourceKind.ConfigMaps, "default", "not-backed-up");
        api.Add(ResourceKind.Secrets, "kubesphere-system", "redis-secret", extra: FakeKubeApi.Json("""{"type":"Opaque","data":{"auth":"c2VjcmV0"}}"""));
        api.Add(ResourceKind.Deployments, "kube-system", "coredns", extra: FakeKubeApi.Json("""{"spec":{"replicas":2}}"""));
        api.Add(ResourceKind.ClusterConfigurations, "kubesphere-system", "ks-installer", new Dictionary<string, string> { ["version"] = "v3.4.1" },
            FakeKubeApi.Json("""{"spec":{"etcd":{"endpointIps":"localhost","port":2379}}}"""));
        api.Add(Users, null, "admin", extra: FakeKubeApi.Json("""{"spec":{"email":"admin@example.com","password":"$2a$10$hash"}}"""));
        api.Add(Workspaces, null, "system-workspace");
        return api;
    }

    private static List<YamlDocument> Docs(string file)
    {
        var ys = new YamlStream();
        ys.Load(new StringReader(File.ReadAllText(file)));
        return ys.Documents.ToList();
    }

    /// <summary>The objects in a backup file: one per document, the items of a kind: List document.</summary>
    private static int Objects(string file) =>
        YamlJson.ReadDocuments(File.ReadAllText(file)).Sum(d => d.Str("kind") == "List" ? d["items"]!.AsArray().Count : 1);

    [Fact]
    public async Task Writes_upgrade_sh_files_with_counts_hashes_and_manifest()
    {
        var api = Cluster();
        var log = new RecordingEngineLog();
        var result = await new ClusterBackup(api, log).RunAsync(new BackupOptions(_dir), CancellationToken.None);

        var names = Directory.GetFiles(_dir).Select(Path.GetFileName).OrderBy(n => n).ToList();
        Assert.Contains("backup-kubesphere-system.yaml", names);
        Assert.Contains("backup-kube-system.yaml", names);
        Assert.DoesNotContain("backup-default.yaml", names);
        Assert.Contains("backup-cc.yaml", names);
        Assert.Contains("backup-iam-users.yaml", names);
        Assert.Contains("backup-iam-clusterroles.yaml", names);
        Assert.Contains("backup-tenant-workspaces.yaml", names);
        Assert.Contains("backup-tenant-namespaces.yaml", names);
        Assert.Contains("manifest.json", names);
        // iam.kubesphere.io globalroles etc. are not served by this fake cluster: skipped, recorded.
        Assert.DoesNotContain("backup-iam-globalroles.yaml", names);
        Assert.Contains("globalroles.iam.kubesphere.io", result.SkippedKinds);
        Assert.Contains("workspacetemplates.tenant.kubesphere.io", result.SkippedKinds);

        var ks = result.Files.Single(f => f.Name == "backup-kubesphere-system.yaml");
        Assert.Equal(4, ks.Objects); // 3 configmaps + 1 secret
        Assert.Equal(4, Docs(Path.Combine(_dir, ks.Name)).Count);
        Assert.Equal(3, result.Files.Single(f => f.Name == "backup-tenant-namespaces.yaml").Objects);
        Assert.Equal("v3.4.1", result.KubeSphereVersion);

        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "manifest.json")))!;
        Assert.Equal("fake", manifest["cluster"]!["context"]!.GetValue<string>());
        Assert.Equal("v3.4.1", manifest["kubeSphereVersion"]!.GetValue<string>());
        foreach (var f in manifest["files"]!.AsArray())
        {
            var path = Path.Combine(_dir, f!["name"]!.GetValue<string>());
            var sha = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();
            Assert.Equal(sha, f["sha256"]!.GetValue<string>());
            Assert.Equal(Objects(path), f["objects"]!.GetValue<int>());
        }
        Assert.Contains(manifest["skippedKinds"]!.AsArray(), n => n!.GetValue<string>() == "groups.iam.kubesphere.io");
    }

    /// <summary>
    /// What kubectl 1.32 prints for `kubectl get ... -o yaml` when nothing matches, and so what upgrade.sh's
    /// `kubectl get ... -o yaml > file` leaves in the file (seen against the sandbox; BackupKubectlParityTests compares
    /// with kubectl's own output).
    /// </summary>
    internal const string KubectlEmptyList = "apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";

    [Fact]
    public async Task Backs_up_kubesphere_devops_worker_like_upgrade_sh_even_when_the_namespace_does_not_exist()
    {
        // upgrade.sh appends kubesphere-devops-worker to the system-workspace namespaces unconditionally; for a namespace
        // that does not exist kubectl lists nothing and prints an empty List.
        var result = await new ClusterBackup(Cluster(), NullEngineLog.Instance).RunAsync(new BackupOptions(_dir), CancellationToken.None);
        var file = Path.Combine(_dir, "backup-kubesphere-devops-worker.yaml");
        Assert.True(File.Exists(file), "backup-kubesphere-devops-worker.yaml is missing");
        Assert.Equal(0, result.Files.Single(f => f.Name == "backup-kubesphere-devops-worker.yaml").Objects);
        Assert.Equal(KubectlEmptyList, File.ReadAllText(file));
    }

    [Fact]
    public async Task A_devops_worker_namespace_that_is_also_system_workspace_is_backed_up_once()
    {
        var api = Cluster();
        api.Add(ResourceKind.Namespaces, null, "kubesphere-devops-worker", SystemWs);
        api.Add(ResourceKind.ConfigMaps, "kubesphere-devops-worker", "agent");
        var result = await new ClusterBackup(api, NullEngineLog.Instance).RunAsync(new BackupOptions(_dir), CancellationToken.None);
        Assert.Equal(1, result.Files.Single(f => f.Name == "backup-kubesphere-devops-worker.yaml").Objects);
        Assert.Single(result.Files, f => f.Name == "backup-kubesphere-devops-worker.yaml");
    }

    [Fact]
    public async Task An_empty_set_is_the_List_kubectl_prints_not_an_empty_file()
    {
        // the fake cluster serves roles and has none: upgrade.sh's `kubectl get roles -A -o yaml` writes an empty List
        var result = await new ClusterBackup(Cluster(), NullEngineLog.Instance).RunAsync(new BackupOptions(_dir), CancellationToken.None);
        var roles = result.Files.Single(f => f.Name == "backup-iam-roles.yaml");
        Assert.Equal(0, roles.Objects);
        var bytes = File.ReadAllBytes(Path.Combine(_dir, roles.Name));
        Assert.Equal(KubectlEmptyList, System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), roles.Sha256);
        Assert.All(result.Files, f => Assert.NotEqual(0, new FileInfo(Path.Combine(_dir, f.Name)).Length));
    }

    [Fact]
    public async Task The_upgrade_journal_ConfigMap_is_not_backed_up()
    {
        // Invoke-KsHostUpgrade writes its journal (kubesphere-system/ks-upgrade-journal) before the Backup step runs;
        // upgrade.sh's backup never holds it, and a restore must not bring an old journal back.
        var api = Cluster();
        await UpgradeJournal.New(api, new SortedDictionary<string, string> { ["Role"] = "host" }).StepStartedAsync("Backup", CancellationToken.None);
        Assert.NotNull(await api.GetAsync(ResourceKind.ConfigMaps, KsUpgrade.Engine.KsNames.KubeSphereSystem, UpgradeJournal.ConfigMapName, CancellationToken.None));

        var result = await new ClusterBackup(api, NullEngineLog.Instance).RunAsync(new BackupOptions(_dir), CancellationToken.None);
        var docs = YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(_dir, "backup-kubesphere-system.yaml")));
        Assert.DoesNotContain(docs, d => d.Name() == UpgradeJournal.ConfigMapName);
        Assert.Equal(4, docs.Count); // 3 configmaps + 1 secret, as without the journal
        Assert.Equal(4, result.Files.Single(f => f.Name == "backup-kubesphere-system.yaml").Objects);
    }

    [Fact]
    public async Task Objects_are_valid_yaml_without_managed_fields_and_keep_types()
    {
        var api = Cluster();
        await new ClusterBackup(api, NullEngineLog.Instance).RunAsync(new BackupOptions(_dir), CancellationToken.None);
        var docs = YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(_dir, "backup-kube-system.yaml")));
        var deploy = Assert.Single(docs);
        Assert.Equal("apps/v1", deploy.Str("apiVersion"));
        Assert.Equal("Deployment", deploy.Str("kind"));
        Assert.Null(deploy.At("metadata", "managedFields"));
        Assert.Equal(2, deploy.Long("spec", "replicas"));
        var cc = YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(_dir, "backup-cc.yaml"))).Single();
        Assert.Equal("localhost", cc.Str("spec", "etcd", "endpointIps"));
        Assert.Equal(2379, cc.Long("spec", "etcd", "port"));
        // a string that looks like a number stays a string (resourceVersion)
        Assert.Equal(System.Text.Json.JsonValueKind.String, cc.At("metadata", "resourceVersion")!.GetValueKind());
    }

    [Fact]
    public async Task Streams_page_by_page()
    {
        var api = Cluster(configMaps: 7);
        await new ClusterBackup(api, NullEngineLog.Instance).RunAsync(new BackupOptions(_dir) { PageSize = 3 }, CancellationToken.None);
        var cmLists = api.Calls.Where(c => c.StartsWith("LIST configmaps kubesphere-system")).ToList();
        Assert.Equal(new[] { "LIST configmaps kubesphere-system limit=3 continue=", "LIST configmaps kubesphere-system limit=3 continue=3",
            "LIST configmaps kubesphere-system limit=3 continue=6" }, cmLists);
        var docs = YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(_dir, "backup-kubesphere-system.yaml")));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"cm-{i:D4}"), docs.Where(d => d.Str("kind") == "ConfigMap").Select(d => d.Name()));
    }

    [Fact]
    public async Task Secret_files_are_owner_only_and_warned_about()
    {
        var log = new RecordingEngineLog();
        await new ClusterBackup(Cluster(), log).RunAsync(new BackupOptions(_dir), CancellationToken.None);
        if (!OperatingSystem.IsWindows()) // the Windows ACL is checked by OwnerOnlyFilesTests
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "backup-kubesphere-system.yaml")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "backup-iam-users.yaml")));
            Assert.NotEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "backup-cc.yaml")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
        }
        Assert.Contains(log.Records, r => r.Stream == "Warning" && r.Message.Contains("Secrets"));
        Assert.Contains("c2VjcmV0", File.ReadAllText(Path.Combine(_dir, "backup-kubesphere-system.yaml")));
        // no secret value in any log record
        Assert.DoesNotContain(log.Records, r => r.Message.Contains("c2VjcmV0"));
    }

    [Fact]
    public async Task ExcludeSecretData_drops_data()
    {
        var result = await new ClusterBackup(Cluster(), NullEngineLog.Instance).RunAsync(new BackupOptions(_dir) { ExcludeSecretData = true }, CancellationToken.None);
        var docs = YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(_dir, "backup-kubesphere-system.yaml")));
        var secret = docs.Single(d => d.Str("kind") == "Secret");
        Assert.Null(secret["data"]);
        Assert.Equal("Opaque", secret.Str("type"));
        Assert.True(result.SecretDataExcluded);
    }

    [Fact]
    public async Task Refuses_a_non_empty_directory_and_leaves_it_untouched()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "keep.txt"), "mine");
        var api = Cluster();
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => new ClusterBackup(api, NullEngineLog.Instance).RunAsync(new BackupOptions(_dir), CancellationToken.None));
        Assert.Equal(ErrorIds.BackupPathNotEmpty, e.ErrorId);
        Assert.Equal(new[] { "keep.txt" }, Directory.GetFiles(_dir).Select(Path.GetFileName));
        Assert.Empty(api.Calls);
    }

    [Fact]
    public async Task An_empty_existing_directory_is_used()
    {
        Directory.CreateDirectory(_dir);
        var result = await new ClusterBackup(Cluster(), NullEngineLog.Instance).RunAsync(new BackupOptions(_dir), CancellationToken.None);
        Assert.True(File.Exists(Path.Combine(_dir, "manifest.json")));
        Assert.Equal(Path.GetFullPath(_dir), result.Path);
    }

    [Fact]
    public async Task A_failure_mid_backup_leaves_no_target_and_a_rerun_completes()
    {
        var api = Cluster();
        api.Fault = call => call.StartsWith("LIST secrets") ? new KsUpgradeException(ErrorIds.ApiError, KsErrorCategory.InvalidResult, "500") : null;
        await Assert.ThrowsAsync<KsUpgradeException>(() => new ClusterBackup(api, NullEngineLog.Instance).RunAsync(new BackupOptions(_dir), CancellationToken.None));
        Assert.False(Directory.Exists(_dir));
        Assert.True(Directory.Exists(_dir + ".partial"));
        api.Fault = null;
        var log = new RecordingEngineLog();
        var result = await new ClusterBackup(api, log).RunAsync(new BackupOptions(_dir), CancellationToken.None);
        Assert.False(Directory.Exists(_dir + ".partial"));
        Assert.True(result.ObjectCount > 0);
        Assert.Contains(log.Records, r => r.Stream == "Warning" && r.Message.Contains("incomplete backup"));
    }
}
