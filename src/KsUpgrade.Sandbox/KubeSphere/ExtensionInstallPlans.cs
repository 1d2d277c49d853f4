using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.KubeSphere;

/// <summary>
/// InstallPlans ks-upgrade creates on the host in post-upgrade (kubesphere.io/v1alpha1, cluster-scoped).
/// Simplification: the ExtensionVersion is not required to exist; AlreadyExists is tolerated.
/// </summary>
public static class ExtensionInstallPlans
{
    public static void Create(KsUpgradeRun run, string extension, string version, JsonObject? config = null)
    {
        if (!run.CrdServes("installplans.kubesphere.io", "v1alpha1"))
            throw new KsUpgradeFailure("no matches for kind \"InstallPlan\" in version \"kubesphere.io/v1alpha1\"");
        if (run.Cluster.Get("kubesphere.io/v1alpha1", "installplans", null, extension) is not null)
        {
            run.Info("installplan.go:44", $"installplan {extension} already exists");
            return;
        }
        var plan = K8s.Object("kubesphere.io/v1alpha1", "InstallPlan", extension);
        plan["spec"] = new JsonObject
        {
            ["enabled"] = true,
            ["extension"] = new JsonObject { ["name"] = extension, ["version"] = version },
            ["upgradeStrategy"] = "Manual",
            ["config"] = config is null ? "" : Seeds.Files.YamlJson.ToYaml(config),
        };
        run.Update(plan);
        run.Info("installplan.go:61", $"created installplan {extension} ({extension}-{version})");
    }
}
