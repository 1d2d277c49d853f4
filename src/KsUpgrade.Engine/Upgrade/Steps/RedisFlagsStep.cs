using KsUpgrade.Engine.Kube;

using KsUpgrade.Engine.Journal;

namespace KsUpgrade.Engine.Upgrade.Steps;

/// <summary>Step 6: ha.enabled when cc status.redis.status == enabled; redisHA.enabled when cc spec.common.redis.enableHA.</summary>
internal sealed class RedisFlagsStep : IUpgradeStep
{
    public UpgradeStepId Id => UpgradeStepId.RedisFlags;
    public bool Mutating => false;

    public Task<StepPlan> PlanAsync(UpgradeContext c, CancellationToken ct) =>
        Task.FromResult(new StepPlan("ClusterConfiguration kubesphere-system/ks-installer", new[] { "Read the redis flags (read-only)" }));

    public async Task<string> RunAsync(UpgradeContext c, StepPlan plan, CancellationToken ct)
    {
        var cc = await c.Api.GetAsync(ResourceKind.ClusterConfigurations, KsNames.KubeSphereSystem, KsNames.InstallerCcName, ct).ConfigureAwait(false);
        if (cc is null)
        {
            if (c.Facts.ContainsKey(UpgradeContext.FactHaEnabled))
                return $"from the journal: ha.enabled={c.Facts[UpgradeContext.FactHaEnabled]}, redisHA.enabled={c.Facts.GetValueOrDefault(UpgradeContext.FactRedisHaEnabled, "false")}";
            c.Log.Warning("No ks-installer ClusterConfiguration: redis flags left off (ha.enabled=false, redisHA.enabled=false).");
        }
        var (ha, redisHa) = Read(cc);
        c.Facts[UpgradeContext.FactHaEnabled] = ha ? "true" : "false";
        c.Facts[UpgradeContext.FactRedisHaEnabled] = redisHa ? "true" : "false";
        return $"ha.enabled={(ha ? "true" : "false")}, redisHA.enabled={(redisHa ? "true" : "false")}";
    }

    /// <summary>ha.enabled when cc status.redis.status == enabled; redisHA.enabled when cc spec.common.redis.enableHA (none without a cc).</summary>
    internal static (bool Ha, bool RedisHa) Read(System.Text.Json.Nodes.JsonObject? cc) =>
        (string.Equals(cc.Str("status", "redis", "status"), "enabled", StringComparison.Ordinal), cc.Bool("spec", "common", "redis", "enableHA") == true);

    /// <summary>The --set values the flags add to helm upgrade.</summary>
    internal static IEnumerable<HelmSetValue> Sets(UpgradeContext c) => Sets(c.Fact(UpgradeContext.FactHaEnabled), c.Fact(UpgradeContext.FactRedisHaEnabled));

    internal static IEnumerable<HelmSetValue> Sets(bool ha, bool redisHa)
    {
        if (ha) yield return new HelmSetValue("ha.enabled", "true");
        if (redisHa) yield return new HelmSetValue("redisHA.enabled", "true");
    }
}
