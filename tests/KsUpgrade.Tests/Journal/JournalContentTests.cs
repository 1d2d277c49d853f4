using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Upgrade;

namespace KsUpgrade.Tests.Journal;

/// <summary>Issue 13 item 3: a resume is keyed on what the files hold, not on where they are.</summary>
public sealed class JournalContentTests
{
    private static UpgradeHarness FailedAtHelm(out UpgradeParameters first)
    {
        var h = new UpgradeHarness();
        WriteChart(Path.Combine(h.Dir, "ks-core"), "1.1.5");
        h.Helm.UpgradeFailure = new KsUpgradeException(ErrorIds.HelmUpgradeFailed, KsErrorCategory.FromStdErr, "boom");
        first = h.Parameters();
        Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync()).GetAwaiter().GetResult();
        h.Helm.UpgradeFailure = null;
        return h;
    }

    private static void WriteChart(string dir, string version)
    {
        Directory.CreateDirectory(Path.Combine(dir, "templates"));
        File.WriteAllText(Path.Combine(dir, "Chart.yaml"), $"apiVersion: v2\nname: ks-core\nversion: {version}\nappVersion: v4.1.3\n");
        File.WriteAllText(Path.Combine(dir, "values.yaml"), "global:\n  tag: v4.1.3\n");
        File.WriteAllText(Path.Combine(dir, "templates", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target);
        }
    }

    [Fact]
    public async Task A_values_file_edited_after_a_failed_run_stops_the_resume_naming_the_file()
    {
        using var h = FailedAtHelm(out var first);
        File.AppendAllText(h.ValuesPath, "# edited after the failed run\nglobal:\n  imageRegistry: reg.local\n");
        var mutations = h.Api.Mutations.Count;
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync(first));
        Assert.Equal(ErrorIds.JournalMismatch, e.ErrorId);
        Assert.Contains(h.ValuesPath, e.Message);
        Assert.Contains("changed since the first run", e.Message);
        Assert.Contains("ks-upgrade-journal", e.Remedy);
        Assert.Equal(mutations, h.Api.Mutations.Count);
        Assert.Single(h.Helm.Upgrades);
    }

    [Fact]
    public async Task A_values_file_edited_while_the_run_goes_on_stops_it_before_helm_uses_the_new_content()
    {
        using var h = new UpgradeHarness();
        // the prepare job is rendered with the values as they were; then someone edits the file
        h.Helm.OnTemplate = _ => File.AppendAllText(h.ValuesPath, "global:\n  imageRegistry: reg.local\n");
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync());
        Assert.Equal(ErrorIds.JournalMismatch, e.ErrorId);
        Assert.Contains(h.ValuesPath, e.Message);
        Assert.Contains("changed while the upgrade was running", e.Message);
        Assert.Empty(h.Helm.Upgrades);
        var journal = (await h.JournalAsync())!;
        Assert.Equal(KsUpgrade.Engine.Journal.JournalStatus.Failed, journal.Steps.Last().Status);
    }

    [Fact]
    public async Task The_same_values_and_chart_from_other_folders_resume()
    {
        using var h = FailedAtHelm(out var first);
        var elsewhere = Path.Combine(h.Dir, "elsewhere");
        Directory.CreateDirectory(elsewhere);
        var values = Path.Combine(elsewhere, "my-values.yaml");
        File.Copy(h.ValuesPath, values);
        CopyDirectory(first.Chart, Path.Combine(elsewhere, "chart-copy"));
        var result = await h.RunAsync(first with { ValuesPath = values, Chart = Path.Combine(elsewhere, "chart-copy") });
        Assert.True(result.Succeeded, string.Join("\n", result.Steps.Select(s => $"{s.Name} {s.Status} {s.Detail}")));
        Assert.Equal(KsUpgradeStepStatus.Skipped, result.Steps.Single(s => s.Name == "Backup").Status);
        Assert.Equal(2, h.Helm.Upgrades.Count);
    }

    [Fact]
    public async Task A_chart_folder_edited_after_a_failed_run_stops_the_resume_naming_the_chart()
    {
        using var h = FailedAtHelm(out var first);
        File.WriteAllText(Path.Combine(first.Chart, "templates", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n");
        var e = await Assert.ThrowsAsync<KsUpgradeException>(() => h.RunAsync(first));
        Assert.Equal(ErrorIds.JournalMismatch, e.ErrorId);
        Assert.Contains(first.Chart, e.Message);
        Assert.Contains("changed since the first run", e.Message);
        Assert.Single(h.Helm.Upgrades);
    }
}

public sealed class JournalInputsTests
{
    [Fact]
    public void A_chart_folder_digest_depends_on_file_names_and_bytes_only()
    {
        var root = Path.Combine(Path.GetTempPath(), "ksup-digest-" + Guid.NewGuid().ToString("N"));
        try
        {
            var a = Path.Combine(root, "a");
            var b = Path.Combine(root, "elsewhere", "b");
            foreach (var d in new[] { a, b })
            {
                Directory.CreateDirectory(Path.Combine(d, "templates"));
                File.WriteAllText(Path.Combine(d, "Chart.yaml"), "name: ks-core\nversion: 1.1.5\n");
                File.WriteAllText(Path.Combine(d, "templates", "x.yaml"), "kind: ConfigMap\n");
            }
            File.SetLastWriteTimeUtc(Path.Combine(b, "Chart.yaml"), DateTime.UtcNow.AddDays(-3));
            var digest = KsUpgrade.Engine.Journal.JournalInputs.DirectoryDigest(a);
            Assert.Matches("^sha256-files:[0-9a-f]{64}$", digest);
            Assert.Equal(digest, KsUpgrade.Engine.Journal.JournalInputs.DirectoryDigest(b));

            File.WriteAllText(Path.Combine(b, ".helmignore"), "*.bak\n"); // a hidden file counts: helm reads it
            Assert.NotEqual(digest, KsUpgrade.Engine.Journal.JournalInputs.DirectoryDigest(b));
            File.Delete(Path.Combine(b, ".helmignore"));
            File.Move(Path.Combine(b, "templates", "x.yaml"), Path.Combine(b, "templates", "y.yaml")); // a renamed file counts
            Assert.NotEqual(digest, KsUpgrade.Engine.Journal.JournalInputs.DirectoryDigest(b));
        }
        finally { Directory.Delete(root, true); }
    }

    [Theory]
    [InlineData("ReplicaSet", "ks-apiserver-6d9f8b7c5", "6d9f8b7c5", "Deployment/ks-apiserver")]
    [InlineData("ReplicaSet", "orphan-rs", "6d9f8b7c5", "ReplicaSet/orphan-rs")]
    [InlineData("ReplicaSet", "ks-apiserver-6d9f8b7c5", null, "ReplicaSet/ks-apiserver-6d9f8b7c5")]
    [InlineData("DaemonSet", "calico-node", null, "DaemonSet/calico-node")]
    [InlineData("StatefulSet", "openldap", null, "StatefulSet/openldap")]
    public void A_pods_owner_is_its_workload(string kind, string name, string? hash, string expected) =>
        Assert.Equal(expected, KsUpgrade.Engine.Checks.PodOwner.Of(kind, name, hash));

    [Fact]
    public void A_pod_of_a_deployment_is_owned_by_the_deployment_and_a_bare_pod_by_nobody()
    {
        var pod = new k8s.Models.V1Pod
        {
            Metadata = new k8s.Models.V1ObjectMeta
            {
                Name = "ks-apiserver-6d9f8b7c5-x2x9z",
                Labels = new Dictionary<string, string> { ["pod-template-hash"] = "6d9f8b7c5" },
                OwnerReferences = new List<k8s.Models.V1OwnerReference>
                {
                    new() { Kind = "ReplicaSet", Name = "ks-apiserver-6d9f8b7c5", Controller = true, ApiVersion = "apps/v1", Uid = "u" },
                },
            },
        };
        Assert.Equal("Deployment/ks-apiserver", KsUpgrade.Engine.Checks.PodOwner.Of(pod));
        Assert.Null(KsUpgrade.Engine.Checks.PodOwner.Of(new k8s.Models.V1Pod { Metadata = new k8s.Models.V1ObjectMeta { Name = "bare" } }));
        Assert.Equal("kube-system/Pod/bare", new KsUpgrade.Engine.Checks.PodRow("kube-system", "bare", null, "Running", "CrashLoopBackOff", null).OwnerKey);
    }
}
