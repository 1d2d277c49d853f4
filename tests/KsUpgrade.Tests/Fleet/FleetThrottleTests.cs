using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Fleet;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Tests.Seeds;
using KsUpgrade.Tests.Upgrade.Sandbox;
using KsUpgrade.Tests.Reliability;

namespace KsUpgrade.Tests.Fleet;

/// <summary>
/// What -ThrottleLimit bounds, read from the stage times the fleet reports (KsFleetClusterResult.Stages) of a run with
/// -ThrottleLimit 1 and -IncludeGateways on ks34-multicluster (host, member1, member2), real helm 3 and the fixture chart:
/// never two member upgrades at once; a cluster's gateways neither wait for nor hold a member's place (the guide's
/// gateways come after each cluster's upgrade, clusters in parallel), so the host's gateways are upgraded while member1
/// upgrades, and member1's while member2 upgrades; never two clusters' gateways at once.
/// </summary>
public sealed class FleetThrottleTests : MulticlusterSandboxTest
{
    [HelmFact]
    public async Task ThrottleLimit_bounds_member_upgrades_and_gateway_stages_apart_and_gateways_never_hold_a_members_place()
    {
        var values = Path.Combine(Dir, "ks-core-values-gateway.yaml");
        File.WriteAllText(values, GuideValues.CoreAndIam + "\n      gateway:\n        enabled: true\n        priority: 90\n        extensionRef: {name: gateway, version: 1.0.5}\n");
        var request = new FleetRequest
        {
            Host = await ConnectAsync("host"),
            Members = new[] { await ConnectAsync("member1"), await ConnectAsync("member2") },
            IncludeGateways = true,
            RepointIngressClass = true,
            Parameters = new UpgradeParameters
            {
                ValuesPath = values,
                Chart = Path.Combine(HelmTool.FixturesDir(), "ks-core"),
                BackupPath = Path.Combine(Dir, "fleet-bk"),
                JobTimeout = TimeSpan.FromSeconds(60),
                Timeout = TimeSpan.FromMinutes(3),
                SettleTimeout = TimeSpan.FromSeconds(30),
            },
            HelmPath = HelmTool.Path,
            ThrottleLimit = 1,
        };
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
