using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.KubeSphere;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Tests.Members;

namespace KsUpgrade.Tests.Gateways;

/// <summary>ks34-host prepared the way the gateway step finds it after the host upgrade (or deliberately not).</summary>
internal static class GatewaySeed
{
    public const string ControlsNs = "kubesphere-controls-system";

    /// <param name="hostUpgraded">ks-core revision 2 on appVersion v4.1.3 (deployed), v1alpha1 Gateways/CRD replaced by the v2alpha1 CRD.</param>
    /// <param name="pvc">PVC kubesphere-system/ks-upgrade present.</param>
    /// <param name="extension">InstallPlan gateway present (what the host upgrade's gateway post-upgrade creates): the
    /// sandbox's gateway extension controller installs the v4 release of each v2alpha1 Gateway.</param>
    /// <param name="controllerSeconds">Delay of that controller after a v2alpha1 Gateway is created.</param>
    public static IReadOnlyList<SeedCluster> Host(bool hostUpgraded = true, bool pvc = true, bool extension = true, double controllerSeconds = 0.3)
    {
        var seeds = SandboxSession.Seed("ks34-host", "host");
        var s0 = seeds[0];
        seeds = new[] { new SeedCluster { Name = s0.Name, KubernetesVersion = s0.KubernetesVersion, Objects = s0.Objects, JobRunSeconds = s0.JobRunSeconds,
            PodReadySeconds = s0.PodReadySeconds, GatewayControllerSeconds = controllerSeconds } };
        var objects = seeds[0].Objects;
        if (pvc)
        {
            var (claim, volume) = K8s.BoundClaim("kubesphere-system", "ks-upgrade", "5Gi", "local", Json.Strings(("app", "ks-upgrade")));
            objects.Add(claim);
            objects.Add(volume);
        }
        if (hostUpgraded)
        {
            var v1 = objects.Single(o => HelmReleaseSecret.IsReleaseSecret(o) && o.Name() == HelmReleaseSecret.SecretName("ks-core", 1));
            objects[objects.IndexOf(v1)] = HelmReleaseSecret.WithStatus(v1, "superseded");
            objects.Add(HelmReleaseSecret.Build("ks-core", "kubesphere-system", 2, "deployed", "ks-core", "1.1.5", "v4.1.3",
                new JsonObject { ["multicluster"] = new JsonObject { ["role"] = "host" } }, ""));
            // ks-upgrade's gateway post-upgrade: v1 Gateways and their CRD gone, v2alpha1 CRD applied. Nginx CRs stay.
            objects.RemoveAll(o => o.Kind() == "Gateway" && o.ApiVersion() == "gateway.kubesphere.io/v1alpha1");
            objects.RemoveAll(o => o.Kind() == "CustomResourceDefinition" && o.Name() == "gateways.gateway.kubesphere.io");
            objects.Add(Crds.Simple("gateway.kubesphere.io", "v2alpha1", "Gateway", "gateways", true, statusSubresource: true));
            objects.Add(Crds.Simple("kubesphere.io", "v1alpha1", "InstallPlan", "installplans", false, statusSubresource: true));
            if (extension)
            {
                var plan = K8s.Object("kubesphere.io/v1alpha1", "InstallPlan", "gateway");
                plan["spec"] = new JsonObject { ["enabled"] = true, ["extension"] = new JsonObject { ["name"] = "gateway", ["version"] = "1.0.5" }, ["upgradeStrategy"] = "Manual" };
                objects.Add(plan);
            }
        }
        return seeds;
    }

    /// <summary>Adds revisions to a release: the existing v1 becomes superseded, then the given statuses as v2, v3, ...</summary>
    public static void AddRevisions(SeedCluster seed, string release, params string[] statuses)
    {
        var objects = seed.Objects;
        var v1 = objects.Single(o => HelmReleaseSecret.IsReleaseSecret(o) && o.Name() == HelmReleaseSecret.SecretName(release, 1));
        var decoded = HelmReleaseSecret.Decode(v1);
        objects[objects.IndexOf(v1)] = HelmReleaseSecret.WithStatus(v1, "superseded");
        for (var i = 0; i < statuses.Length; i++)
            objects.Add(HelmReleaseSecret.Build(release, decoded.Namespace, i + 2, statuses[i], decoded.ChartName, decoded.ChartVersion, decoded.AppVersion,
                decoded.Config, decoded.Manifest));
    }
}
