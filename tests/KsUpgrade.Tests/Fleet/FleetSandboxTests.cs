using System.Text.Json.Nodes;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Fleet;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Sandbox.Faults;
using GatewayModule = KsUpgrade.Sandbox.KubeSphere.GatewayModule;
using GatewayExtensionController = KsUpgrade.Sandbox.KubeSphere.GatewayExtensionController;
using HelmReleaseSecret = KsUpgrade.Sandbox.KubeSphere.HelmReleaseSecret;
using KsUpgrade.Tests.Seeds;
using KsUpgrade.Tests.Upgrade.Sandbox;
using KsUpgrade.Tests.Reliability;

namespace KsUpgrade.Tests.Fleet;

/// <summary>
/// Invoke-KsUpgrade's engine on ks34-multicluster (host, member1, member2) with real helm 3 and the fixture chart. What is
/// asserted is read from the clusters (the ks-core release secrets, the host's Cluster objects), not from the fleet's results.
/// </summary>
public sealed class FleetSandboxTests : MulticlusterSandboxTest
{
    private static readonly string[] Members = { "member1", "member2" };

    /// <summary>The fleet of host, member1, member2; with gateways: -IncludeGateways (and the gateway job enabled), and maybe -RepointIngressClass.</summary>
    private async Task<FleetRequest> RequestAsync(bool gateways = false, bool repoint = false, int throttle = 2) => new()
    {
        Host = await ConnectAsync("host"),
        Members = new[] { await ConnectAsync("member1"), await ConnectAsync("member2") },
        IncludeGateways = gateways,
        RepointIngressClass = repoint,
        Parameters = new UpgradeParameters
        {
            ValuesPath = gateways ? GatewayValuesFile() : ValuesFile(),
            Chart = Path.Combine(HelmTool.FixturesDir(), "ks-core"),
            BackupPath = Path.Combine(Dir, "fleet-bk"),
            JobTimeout = TimeSpan.FromSeconds(60),
            Timeout = TimeSpan.FromMinutes(3),
            SettleTimeout = TimeSpan.FromSeconds(30),
        },
        HelmPath = HelmTool.Path,
        ThrottleLimit = throttle,
    };

    /// <summary>The guide's values with ks-upgrade's gateway job enabled too (its InstallPlan and backup make the gateways upgradable).</summary>
    private string GatewayValuesFile()
    {
        var path = Path.Combine(Dir, "ks-core-values-gateway.yaml");
        File.WriteAllText(path, GuideValues.CoreAndIam + "\n      gateway:\n        enabled: true\n        priority: 90\n        extensionRef: {name: gateway, version: 1.0.5}\n");
        return path;
    }

    /// <summary>The cluster's last deployed ks-core release (app version, revision), read from its release secrets.</summary>
    private async Task<HelmRelease> DeployedAsync(string context) =>
        (await HelmReleaseReader.LastDeployedAsync(KubeApi.For(await ConnectAsync(context)), Ns, "ks-core", CancellationToken.None))!;

    /// <summary>Whether the host's Cluster object of the member still has the Schedulable condition (the taint).</summary>
    private bool Tainted(string member) =>
        (Host.Cluster("host").Get("cluster.kubesphere.io/v1alpha1", "clusters", null, member)!["status"]?["conditions"] as JsonArray ?? new JsonArray())
        .Any(c => c?["type"]?.GetValue<string>() == "Schedulable");

    private async Task AssertOnV4Async(params string[] contexts)
    {
        foreach (var c in contexts)
        {
            var release = await DeployedAsync(c);
            Assert.Equal("v4.1.3", release.AppVersion);
            Assert.Equal("deployed", release.Status);
        }
        foreach (var m in contexts.Where(Members.Contains)) Assert.False(Tainted(m), $"{m} is upgraded but still tainted on the host");
    }

    /// <summary>
    /// With -IncludeGateways: the gateways of every cluster too. Without -RepointIngressClass the host's Ingresses that
    /// ks-upgrade's cluster gateway job gave the hard-coded class kubesphere-router-cluster (no IngressClass has it) are
    /// unserved: its post-upgrade checks fail, and the summary says which Ingresses and the remedy. The re-run with
    /// -RepointIngressClass points them at the cluster gateway's IngressClass and the host's post-upgrade checks pass.
    /// </summary>
    [HelmFact]
    public async Task A_failing_member_is_reported_the_others_finish_and_a_rerun_completes_only_that_member()
    {
        Host.FailJob("prepare-upgrade", "member2");
        var request = await RequestAsync(gateways: true);
        var log = new RecordingEngineLog();
        var first = await FleetUpgrade.RunAsync(request, log, CancellationToken.None);

        Assert.False(first.Done);
        await AssertOnV4Async("host", "member1");
        // the host: upgraded, gateways upgraded, but two Ingresses on ks-upgrade's hard-coded class: not done, and the
        // summary names them (as the post-upgrade check read them from the cluster) and the remedy
        const string clusterGw = "kubesphere-router-kubesphere-system";
        string? ClassOf(string ns, string name) => Host.Cluster("host").Get("networking.k8s.io/v1", "ingresses", ns, name)!["spec"]?["ingressClassName"]?.GetValue<string>();
        var hostFirst = first.Clusters.Single(c => c.Name == "host");
        Assert.Equal(KsFleetClusterState.Failed, hostFirst.State);
        Assert.Equal(ErrorIds.PostCheckFailed, hostFirst.ErrorId);
        Assert.Equal(KsCheckStatus.Failed, hostFirst.PostUpgrade!["IngressClassesExist"]!.Status);
        Assert.Equal(new[] { "demo-staging/staging", "shop-frontend/frontend" }, hostFirst.Gateways.Single(g => g.Gateway.Name == clusterGw).UnservedIngresses);
        Assert.Equal("kubesphere-router-cluster", ClassOf("demo-staging", "staging"));
        var left = Assert.Single(hostFirst.Remaining);
        Assert.Contains("demo-staging/staging", left);
        Assert.Contains("shop-frontend/frontend", left);
        Assert.Contains($"Update-KsGateway -Name {clusterGw} -RepointIngressClass", left);
        Assert.Contains("-RepointIngressClass", hostFirst.Remedy);
        Assert.Contains(first.Remaining, r => r.StartsWith("host: ") && r.Contains("demo-staging/staging"));
        var failed = first.Clusters.Single(c => c.Name == "member2");
        Assert.Equal(KsFleetClusterState.Failed, failed.State);
        Assert.Equal(ErrorIds.PrepareJobFailed, failed.ErrorId);
        Assert.Contains("Upgrade", string.Join(",", failed.Remaining));
        Assert.StartsWith("v3.", (await DeployedAsync("member2")).AppVersion);
        Assert.True(Tainted("member2"), "member2 is still on 3.4: the Schedulable condition the host's upgrade set stays until it is upgraded");
        Assert.Equal(KsFleetClusterState.Done, first.Clusters.Single(c => c.Name == "member1").State);
        // records of the parallel work are tagged with their cluster
        Assert.Contains(log.Records, r => r.Message.StartsWith("[member1] "));
        Assert.Contains(log.Records, r => r.Message.StartsWith("[member2] "));
        Assert.Equal(first.Clusters.Length + 1, log.Outputs.Count); // one result per cluster, then the summary
        Assert.IsType<KsFleetResult>(log.Outputs[^1]);

        var hostRevision = (await DeployedAsync("host")).Revision;
        var member1Revision = (await DeployedAsync("member1")).Revision;
        Host.ClearFaults();
        var second = await FleetUpgrade.RunAsync(await RequestAsync(gateways: true, repoint: true), new RecordingEngineLog(), CancellationToken.None);

        Assert.True(second.Done, string.Join("; ", second.Clusters.Select(c => $"{c.Name} {c.State} {c.Error}")));
        // the host's gateways (already upgraded) were visited again for -RepointIngressClass; its post-upgrade checks pass
        var hostSecond = second.Clusters.Single(c => c.Name == "host");
        Assert.True(hostSecond.PostUpgrade!.Passed);
        Assert.Equal(KsCheckStatus.Passed, hostSecond.PostUpgrade["IngressClassesExist"]!.Status);
        var repointed = hostSecond.Gateways.Single(g => g.Gateway.Name == clusterGw);
        Assert.Equal(KsGatewayUpgradeOutcome.AlreadyUpgraded, repointed.Outcome);
        Assert.Equal(new[] { "demo-staging/staging", "shop-frontend/frontend" }, repointed.RepointedIngresses);
        Assert.Equal(clusterGw, ClassOf("demo-staging", "staging"));
        Assert.Equal(clusterGw, ClassOf("shop-frontend", "frontend"));
        Assert.Empty(hostSecond.Remaining);
        await AssertOnV4Async("host", "member1", "member2");
        Assert.Equal(hostRevision, (await DeployedAsync("host")).Revision); // untouched by the re-run
        Assert.Equal(member1Revision, (await DeployedAsync("member1")).Revision);
        Assert.Null(second.Clusters.Single(c => c.Name == "member1").Upgrade); // not even resumed: the fleet journal says done
        Assert.NotNull(second.Clusters.Single(c => c.Name == "member2").Upgrade);
        var journal = (await UpgradeJournal.ReadAsync(KubeApi.For(await ConnectAsync("host")), UpgradeJournal.FleetConfigMapName, CancellationToken.None))!;
        Assert.All(journal.State.Steps, s => Assert.Equal(nameof(KsFleetClusterState.Done), s.Status));
        Assert.Equal(3, journal.State.Steps.Count);
    }

    /// <summary>How many revisions of the cluster's ks-core release are on 4.x (one per upgrade that ran helm).</summary>
    private async Task<int> V4RevisionsAsync(string context) =>
        (await HelmReleaseReader.HistoryAsync(KubeApi.For(await ConnectAsync(context)), Ns, "ks-core", CancellationToken.None))
        .Count(r => r.AppVersion?.StartsWith("v4", StringComparison.Ordinal) == true);

    [HelmFact]
    public async Task A_parent_does_the_host_then_two_child_runs_of_disjoint_members_at_once_finish_the_fleet_in_one_journal()
    {
        // the parent: the pre-flight of every cluster, then the host alone (-HostOnly)
        var parent = await FleetUpgrade.RunAsync(await RequestAsync() with { HostOnly = true }, new RecordingEngineLog(), CancellationToken.None);
        Assert.Equal(KsFleetClusterState.Done, parent.Clusters.Single(c => c.Name == "host").State);
        Assert.All(parent.Clusters.Where(c => c.Name != "host"), c => Assert.NotNull(c.Preflight));
        Assert.All(parent.Clusters.Where(c => c.Name != "host"), c => Assert.Equal(KsFleetClusterState.Pending, c.State));
        await AssertOnV4Async("host");
        Assert.StartsWith("v3.", (await DeployedAsync("member1")).AppVersion);
        Assert.StartsWith("v3.", (await DeployedAsync("member2")).AppVersion);
        var hostRevision = (await DeployedAsync("host")).Revision;

        // the children: one member each, at once, against the same fleet journal
        async Task<FleetRequest> Child(string member) => await RequestAsync() with
        {
            Members = new[] { await ConnectAsync(member) },
            Parameters = (await RequestAsync()).Parameters with { BackupPath = Path.Combine(Dir, "bk-" + member) },
        };
        var child1 = await Child("member1");
        var child2 = await Child("member2");
        var children = await Task.WhenAll(
            Task.Run(() => FleetUpgrade.RunAsync(child1, new RecordingEngineLog(), CancellationToken.None)),
            Task.Run(() => FleetUpgrade.RunAsync(child2, new RecordingEngineLog(), CancellationToken.None)));

        foreach (var c in children) Assert.True(c.Done, string.Join("; ", c.Clusters.Select(x => $"{x.Name} {x.State} {x.Error}")));
        await AssertOnV4Async("host", "member1", "member2");
        Assert.Equal(hostRevision, (await DeployedAsync("host")).Revision); // the host is not upgraded twice
        Assert.All(children, c => Assert.Null(c.Clusters.Single(x => x.Name == "host").Upgrade));
        foreach (var m in Members) Assert.Equal(1, await V4RevisionsAsync(m)); // each member upgraded once
        var journal = (await UpgradeJournal.ReadAsync(KubeApi.For(await ConnectAsync("host")), UpgradeJournal.FleetConfigMapName, CancellationToken.None))!;
        Assert.Equal(new[] { "host", "member1", "member2" }, journal.State.Steps.Select(s => s.Name).OrderBy(n => n, StringComparer.Ordinal));
        Assert.All(journal.State.Steps, s => Assert.Equal(nameof(KsFleetClusterState.Done), s.Status));
        Assert.All(journal.State.Steps, s => Assert.Null(s.Owner)); // every claim released

        // the parent's final pass over the whole fleet: done, nothing upgraded again
        var final = await FleetUpgrade.RunAsync(await RequestAsync(), new RecordingEngineLog(), CancellationToken.None);
        Assert.True(final.Done);
        Assert.All(final.Clusters, c => Assert.Null(c.Upgrade));
        Assert.Equal(hostRevision, (await DeployedAsync("host")).Revision);
    }

    [HelmFact]
    public async Task Two_runs_started_at_once_before_the_host_is_upgraded_upgrade_it_once_the_other_waits_for_it()
    {
        async Task<FleetRequest> Run(string member) => await RequestAsync() with
        {
            Members = new[] { await ConnectAsync(member) },
            Parameters = (await RequestAsync()).Parameters with { BackupPath = Path.Combine(Dir, "bk-" + member) },
            PollInterval = TimeSpan.FromMilliseconds(500),
        };
        var run1 = await Run("member1");
        var run2 = await Run("member2");
        var logs = new[] { new RecordingEngineLog(), new RecordingEngineLog() };
        var results = await Task.WhenAll(
            Task.Run(() => FleetUpgrade.RunAsync(run1, logs[0], CancellationToken.None)),
            Task.Run(() => FleetUpgrade.RunAsync(run2, logs[1], CancellationToken.None)));

        await AssertOnV4Async("host", "member1", "member2");
        Assert.Equal(1, await V4RevisionsAsync("host")); // one run upgraded the host, once
        foreach (var m in Members) Assert.Equal(1, await V4RevisionsAsync(m));
        var upgradedHost = results.Where(r => r.Clusters.Single(c => c.Name == "host").Upgrade is not null).ToList();
        Assert.Single(upgradedHost);
        var waited = Array.IndexOf(results, results.Single(r => r.Clusters.Single(c => c.Name == "host").Upgrade is null));
        Assert.Contains(logs[waited].Records, r => r.Message.StartsWith("Waiting for the host host: another Invoke-KsUpgrade run is upgrading it"));
        // each run upgraded its member; the waiting run's summary also shows the host as the journal has it
        Assert.All(results, r => Assert.Equal(KsFleetClusterState.Done, r.Clusters.Single(c => c.Role == KsClusterRole.Member).State));
        var journal = (await UpgradeJournal.ReadAsync(KubeApi.For(await ConnectAsync("host")), UpgradeJournal.FleetConfigMapName, CancellationToken.None))!;
        Assert.All(journal.State.Steps, s => Assert.Equal(nameof(KsFleetClusterState.Done), s.Status));
        Assert.All(journal.State.Steps, s => Assert.Null(s.Owner));
    }

    [HelmFact]
    public async Task A_failed_preflight_on_one_member_changes_nothing_anywhere()
    {
        var node = Host.Cluster("member2").List("v1", "nodes")[0]["metadata"]!["name"]!.GetValue<string>();
        Host.SetNodeReady("member2", node, ready: false);
        var before = new[] { "host", "member1", "member2" }.ToDictionary(c => c, c => StateNormaliser.WithoutVolatile(Host.StateOf(c)).ToJsonString());
        var log = new RecordingEngineLog();

        var e = await Assert.ThrowsAsync<KsUpgradeException>(async () => await FleetUpgrade.RunAsync(await RequestAsync(), log, CancellationToken.None));

        Assert.Equal(ErrorIds.FleetPreflightFailed, e.ErrorId);
        Assert.Contains("member2", e.Message);
        Assert.Contains("NodesReady", e.Message);
        foreach (var (c, state) in before) Assert.Equal(state, StateNormaliser.WithoutVolatile(Host.StateOf(c)).ToJsonString());
        Assert.Null(Host.Cluster("host").Get("v1", "configmaps", Ns, UpgradeJournal.FleetConfigMapName));
        // one pre-flight report per cluster, on the pipeline before the error
        var results = log.Outputs.OfType<KsFleetClusterResult>().ToList();
        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.NotNull(r.Preflight));
        Assert.Equal(KsFleetClusterState.Failed, results.Single(r => r.Name == "member2").State);
        Assert.Equal(KsCheckStatus.Failed, results.Single(r => r.Name == "member2").Preflight!["NodesReady"]!.Status);
    }

    /// <summary>
    /// The fault matrix's method for the fleet: the run is stopped at one point after another — the host's first change,
    /// member1's first change, member2's prepare Job (members run two at a time, so member1 is then in flight too) — each
    /// stop followed by the same command again, and the last run finishes. The end state is the uninterrupted run's:
    /// every cluster on v4 and untainted, each cluster's journal with its ten steps done once, no worker left behind.
    /// </summary>
    [HelmFact]
    public async Task A_stop_mid_fleet_then_a_rerun_reaches_the_state_of_an_uninterrupted_run()
    {
        var stops = new (string Where, FaultRule Tap, string Cluster, KsFleetClusterState State)[]
        {
            // the host's StopInstaller scales ks-installer: no member has been touched
            ("the host's first change", new FaultRule { Cluster = "host", Verb = "patch", Resource = "deployments", Name = "ks-installer" }, "host", KsFleetClusterState.Upgrading),
            ("member1's first change", new FaultRule { Cluster = "member1", Verb = "patch", Resource = "deployments", Name = "ks-installer" }, "member1", KsFleetClusterState.Upgrading),
            ("member2's prepare Job", new FaultRule { Cluster = "member2", Verb = "create", Resource = "jobs" }, "member2", KsFleetClusterState.Upgrading),
        };
        var revisions = new Dictionary<string, int>();
        foreach (var c in new[] { "host", "member1", "member2" }) revisions[c] = (await DeployedAsync(c)).Revision;
        foreach (var stop in stops)
        {
            using var cts = new CancellationTokenSource();
            var tap = Host.AddFault(stop.Tap);
            void OnMatch(FaultRuleMatch m) { if (m.Rule.Id == tap.Id) cts.Cancel(); }
            Host.Faults.Matched += OnMatch;
            try
            {
                var request = await RequestAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FleetUpgrade.RunAsync(request, new RecordingEngineLog(), cts.Token));
            }
            finally { Host.Faults.Matched -= OnMatch; }
            // no worker left behind: nothing is running once RunAsync has returned
            Assert.Empty(Host.RunningToolJobs);
            var journal = (await UpgradeJournal.ReadAsync(KubeApi.For(await ConnectAsync("host")), UpgradeJournal.FleetConfigMapName, CancellationToken.None))!;
            Assert.True(journal.State.Steps.Any(s => s.Name == stop.Cluster && s.Status == stop.State.ToString()),
                $"stopped at {stop.Where}: the fleet journal says {string.Join(", ", journal.State.Steps.Select(s => $"{s.Name} {s.Status}"))}");
            Host.ClearFaults();
        }

        var rerun = await FleetUpgrade.RunAsync(await RequestAsync(), new RecordingEngineLog(), CancellationToken.None);
        Assert.True(rerun.Done, string.Join("; ", rerun.Clusters.Select(c => $"{c.Name} {c.State} {c.Error}")));
        await AssertOnV4Async("host", "member1", "member2");
        foreach (var c in new[] { "host", "member1", "member2" }) await AssertUpgradedOnceAsync(c, revisions[c]);
    }

    /// <summary>
    /// The cluster's journal has its ten steps done once, and helm's own record its latest ks-core revision the deployed v4
    /// one, nothing pending or failed on top of it (a stop inside a member's helm upgrade leaves a pending revision the
    /// re-run marks failed: one more revision, so the count is not asserted).
    /// </summary>
    private async Task AssertUpgradedOnceAsync(string c, int revisionOn34)
    {
        var steps = (await UpgradeJournal.ReadAsync(KubeApi.For(await ConnectAsync(c)), CancellationToken.None))!.State.Steps;
        Assert.Equal(10, steps.Count);
        Assert.All(steps, s => Assert.Equal(JournalStatus.Succeeded, s.Status));
        var latest = (await HelmReleaseReader.LatestAsync(KubeApi.For(await ConnectAsync(c)), Ns, "ks-core", CancellationToken.None))!;
        var deployed = await DeployedAsync(c);
        Assert.True(latest.Revision == deployed.Revision && deployed.Revision > revisionOn34,
            $"{c}: latest revision {latest.Revision} ({latest.Status}), deployed {deployed.Revision}, the 3.4 one {revisionOn34}");
    }

    /// <summary>The cluster's state in the fleet journal as the host's ConfigMap has it now (null: no journal or no entry).</summary>
    private string? FleetStateOf(string cluster) =>
        Host.Cluster("host").Get("v1", "configmaps", Ns, UpgradeJournal.FleetConfigMapName)?["data"]?["steps"]?.GetValue<string>() is { } steps
            ? (JsonNode.Parse(steps) as JsonArray)?.FirstOrDefault(e => e?["name"]?.GetValue<string>() == cluster)?["status"]?.GetValue<string>()
            : null;

    /// <summary>
    /// A gateway upgraded as the cluster shows it (what Update-KsGateway's verification reads, as the gateway cells of the
    /// fault matrix judge it): a v2alpha1 Gateway, no 3.4 `-ingress` release left, its own release's latest revision deployed
    /// on the v4 chart, its controller Deployment available and an IngressClass of its release.
    /// </summary>
    private void AssertGatewayOnV4(string context, string name)
    {
        const string controls = "kubesphere-controls-system";
        var view = Host.Cluster(context);
        Assert.True(view.Get(GatewayModule.V2, "gateways", controls, name) is not null, $"{context}: no v2alpha1 Gateway {name}");
        var secrets = view.List("v1", "secrets", controls).Where(HelmReleaseSecret.IsReleaseSecret).ToList();
        Assert.DoesNotContain(secrets, x => x["metadata"]?["labels"]?["name"]?.GetValue<string>() == name + "-ingress");
        var own = secrets.Where(x => x["metadata"]?["labels"]?["name"]?.GetValue<string>() == name).Select(HelmReleaseSecret.Decode).OrderBy(r => r.Revision).LastOrDefault();
        Assert.True(own is { Status: "deployed", ChartName: GatewayExtensionController.ChartName }, $"{context}: release {name} is {own?.Status} on {own?.ChartName}");
        var controller = view.Get("apps/v1", "deployments", controls, name);
        Assert.True((controller?["status"]?["availableReplicas"]?.GetValue<int>() ?? 0) >= 1, $"{context}: the controller of {name} is not available");
        Assert.Contains(view.List("networking.k8s.io/v1", "ingressclasses"), ic => ic["metadata"]?["labels"]?["app.kubernetes.io/instance"]?.GetValue<string>() == name);
    }

    /// <summary>
    /// The same method for the fleet with -IncludeGateways -RepointIngressClass, stopped in the stages after the upgrade:
    /// the host's gateway stage (its dynamic-upgrade Job being created, the members' upgrades in flight), the host's
    /// post-upgrade checks (their IngressClass read, once the host's gateways are recorded upgraded), then member1's gateway
    /// stage (its dynamic-upgrade Job being created) while member2 is in flight. Each stop leaves the cluster at the state it
    /// had reached (Upgraded, GatewaysUpgraded; not Failed, not Done) and no worker running; the last run ends with every
    /// cluster Done, on v4 and untainted, every gateway verified on v4 from the cluster, no Ingress on ks-upgrade's
    /// hard-coded class, each journal's ten steps done once and the latest ks-core revision the deployed one. Before that
    /// last run, member1's entry is left claimed by a killed worker (its lease end 10 minutes ahead): the last run takes it
    /// over once it has watched the claim unchanged for a lease.
    /// </summary>
    [HelmFact]
    public async Task A_stop_in_the_gateway_stage_or_the_post_upgrade_checks_then_a_rerun_reaches_the_state_of_an_uninterrupted_run()
    {
        var clusters = new[] { "host", "member1", "member2" };
        var gateways = new Dictionary<string, string[]>();
        foreach (var c in clusters)
            gateways[c] = (await GatewayCatalog.ListAsync(await ConnectAsync(c), null, new RecordingEngineLog(), CancellationToken.None))
                .Where(g => g.Scope != KsGatewayScope.Workspace).Select(g => g.Name).ToArray();
        Assert.NotEmpty(gateways["host"]);
        Assert.NotEmpty(gateways["member1"]);
        var revisions = new Dictionary<string, int>();
        foreach (var c in clusters) revisions[c] = (await DeployedAsync(c)).Revision;
        var stops = new (string Where, FaultRule Tap, Func<bool> When, string Cluster, KsFleetClusterState State)[]
        {
            // Jobs the host creates once the fleet journal has it Upgraded: its gateways' dynamic-upgrade Job
            ("the host's gateway Job", new FaultRule { Cluster = "host", Verb = "create", Resource = "jobs" },
                () => FleetStateOf("host") == nameof(KsFleetClusterState.Upgraded), "host", KsFleetClusterState.Upgraded),
            // the IngressClasses read once the host's gateways are recorded: only its post-upgrade checks read them then
            ("the host's post-upgrade checks", new FaultRule { Cluster = "host", Verb = "list", Resource = "ingressclasses" },
                () => FleetStateOf("host") == nameof(KsFleetClusterState.GatewaysUpgraded), "host", KsFleetClusterState.GatewaysUpgraded),
            ("member1's gateway Job", new FaultRule { Cluster = "member1", Verb = "create", Resource = "jobs" },
                () => FleetStateOf("member1") == nameof(KsFleetClusterState.Upgraded), "member1", KsFleetClusterState.Upgraded),
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var stop in stops)
        {
            using var cts = new CancellationTokenSource();
            var tap = Host.AddFault(stop.Tap);
            string? inFlight = null;
            void OnMatch(FaultRuleMatch m)
            {
                if (m.Rule.Id != tap.Id || cts.IsCancellationRequested || !stop.When()) return;
                inFlight = string.Join(", ", clusters.Select(c => $"{c} {FleetStateOf(c)}"));
                cts.Cancel();
            }
            Host.Faults.Matched += OnMatch;
            try
            {
                var request = await RequestAsync(gateways: true, repoint: true);
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FleetUpgrade.RunAsync(request, new RecordingEngineLog(), cts.Token));
            }
            finally { Host.Faults.Matched -= OnMatch; }
            Assert.Empty(Host.RunningToolJobs);
            var journal = (await UpgradeJournal.ReadAsync(KubeApi.For(await ConnectAsync("host")), UpgradeJournal.FleetConfigMapName, CancellationToken.None))!;
            var said = string.Join(", ", journal.State.Steps.Select(x => $"{x.Name} {x.Status}"));
            Assert.True(journal.State.Step(stop.Cluster)?.Status == stop.State.ToString(), $"stopped at {stop.Where}: the fleet journal says {said}");
            Assert.DoesNotContain(journal.State.Steps, x => x.Status == nameof(KsFleetClusterState.Failed));
            Assert.All(journal.State.Steps, x => Assert.Null(x.Owner)); // the stopped run released its claims
            if (stop.Cluster == "member1") // member2 was in flight when member1's gateway stage was stopped
                Assert.True(journal.State.Step("member2")?.Status is not (nameof(KsFleetClusterState.Done) or nameof(KsFleetClusterState.Pending)),
                    $"member2 was not in flight at {stop.Where}: {inFlight}");
            Console.WriteLine($"stopped at {stop.Where} ({inFlight}); the fleet journal then said {said}");
            Host.ClearFaults();
        }

        // the last stop was a killed worker, not a stop: its claim on member1 stays, renewed 7 times, its lease end written
        // 10 minutes ahead by its clock; the restarted run takes it over once it has seen it unchanged for a lease (3 s here)
        var hostJournal = (await UpgradeJournal.ReadAsync(KubeApi.For(await ConnectAsync("host")), UpgradeJournal.FleetConfigMapName, CancellationToken.None))!;
        await hostJournal.UpdateAsync(st =>
        {
            var e = st.Step("member1")!;
            e.Owner = "dead-worker/1/00000000";
            e.LeaseUntil = DateTimeOffset.UtcNow.AddMinutes(10);
            e.Renewals = 7;
        }, CancellationToken.None);
        var finalLog = new RecordingEngineLog();
        var rerun = await FleetUpgrade.RunAsync(await RequestAsync(gateways: true, repoint: true) with { Lease = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(200) },
            finalLog, CancellationToken.None);
        Assert.True(rerun.Done, string.Join("; ", rerun.Clusters.Select(c => $"{c.Name} {c.State} {c.Error}")));
        Assert.Contains(finalLog.Records, r => r.Message.StartsWith("[member1] Taken over from dead-worker/1/00000000"));
        await AssertOnV4Async(clusters);
        var fleet = (await UpgradeJournal.ReadAsync(KubeApi.For(await ConnectAsync("host")), UpgradeJournal.FleetConfigMapName, CancellationToken.None))!;
        Assert.All(fleet.State.Steps, x => Assert.Equal(nameof(KsFleetClusterState.Done), x.Status));
        foreach (var c in clusters)
        {
            foreach (var g in gateways[c]) AssertGatewayOnV4(c, g);
            var onOldClass = Host.Cluster(c).List("networking.k8s.io/v1", "ingresses")
                .Where(i => i["spec"]?["ingressClassName"]?.GetValue<string>() == "kubesphere-router-cluster")
                .Select(i => $"{i["metadata"]!["namespace"]}/{i["metadata"]!["name"]}").ToList();
            Assert.True(onOldClass.Count == 0, $"{c}: Ingresses left on kubesphere-router-cluster: {string.Join(", ", onOldClass)}");
            await AssertUpgradedOnceAsync(c, revisions[c]);
        }
        Console.WriteLine($"gateway-stage stops and re-run: {clock.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>
    /// What -ThrottleLimit bounds, read from the stage times the fleet reports (KsFleetClusterResult.Stages) of a run with
    /// -ThrottleLimit 1 and -IncludeGateways on ks34-multicluster (host, member1, member2), real helm 3 and the fixture chart:
    /// never two member upgrades at once; a cluster's gateways neither wait for nor hold a member's place (the guide's
    /// gateways come after each cluster's upgrade, clusters in parallel), so the host's gateways are upgraded while member1
    /// upgrades, and member1's while member2 upgrades; never two clusters' gateways at once.
    /// </summary>
    [HelmFact]
    public async Task ThrottleLimit_bounds_member_upgrades_and_gateway_stages_apart_and_gateways_never_hold_a_members_place()
    {
        var request = await RequestAsync(gateways: true, repoint: true, throttle: 1);
        var result = await FleetUpgrade.RunAsync(request, new RecordingEngineLog(), CancellationToken.None);
        Assert.True(result.Done, string.Join("; ", result.Clusters.Select(c => $"{c.Name} {c.State} {c.Error}")));

        KsFleetStage Stage(string cluster, string stage) =>
            Assert.Single(result.Clusters.Single(c => c.Name == cluster).Stages, s => s.Name == stage);
        static bool Overlap(KsFleetStage a, KsFleetStage b) => a.Started < b.Ended && b.Started < a.Ended;
        string Times() => string.Join("; ", result.Clusters.SelectMany(c => c.Stages.Select(s => $"{c.Name} {s.Name} {s.Started:HH:mm:ss.fff}+{s.Duration.TotalSeconds:0.0}s")));

        // every cluster went through its four stages, in order
        foreach (var c in result.Clusters)
            Assert.Equal(new[] { FleetUpgrade.StagePreflight, FleetUpgrade.StageUpgrade, FleetUpgrade.StageGateways, FleetUpgrade.StagePostUpgradeChecks },
                c.Stages.Select(s => s.Name).ToArray());
        // the host's upgrade alone, before any member's
        Assert.True(Stage("host", FleetUpgrade.StageUpgrade).Ended <= Stage("member1", FleetUpgrade.StageUpgrade).Started, Times());
        Assert.True(Stage("host", FleetUpgrade.StageUpgrade).Ended <= Stage("member2", FleetUpgrade.StageUpgrade).Started, Times());
        // one member upgrade at a time
        Assert.False(Overlap(Stage("member1", FleetUpgrade.StageUpgrade), Stage("member2", FleetUpgrade.StageUpgrade)), Times());
        // a member's upgrade never waits for a cluster's gateways: the host's gateways run beside the first member's upgrade,
        // the first member's gateways beside the second member's upgrade
        var (first, second) = Stage("member1", FleetUpgrade.StageUpgrade).Started < Stage("member2", FleetUpgrade.StageUpgrade).Started
            ? ("member1", "member2") : ("member2", "member1");
        Assert.True(Overlap(Stage("host", FleetUpgrade.StageGateways), Stage(first, FleetUpgrade.StageUpgrade)), Times());
        Assert.True(Overlap(Stage(first, FleetUpgrade.StageGateways), Stage(second, FleetUpgrade.StageUpgrade)), Times());
        // one cluster's gateways at a time
        var gateways = result.Clusters.Select(c => Stage(c.Name, FleetUpgrade.StageGateways)).ToList();
        for (var i = 0; i < gateways.Count; i++)
            for (var j = i + 1; j < gateways.Count; j++)
                Assert.False(Overlap(gateways[i], gateways[j]), Times());
        // each cluster's gateways after its own upgrade
        foreach (var c in result.Clusters)
            Assert.True(Stage(c.Name, FleetUpgrade.StageUpgrade).Ended <= Stage(c.Name, FleetUpgrade.StageGateways).Started, Times());
    }
}
