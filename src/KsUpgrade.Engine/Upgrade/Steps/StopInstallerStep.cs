using KsUpgrade.Engine.Kube;

using KsUpgrade.Engine.Journal;

namespace KsUpgrade.Engine.Upgrade.Steps;

/// <summary>Step 3: scale deployment kubesphere-system/ks-installer to 0 if it exists.</summary>
internal sealed class StopInstallerStep : IUpgradeStep
{
    public const string Deployment = "ks-installer";
    public UpgradeStepId Id => UpgradeStepId.StopInstaller;
    public bool Mutating => true;

    public async Task<StepPlan> PlanAsync(UpgradeContext c, CancellationToken ct)
    {
        var target = $"Deployment {KsNames.KubeSphereSystem}/{Deployment}";
        var deploy = await c.Api.GetAsync(ResourceKind.Deployments, KsNames.KubeSphereSystem, Deployment, ct).ConfigureAwait(false);
        if (deploy is null) return StepPlan.Nothing(target, "deployment ks-installer not found");
        var replicas = deploy.Long("spec", "replicas") ?? 1;
        if (replicas == 0) return StepPlan.Nothing(target, "ks-installer already scaled to 0");
        return new StepPlan(target, new[] { $"Scale {target} from {replicas} to 0 replicas" });
    }

    public async Task<string> RunAsync(UpgradeContext c, StepPlan plan, CancellationToken ct)
    {
        await c.Api.PatchAsync(ResourceKind.Deployments, KsNames.KubeSphereSystem, Deployment, KubePatchType.Merge,
            """{"spec":{"replicas":0}}""", ct).ConfigureAwait(false);
        return "ks-installer scaled to 0";
    }
}
