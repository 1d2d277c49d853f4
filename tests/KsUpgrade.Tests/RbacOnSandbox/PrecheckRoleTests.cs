using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Sandbox.Authorization;

namespace KsUpgrade.Tests.RbacOnSandbox;

/// <summary>
/// Test-KsCluster with the least privilege of docs/rbac: the precheck ClusterRole is sufficient (same report as
/// cluster-admin, no request denied), every rule in it is used, and narrower roles give Warnings, never crashes.
/// </summary>
public sealed class PrecheckRoleTests : IClassFixture<PrecheckRoleFixture>
{
    private readonly PrecheckRoleFixture _f;
    public PrecheckRoleTests(PrecheckRoleFixture f) => _f = f;

    /// <summary>Rules only a KubeSphere 4 cluster (post-upgrade phase) exercises: (apiGroup, resource); UpgradeRoleTests covers them.</summary>
    /// <summary>
    /// Also exempt: `get pods/log`, read only when the cc has no status (KsInstallerIdle's fallback; the healthy seed's cc
    /// has one, and the no-installer identity's run uses it: A_narrower_role_... proves it).
    /// </summary>
    private static readonly HashSet<(string, string)> PostUpgradeOnly = new() { ("", "pods/log"), ("", "configmaps/kubesphere-config"), ("networking.k8s.io", "ingressclasses"), ("kubesphere.io", "installplans") };

    internal static string Fingerprint(KsClusterReport r) => string.Join("\n", new[]
        {
            $"phase {r.Phase} role {r.ClusterRole} k8s {r.KubernetesVersion} ks {r.KubeSphereVersion}",
        }
        .Concat(r.Checks.Select(c => $"check {c.Id}: {c.Status} {c.Message}"))
        .Concat(r.Inventory.ObjectCounts.Select(c => $"count {c.Kind}: {c.Count} {c.Note}"))
        .Concat(r.Inventory.Gaps.Select(g => "gap " + g))
        .Concat(r.Inventory.Nodes.Select(n => $"node {n.Name}"))
        .Concat(r.Inventory.KubeSphereClusters.Select(c => $"ks-cluster {c.Name}")));

    [Fact]
    public async Task The_precheck_role_gives_the_same_report_as_cluster_admin_and_nothing_is_denied()
    {
        var admin = await _f.RunAsync(PrecheckRoleFixture.Cluster);
        var (precheck, access) = await _f.RunRecordedAsync(_f.Contexts["precheck"]);
        Assert.Equal(Fingerprint(admin), Fingerprint(precheck));
        // the run really was made as the ServiceAccount, and really read the cluster
        Assert.All(access, a => Assert.Equal("system:serviceaccount:ksupgrade:ksupgrade-precheck", a.Attributes.User.User));
        Assert.True(access.Count > 20, $"only {access.Count} requests were made");
        Assert.Empty(access.Where(a => !a.Allowed).Select(a => Forbidden.Message(a.Attributes, "")));
        // the report has content (the seed is healthy, and a chart conflict is found), not an empty pass
        Assert.Contains(precheck.Checks, c => c.Id == "NodesReady" && c.Status == KsCheckStatus.Passed);
        Assert.Contains(precheck.Checks, c => c.Id == "KsCoreReleaseNotPending" && c.Status == KsCheckStatus.Passed);
        Assert.NotEmpty(precheck.Inventory.Nodes);
        Assert.DoesNotContain(precheck.Checks, c => c.Message.Contains("not permitted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Connect_and_ClusterTest_the_cmdlets_entry_work_with_the_precheck_identity_as_with_the_admin()
    {
        async Task<(KsCluster Cluster, KsClusterReport Report)> RunAsync(string context)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var settings = new KsConnectionSettings { KubeconfigPaths = new[] { _f.Host.KubeconfigPath }, Context = context };
            var cluster = await ClusterConnector.ConnectAsync(settings, null, timeout.Token);
            try
            {
                var report = await ClusterTest.RunAsync(cluster, new ClusterTestOptions { Phase = KsCheckPhase.Preflight }, NullEngineLog.Instance, timeout.Token);
                return (cluster, report);
            }
            finally
            {
                ClusterConnector.Connection(cluster).Dispose();
            }
        }

        var admin = await RunAsync(PrecheckRoleFixture.Cluster);
        var precheck = await RunAsync(_f.Contexts["precheck"]);
        Assert.Equal(KsClusterRole.Host, precheck.Cluster.Role);
        Assert.Equal(admin.Cluster.KubeSphereVersion, precheck.Cluster.KubeSphereVersion);
        Assert.Equal(admin.Cluster.KubernetesVersion, precheck.Cluster.KubernetesVersion);
        Assert.Equal(Fingerprint(admin.Report), Fingerprint(precheck.Report));
    }

    [Fact]
    public async Task Every_rule_of_the_precheck_role_is_used_by_a_run()
    {
        var (_, access) = await _f.RunRecordedAsync(_f.Contexts["precheck"]);
        var role = RbacPolicy.Of(SandboxCluster()).ClusterRoles[PrecheckRoleFixture.RoleName];
        var unused = new List<string>();
        foreach (var rule in role)
            foreach (var group in rule.ApiGroups)
                foreach (var resource in rule.Resources)
                    foreach (var verb in rule.Verbs)
                    {
                        var single = new PolicyRule(new[] { verb }, new[] { group }, new[] { resource }, rule.ResourceNames, Array.Empty<string>());
                        var key = rule.ResourceNames.Count == 0 ? resource : resource + "/" + string.Join(",", rule.ResourceNames);
                        if (PostUpgradeOnly.Contains((group, key))) continue;
                        if (!access.Any(a => a.Allowed && single.Allows(a.Attributes)))
                            unused.Add($"{verb} {key} in group \"{group}\"");
                    }
        Assert.True(unused.Count == 0, "Rules of docs/rbac/ksupgrade-precheck-clusterrole.yaml no request used: " + string.Join("; ", unused));
        Assert.NotEmpty(role);
    }

    [Theory]
    [InlineData("no-secrets", new[] { "KsCoreReleaseNotPending", "KubeSphereServiceAccountToken" })]
    [InlineData("no-installer", new[] { "ClusterConfiguration", "KubeSphereVersion", "ClusterRole", "EtcdEndpoints", "KsInstallerIdle", "UpgradeJobsMatchComponents" })]
    public async Task A_narrower_role_turns_exactly_the_checks_that_need_the_missing_reads_into_Warnings(string identity, string[] affected)
    {
        var admin = await _f.RunAsync(PrecheckRoleFixture.Cluster);
        var (narrow, access) = await _f.RunRecordedAsync(_f.Contexts[identity]);
        Assert.Contains(access, a => !a.Allowed); // it was denied something
        Assert.Equal(admin.Checks.Select(c => c.Id), narrow.Checks.Select(c => c.Id)); // every check returned a result
        var changed = narrow.Checks.Where(c => Fingerprint(c) != Fingerprint(admin.Checks.Single(a => a.Id == c.Id))).ToList();
        Assert.Equal(affected.OrderBy(x => x), changed.Select(c => c.Id).OrderBy(x => x));
        var report = string.Join("\n", changed.Select(c => $"{c.Id}: {c.Status} {c.Message}"));
        foreach (var c in changed)
        {
            var adminResult = admin.Checks.Single(a => a.Id == c.Id);
            if (c.Status == adminResult.Status && c.Status != KsCheckStatus.Warning)
            {
                // a check with a fallback (KsInstallerIdle: the log tail when the cc cannot be read) reaches the same
                // verdict by other evidence, and says which read was denied
                Assert.True(c.Message.Contains("not permitted", StringComparison.Ordinal), report);
                continue;
            }
            if (c.Status == KsCheckStatus.Skipped)
            {
                // a check that depends on another's read defers to it: that one must carry the Warning
                var named = changed.Where(o => o.Id != c.Id && c.Message.Contains(o.Id, StringComparison.Ordinal)).ToList();
                Assert.True(named.Count == 1 && named[0].Status == KsCheckStatus.Warning, report);
                continue;
            }
            Assert.True(c.Status == KsCheckStatus.Warning, report);
            Assert.True(c.Message.Contains("Could not verify", StringComparison.OrdinalIgnoreCase) && c.Message.Contains("not permitted", StringComparison.Ordinal),
                report);
            Assert.False(string.IsNullOrEmpty(c.Remedy));
        }
        Assert.DoesNotContain(narrow.Checks, c => c.Message.StartsWith("The check could not run", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_precheck_role_is_read_only_and_both_documented_roles_are_accepted_by_the_api()
    {
        var role = RbacPolicy.Of(SandboxCluster()).ClusterRoles[PrecheckRoleFixture.RoleName];
        var verbs = role.SelectMany(r => r.Verbs).Distinct().OrderBy(v => v).ToArray();
        Assert.Equal(new[] { "get", "list" }, verbs);
        Assert.DoesNotContain(role, r => r.NonResourceUrls.Count > 0);
        var upgradeFile = Path.Combine(Path.GetDirectoryName(PrecheckRoleFixture.RoleFile)!, "ksupgrade-upgrade-clusterrole.yaml");
        await _f.Kubectl.OkAsync("--context", PrecheckRoleFixture.Cluster, "apply", "--dry-run=server", "-f", upgradeFile);
        // as a non-admin identity, the precheck one may not even read RBAC objects wholesale
        var denied = await _f.Kubectl.RunAsync("--context", _f.Contexts["precheck"], "get", "clusterrolebindings");
        Assert.Contains("Forbidden", denied.StdErr);
    }

    private static string Fingerprint(KsCheckResult c) => $"{c.Status} {c.Message}";

    private KsUpgrade.Sandbox.Storage.SimulatedCluster SandboxCluster()
    {
        // RbacPolicy reads the stored objects; the host view is the SimulatedCluster itself.
        return (KsUpgrade.Sandbox.Storage.SimulatedCluster)_f.Host.Cluster(PrecheckRoleFixture.Cluster);
    }
}
