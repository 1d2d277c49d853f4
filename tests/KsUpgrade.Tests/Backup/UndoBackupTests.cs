using KsUpgrade.Engine.Helm;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Backup;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Upgrade.Fakes;

namespace KsUpgrade.Tests.Backup;

/// <summary>What Backup-KsCluster writes for Undo-KsUpgrade, and Test-KsBackup's checks of it.</summary>
public sealed class UndoBackupTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "ksbku-" + Guid.NewGuid().ToString("N"));
    private string Backup => Path.Combine(_dir, "backup");
    internal static readonly ResourceKind Validating = new("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false);
    internal static readonly ResourceKind Mutating = new("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private static JsonObject Crd(string group, string plural) => FakeKubeApi.Json(
        $$$"""{"spec":{"group":"{{{group}}}","names":{"plural":"{{{plural}}}"},"scope":"Cluster","versions":[{"name":"v1alpha2","served":true,"storage":true}]}}""");

    private static JsonObject Webhook(string serviceNamespace) => FakeKubeApi.Json(
        "{\"webhooks\":[{\"name\":\"w.example.io\",\"clientConfig\":{\"service\":{\"namespace\":\"" + serviceNamespace + "\",\"name\":\"svc\"}}}]}");

    private async Task<KsBackupResult> BackUpAsync()
    {
        var api = new FakeKubeApi(ResourceKind.ClusterConfigurations, Validating, Mutating);
        api.Add(ResourceKind.Namespaces, null, "kubesphere-system", new Dictionary<string, string> { ["kubesphere.io/workspace"] = "system-workspace" });
        api.Add(ResourceKind.ClusterConfigurations, "kubesphere-system", "ks-installer", new Dictionary<string, string> { ["version"] = "v3.4.1" });
        api.Add(ResourceKind.CustomResourceDefinitions, null, "globalroles.iam.kubesphere.io", extra: Crd("iam.kubesphere.io", "globalroles"));
        api.Add(ResourceKind.CustomResourceDefinitions, null, "workspaces.tenant.kubesphere.io", extra: Crd("tenant.kubesphere.io", "workspaces"));
        api.Add(ResourceKind.CustomResourceDefinitions, null, "federatedusers.types.kubefed.io", extra: Crd("types.kubefed.io", "federatedusers"));
        api.Add(ResourceKind.CustomResourceDefinitions, null, "certificates.cert-manager.io", extra: Crd("cert-manager.io", "certificates"));
        api.Add(Validating, null, "users.iam.kubesphere.io", extra: Webhook("kubesphere-system"));
        api.Add(Validating, null, "other-vendor", extra: Webhook("vendor-system"));
        api.Add(Mutating, null, "ks-events-admission-mutate", extra: Webhook("kubesphere-system"));
        api.Add(ResourceKind.Services, "kubesphere-system", "redis");
        api.Add(ResourceKind.Services, "default", "kubernetes");
        api.Add(ResourceKind.PersistentVolumeClaims, "kubesphere-system", "redis-pvc", extra: FakeKubeApi.Json("""{"spec":{"volumeName":"pv-1"}}"""));
        api.Add(ResourceKind.ServiceAccounts, "kubesphere-system", "ks-installer");
        foreach (var (rev, status, chart, app) in new[] { (1, "superseded", "0.1.0", "v3.4.0"), (2, "deployed", "0.1.1", "v3.4.1") })
        {
            var release = FakeKubeApi.Json($$$"""{"name":"ks-core","namespace":"kubesphere-system","version":{{{rev}}},"info":{"status":"{{{status}}}"},"chart":{"metadata":{"name":"ks-core","version":"{{{chart}}}","appVersion":"{{{app}}}"}},"manifest":"---\nkind: ConfigMap\n","config":{"secret":"value-marker"}}""");
            api.Add(ResourceKind.Secrets, "kubesphere-system", $"sh.helm.release.v1.ks-core.v{rev}",
                new Dictionary<string, string> { ["owner"] = "helm", ["name"] = "ks-core", ["version"] = rev.ToString(), ["status"] = status },
                FakeKubeApi.Json($$$"""{"type":"helm.sh/release.v1","data":{"release":"{{{HelmReleaseDecoder.EncodeSecretData(release)}}}"}}"""));
        }
        Directory.CreateDirectory(_dir);
        return await new ClusterBackup(api, new RecordingEngineLog()).RunAsync(new BackupOptions(Backup), CancellationToken.None);
    }

    private static List<JsonObject> Objects(string file) => YamlJson.ReadDocuments(File.ReadAllText(file)).Where(d => d.Str("kind") != "List").ToList();

    [Fact]
    public async Task Backs_up_the_KubeSphere_CRDs_webhooks_kubesphere_system_objects_and_the_release_history_reference()
    {
        var result = await BackUpAsync();

        var crds = Objects(Path.Combine(Backup, "undo-crds.yaml")).Select(o => o.Name()).Order().ToList();
        Assert.Equal(new[] { "federatedusers.types.kubefed.io", "globalroles.iam.kubesphere.io", "workspaces.tenant.kubesphere.io" }, crds);
        var webhooks = Objects(Path.Combine(Backup, "undo-webhooks.yaml")).Select(o => $"{o.Str("kind")}/{o.Name()}").Order().ToList();
        Assert.Equal(new[] { "MutatingWebhookConfiguration/ks-events-admission-mutate", "ValidatingWebhookConfiguration/users.iam.kubesphere.io" }, webhooks);
        var system = Objects(Path.Combine(Backup, "undo-kubesphere-system.yaml")).Select(o => $"{o.Str("kind")}/{o.Namespace()}/{o.Name()}").Order().ToList();
        Assert.Equal(new[] { "PersistentVolumeClaim/kubesphere-system/redis-pvc", "Service/kubesphere-system/redis", "ServiceAccount/kubesphere-system/ks-installer" }, system);
        Assert.Equal("pv-1", Objects(Path.Combine(Backup, "undo-kubesphere-system.yaml")).Single(o => o.Name() == "redis-pvc").Str("spec", "volumeName"));

        var releasesText = File.ReadAllText(Path.Combine(Backup, BackupPlan.HelmReleasesFile));
        var releases = Objects(Path.Combine(Backup, BackupPlan.HelmReleasesFile));
        Assert.Equal(new[] { "1 superseded 0.1.0 v3.4.0 sh.helm.release.v1.ks-core.v1", "2 deployed 0.1.1 v3.4.1 sh.helm.release.v1.ks-core.v2" },
            releases.Select(r => $"{r.Long("revision")} {r.Str("status")} {r.Str("chartVersion")} {r.Str("appVersion")} {r.Str("secret")}"));
        Assert.DoesNotContain("value-marker", releasesText); // a reference, not the release (its values may hold secrets)

        Assert.Contains(result.Files, f => f.Name == BackupPlan.HelmReleasesFile && f.Objects == 2);
        var check = BackupVerifier.Verify(Backup);
        Assert.True(check.Intact, string.Join("\n", check.Problems));
        Assert.Equal(3, check.Files.Single(f => f.Name == "undo-crds.yaml").ObjectsFound);
    }

    [Theory]
    [InlineData("undo-crds.yaml")]
    [InlineData("undo-webhooks.yaml")]
    [InlineData(BackupPlan.HelmReleasesFile)]
    public async Task Test_KsBackup_names_a_missing_Undo_file(string file)
    {
        await BackUpAsync();
        var manifestPath = Path.Combine(Backup, ClusterBackup.ManifestFileName);
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        var files = manifest["files"]!.AsArray();
        files.Remove(files.First(f => f!["name"]!.GetValue<string>() == file));
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        File.Delete(Path.Combine(Backup, file));

        var check = BackupVerifier.Verify(Backup);
        Assert.False(check.Intact);
        Assert.Contains(check.Problems, p => p.Contains(file, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Test_KsBackup_finds_a_changed_CRD_definition_by_its_hash()
    {
        await BackUpAsync();
        var path = Path.Combine(Backup, "undo-crds.yaml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("v1alpha2", "v1beta1"));
        var check = BackupVerifier.Verify(Backup);
        Assert.False(check.Intact);
        Assert.Contains(check.Problems, p => p.Contains("undo-crds.yaml", StringComparison.Ordinal));
    }
}
