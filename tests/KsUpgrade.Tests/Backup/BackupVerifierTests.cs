using KsUpgrade.Engine.Backup;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Upgrade.Fakes;

namespace KsUpgrade.Tests.Backup;

/// <summary>Test-KsBackup's engine: an intact backup passes; each kind of damage is named.</summary>
public sealed class BackupVerifierTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ksbkv-" + Guid.NewGuid().ToString("N"));
    private string Backup => Path.Combine(_dir, "backup");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private async Task<KsBackupResult> BackUpAsync()
    {
        var api = new FakeKubeApi(ResourceKind.ClusterConfigurations);
        var system = new Dictionary<string, string> { ["kubesphere.io/workspace"] = "system-workspace" };
        api.Add(ResourceKind.Namespaces, null, "kubesphere-system", system);
        for (var i = 0; i < 5; i++) api.Add(ResourceKind.ConfigMaps, "kubesphere-system", $"cm-{i}");
        api.Add(ResourceKind.Secrets, "kubesphere-system", "redis-secret", extra: FakeKubeApi.Json("""{"type":"Opaque","data":{"auth":"c2VjcmV0"}}"""));
        api.Add(ResourceKind.ClusterConfigurations, "kubesphere-system", "ks-installer", new Dictionary<string, string> { ["version"] = "v3.4.1" });
        Directory.CreateDirectory(_dir);
        return await new ClusterBackup(api, new RecordingEngineLog()).RunAsync(new BackupOptions(Backup), CancellationToken.None);
    }

    private const string SystemFile = "backup-kubesphere-system.yaml";

    [Fact]
    public async Task An_untouched_backup_is_intact_with_the_manifests_counts()
    {
        var written = await BackUpAsync();
        var check = BackupVerifier.Verify(Backup);
        Assert.True(check.Intact, string.Join("\n", check.Problems));
        Assert.Equal(written.ObjectCount, check.ObjectCount);
        Assert.Equal(written.Files.Select(f => f.Name).Order(), check.Files.Select(f => f.Name).Order());
        Assert.All(check.Files, f => Assert.Equal(f.Sha256, f.Sha256Found));
        Assert.Equal("v3.4.1", check.KubeSphereVersion);
        Assert.NotNull(check.Created);
        Assert.Equal(6, check.Files.Single(f => f.Name == SystemFile).ObjectsFound); // 5 ConfigMaps and the Secret
    }

    [Fact]
    public async Task A_changed_file_is_named_with_its_hash_mismatch()
    {
        await BackUpAsync();
        var file = Path.Combine(Backup, SystemFile);
        File.WriteAllText(file, File.ReadAllText(file).Replace("cm-3", "cm-X"));
        var check = BackupVerifier.Verify(Backup);
        Assert.False(check.Intact);
        var damaged = Assert.Single(check.Files, f => !f.Intact);
        Assert.Equal(SystemFile, damaged.Name);
        Assert.Contains("SHA-256 differs", damaged.Problem);
        Assert.Equal(6, damaged.ObjectsFound);
    }

    [Fact]
    public async Task A_removed_object_is_counted()
    {
        await BackUpAsync();
        var file = Path.Combine(Backup, SystemFile);
        var text = File.ReadAllText(file);
        var second = text.IndexOf("---\n", 4, StringComparison.Ordinal);
        File.WriteAllText(file, text[second..]); // drop the first document
        var damaged = Assert.Single(BackupVerifier.Verify(Backup).Files, f => !f.Intact);
        Assert.Equal(5, damaged.ObjectsFound);
        Assert.Contains("5 objects instead of 6", damaged.Problem);
    }

    [Fact]
    public async Task A_missing_file_a_missing_manifest_and_an_extra_file_are_problems()
    {
        await BackUpAsync();
        File.Delete(Path.Combine(Backup, "backup-cc.yaml"));
        File.WriteAllText(Path.Combine(Backup, "notes.txt"), "mine");
        var check = BackupVerifier.Verify(Backup);
        Assert.Contains(check.Problems, p => p == "backup-cc.yaml: missing");
        Assert.Contains(check.Problems, p => p.StartsWith("notes.txt: not listed", StringComparison.Ordinal));
        Assert.Equal(-1, check.Files.Single(f => f.Name == "backup-cc.yaml").ObjectsFound);

        File.Delete(Path.Combine(Backup, ClusterBackup.ManifestFileName));
        var noManifest = BackupVerifier.Verify(Backup);
        Assert.False(noManifest.Intact);
        Assert.Contains(noManifest.Problems, p => p.Contains("manifest.json is missing", StringComparison.Ordinal));
    }

    /// <summary>Takes a file out of the backup as if it had never been written: off the disk and out of the manifest.</summary>
    private void Unlist(string name)
    {
        File.Delete(Path.Combine(Backup, name));
        var path = Path.Combine(Backup, ClusterBackup.ManifestFileName);
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        var files = manifest["files"]!.AsArray();
        foreach (var entry in files.Where(f => f!["name"]!.GetValue<string>() == name).ToList()) files.Remove(entry);
        File.WriteAllText(path, manifest.ToJsonString());
    }

    [Theory]
    [InlineData("backup-kubesphere-devops-worker.yaml", "kubectl get configmaps,secrets,statefulsets.apps,deployments.apps,daemonsets.apps -n kubesphere-devops-worker -o yaml")]
    [InlineData("backup-iam-roles.yaml", "kubectl get roles.rbac.authorization.k8s.io -A -o yaml")]
    [InlineData("backup-kubesphere-system.yaml", "-n kubesphere-system")]
    public async Task A_backup_without_a_file_upgrade_sh_writes_is_not_intact_and_names_it(string name, string command)
    {
        // the manifest and the files agree, but the set lacks a file upgrade.sh writes (as Backup-KsCluster did before
        // it backed up kubesphere-devops-worker unconditionally)
        await BackUpAsync();
        Unlist(name);
        var check = BackupVerifier.Verify(Backup);
        Assert.False(check.Intact);
        var problem = Assert.Single(check.Problems);
        Assert.StartsWith($"{name}: upgrade.sh writes it", problem, StringComparison.Ordinal);
        Assert.Contains(command, problem, StringComparison.Ordinal);
        var file = check.Files.Single(f => f.Name == name);
        Assert.Equal(-1, file.ObjectsFound);
        Assert.False(file.Intact);
    }

    private void EditManifest(Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        var path = Path.Combine(Backup, ClusterBackup.ManifestFileName);
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(manifest);
        File.WriteAllText(path, manifest.ToJsonString());
    }

    [Fact]
    public async Task An_older_manifest_without_namespaces_is_checked_with_the_namespaces_of_its_files()
    {
        await BackUpAsync();
        EditManifest(m => m.Remove("namespaces"));
        var check = BackupVerifier.Verify(Backup);
        Assert.True(check.Intact, string.Join("\n", check.Problems));
        Unlist("backup-kubesphere-devops-worker.yaml");
        Assert.Equal(new[] { "backup-kubesphere-devops-worker.yaml" },
            BackupVerifier.Verify(Backup).Files.Where(f => !f.Intact).Select(f => f.Name));
    }

    [Fact]
    public async Task A_manifest_namespace_that_is_not_a_Kubernetes_name_is_a_problem_and_names_no_file()
    {
        await BackUpAsync();
        EditManifest(m => m["namespaces"] = new System.Text.Json.Nodes.JsonArray("kubesphere-system", "../../etc", 42, "kubesphere-devops-worker"));
        var check = BackupVerifier.Verify(Backup);
        Assert.Equal(new[] { "manifest.json names a namespace that is not a Kubernetes name." }, check.Problems);
        Assert.DoesNotContain(check.Files, f => f.Name.Contains("..", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_kind_the_cluster_did_not_serve_is_not_a_missing_file()
    {
        // the fake cluster serves no iam.kubesphere.io or tenant.kubesphere.io kind: those files were skipped, and named in skippedKinds
        await BackUpAsync();
        var check = BackupVerifier.Verify(Backup);
        Assert.True(check.Intact, string.Join("\n", check.Problems));
        Assert.DoesNotContain(check.Files, f => f.Name == "backup-iam-globalroles.yaml");
        var manifest = Path.Combine(Backup, ClusterBackup.ManifestFileName);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"globalroles.iam.kubesphere.io\"", "\"something-else.example.com\""));
        Assert.Contains(BackupVerifier.Verify(Backup).Problems, p => p.StartsWith("backup-iam-globalroles.yaml: upgrade.sh writes it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_empty_List_file_holds_zero_objects_and_an_item_added_to_it_is_counted()
    {
        await BackUpAsync();
        const string name = "backup-kubesphere-devops-worker.yaml";
        var intact = BackupVerifier.Verify(Backup);
        Assert.True(intact.Intact, string.Join("\n", intact.Problems));
        var empty = intact.Files.Single(f => f.Name == name);
        Assert.Equal(0, empty.Objects);
        Assert.Equal(0, empty.ObjectsFound);

        var file = Path.Combine(Backup, name);
        File.WriteAllText(file, File.ReadAllText(file).Replace("items: []\n", "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: smuggled\n  data:\n    items: [a, b]\n"));
        var damaged = BackupVerifier.Verify(Backup).Files.Single(f => f.Name == name);
        Assert.Equal(1, damaged.ObjectsFound);
        Assert.Contains("1 objects instead of 0", damaged.Problem);
    }

    [Fact]
    public async Task A_cut_file_is_reported_as_not_valid_yaml()
    {
        await BackUpAsync();
        var file = Path.Combine(Backup, SystemFile);
        File.WriteAllText(file, File.ReadAllText(file) + "  bad: [unclosed\n");
        var damaged = Assert.Single(BackupVerifier.Verify(Backup).Files, f => !f.Intact);
        Assert.Contains("not valid YAML", damaged.Problem);
    }

    [UnixFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_Secret_file_opened_to_others_is_reported()
    {
        await BackUpAsync();
        var file = Path.Combine(Backup, SystemFile);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var damaged = Assert.Single(BackupVerifier.Verify(Backup).Files, f => !f.Intact);
        Assert.Contains("owner only", damaged.Problem);
    }

    [Fact]
    public void A_path_that_is_not_a_folder_is_BackupNotFound_and_an_interrupted_one_says_so()
    {
        var e = Assert.Throws<KsUpgradeException>(() => BackupVerifier.Verify(Backup));
        Assert.Equal(ErrorIds.BackupNotFound, e.ErrorId);
        Directory.CreateDirectory(Backup + ClusterBackup.StagingSuffix);
        var partial = Assert.Throws<KsUpgradeException>(() => BackupVerifier.Verify(Backup));
        Assert.Contains("interrupted", partial.Message);
    }

    [Fact]
    public async Task A_manifest_naming_a_file_outside_the_folder_is_not_followed()
    {
        await BackUpAsync();
        var manifest = Path.Combine(Backup, ClusterBackup.ManifestFileName);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"backup-cc.yaml\"", "\"../../etc/passwd\""));
        var check = BackupVerifier.Verify(Backup);
        Assert.Contains(check.Problems, p => p.Contains("not a plain name", StringComparison.Ordinal));
        Assert.DoesNotContain(check.Files, f => f.Name.Contains("passwd", StringComparison.Ordinal));
    }
}
