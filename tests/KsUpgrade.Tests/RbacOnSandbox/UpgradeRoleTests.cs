using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Reliability;
using KsUpgrade.Tests.Sandbox;
using KsUpgrade.Tests.Upgrade.Fakes;
using KsUpgrade.Tests.Upgrade.Sandbox;
using HelmTool = KsUpgrade.Tests.Seeds.HelmTool;

namespace KsUpgrade.Tests.RbacOnSandbox;

/// <summary>
/// The upgrade with the documented roles: bound to docs/rbac/ksupgrade-upgrade-clusterrole.yaml a ServiceAccount runs
/// the whole host upgrade (real helm) to success; bound only to the read-only precheck role it stops with
/// KsUpgrade.Forbidden before changing anything; bound to a role with every ordinary verb but short of cluster-admin,
/// RBAC escalation prevention stops helm halfway through.
/// </summary>
public sealed class UpgradeRoleTests
{
    private static string DocsFile(string name) => Path.Combine(Path.GetDirectoryName(PrecheckRoleFixture.RoleFile)!, name);

    private static async Task<string> BindAsync(UpgradeSandbox sandbox, KubectlRunner kubectl, string role, string identity)
    {
        await kubectl.OkAsync("--context", "host", "-n", "ksupgrade", "create", "serviceaccount", role);
        await kubectl.OkWithInputAsync(PrecheckRoleFixture.ClusterRoleBindingYaml(role, "ksupgrade"), "--context", "host", "apply", "-f", "-");
        return sandbox.Host.MintServiceAccountIdentity(identity, "ksupgrade", role).Token;
    }

    private static async Task<RunOutcome> UpgradeAsAsync(UpgradeSandbox sandbox, string context, RecordingEngineLog log)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        KsCluster cluster;
        try
        {
            cluster = await ClusterConnector.ConnectAsync(
                new KsConnectionSettings { KubeconfigPaths = new[] { sandbox.Host.KubeconfigPath }, Context = context }, null, timeout.Token);
        }
        catch (Exception e)
        {
            return new RunOutcome(null, e);
        }
        using var connection = ClusterConnector.Connection(cluster);
        var upgrade = new ClusterUpgrade(KubeApi.For(cluster, log.Verbose), sandbox.Parameters(),
            new RealHelm(HelmTool.Path!, sandbox.Host.KubeconfigPath, context), new FakeChecks(), log) { PollInterval = TimeSpan.FromMilliseconds(100) };
        try
        {
            return new RunOutcome(await upgrade.RunAsync(timeout.Token), null);
        }
        catch (Exception e)
        {
            return new RunOutcome(log.Outputs.OfType<KsUpgradeResult>().LastOrDefault(), e);
        }
    }

    [Fact]
    public async Task The_upgrade_role_runs_the_host_upgrade_and_the_precheck_role_stops_it_before_any_change()
    {
        Assert.NotNull(HelmTool.Path);
        await using var sandbox = await UpgradeSandbox.StartAsync();
        var kubectl = new KubectlRunner(sandbox.Host.KubeconfigPath);
        await kubectl.OkAsync("--context", "host", "apply", "-f", DocsFile("ksupgrade-precheck-clusterrole.yaml"), "-f", DocsFile("ksupgrade-upgrade-clusterrole.yaml"));
        await kubectl.OkAsync("--context", "host", "create", "namespace", "ksupgrade");
        var precheckToken = await BindAsync(sandbox, kubectl, "ksupgrade-precheck", "precheck");
        await BindAsync(sandbox, kubectl, "ksupgrade-upgrade", "upgrader");

        // read-only: refused at the first write, nothing changed (state compared whole)
        var before = StateNormaliser.WithoutVolatile(sandbox.Host.StateOf("host")).ToJsonString();
        var log = new RecordingEngineLog();
        var readOnly = await UpgradeAsAsync(sandbox, "host-precheck", log);
        Assert.False(readOnly.Succeeded);
        var error = Assert.IsType<KsUpgradeException>(readOnly.Error);
        Assert.True(error.ErrorId == ErrorIds.Forbidden, $"{error.ErrorId}: {error.Message}");
        Assert.Contains("system:serviceaccount:ksupgrade:ksupgrade-precheck", error.Message + error.InnerException?.Message);
        Assert.DoesNotContain(precheckToken, error.ToString());
        Assert.DoesNotContain(precheckToken, string.Join("\n", log.Records.Select(r => r.Message)));
        Assert.Equal(before, StateNormaliser.WithoutVolatile(sandbox.Host.StateOf("host")).ToJsonString());

        // the upgrade role: the whole upgrade, to success
        var upgraded = await UpgradeAsAsync(sandbox, "host-upgrader", new RecordingEngineLog());
        Assert.True(upgraded.Succeeded, $"{upgraded.Error?.GetType().Name}: {upgraded.Error?.Message}\n{upgraded.StepsText}");

        // after the upgrade, the post-upgrade checks with the read-only role: the admin's report, nothing denied,
        // and the one read only this phase makes (ConfigMap kubesphere-config) is among them
        var admin = await PostUpgradeReportAsync(sandbox, "host");
        sandbox.Host.Access.Enabled = true;
        var precheck = await PostUpgradeReportAsync(sandbox, "host-precheck");
        sandbox.Host.Access.Enabled = false;
        var access = sandbox.Host.Access.Snapshot();
        Assert.Equal(KsCheckPhase.PostUpgrade, precheck.Phase);
        Assert.Equal(PrecheckRoleTests.Fingerprint(admin), PrecheckRoleTests.Fingerprint(precheck));
        Assert.Empty(access.Where(a => !a.Allowed).Select(a => KsUpgrade.Sandbox.Authorization.Forbidden.Message(a.Attributes, "")));
        Assert.Contains(access, a => a.Attributes is { Verb: "get", Resource: "configmaps", Name: "kubesphere-config" });
    }

    /// <summary>Every ordinary verb on everything, but not "*" and not escalate, bind or impersonate.</summary>
    private const string AlmostAdmin = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: ksupgrade-almost-admin
        rules:
        - apiGroups: ["*"]
          resources: ["*"]
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]
        - nonResourceURLs: ["*"]
          verbs: ["get"]
        """;

    [Fact]
    public async Task A_role_short_of_cluster_admin_is_stopped_by_escalation_prevention_at_the_helm_upgrade()
    {
        Assert.NotNull(HelmTool.Path);
        await using var sandbox = await UpgradeSandbox.StartAsync();
        var kubectl = new KubectlRunner(sandbox.Host.KubeconfigPath);
        await kubectl.OkWithInputAsync(AlmostAdmin, "--context", "host", "apply", "-f", "-");
        await kubectl.OkAsync("--context", "host", "create", "namespace", "ksupgrade");
        await BindAsync(sandbox, kubectl, "ksupgrade-almost-admin", "almost");

        var outcome = await UpgradeAsAsync(sandbox, "host-almost", new RecordingEngineLog());
        Assert.False(outcome.Succeeded);
        var error = Assert.IsType<KsUpgradeException>(outcome.Error);
        // the docs' point: such a role is not safer, it breaks the upgrade halfway, after the cluster was changed
        Assert.True(error.ErrorId == ErrorIds.HelmUpgradeFailed && error.Message.Contains("is attempting to grant RBAC permissions not currently held"),
            $"{error.ErrorId}: {error.Message}\n{outcome.StepsText}");
        Assert.Contains("StopInstaller Succeeded", outcome.StepsText);
        Assert.Contains("HelmUpgrade Failed", outcome.StepsText);
    }

    private static async Task<KsClusterReport> PostUpgradeReportAsync(UpgradeSandbox sandbox, string context)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var cluster = await ClusterConnector.ConnectAsync(
            new KsConnectionSettings { KubeconfigPaths = new[] { sandbox.Host.KubeconfigPath }, Context = context }, null, timeout.Token);
        using var connection = ClusterConnector.Connection(cluster);
        return await KsUpgrade.Engine.Checks.ClusterTest.RunAsync(cluster, new KsUpgrade.Engine.Checks.ClusterTestOptions(), NullEngineLog.Instance, timeout.Token);
    }
}
