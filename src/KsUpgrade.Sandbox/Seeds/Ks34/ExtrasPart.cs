using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.Seeds.Ks34;

/// <summary>
/// Kinds pre-check.sh counts that the other parts do not produce: a PodDisruptionBudget for coredns, an HPA per
/// (non-scaled) user app and a CronJob in the first user namespace.
/// </summary>
public static class ExtrasPart
{
    public static void Add(SeedContext ctx)
    {
        var pdb = K8s.Object("policy/v1", "PodDisruptionBudget", "coredns", "kube-system");
        pdb["spec"] = new JsonObject { ["minAvailable"] = 1, ["selector"] = new JsonObject { ["matchLabels"] = Json.Strings(("k8s-app", "kube-dns")) } };
        pdb["status"] = new JsonObject { ["currentHealthy"] = 2, ["desiredHealthy"] = 1, ["disruptionsAllowed"] = 1, ["expectedPods"] = 2, ["observedGeneration"] = 1 };
        ctx.Add(pdb);

        foreach (var app in ctx.UserApps.Where(a => !a.Controller.Namespace()!.StartsWith("scale-")))
        {
            var hpa = K8s.Object("autoscaling/v2", "HorizontalPodAutoscaler", app.Controller.Name(), app.Controller.Namespace());
            hpa["spec"] = new JsonObject
            {
                ["scaleTargetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = app.Controller.Name() },
                ["minReplicas"] = 1,
                ["maxReplicas"] = 5,
                ["metrics"] = Json.Array(new JsonObject
                {
                    ["type"] = "Resource",
                    ["resource"] = new JsonObject { ["name"] = "cpu", ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = 80 } },
                }),
            };
            hpa["status"] = new JsonObject { ["currentReplicas"] = 1, ["desiredReplicas"] = 1 };
            ctx.Add(hpa);
        }

        if (ctx.UserNamespaces.Keys.FirstOrDefault() is { } ns)
        {
            var cron = K8s.Object("batch/v1", "CronJob", "nightly-report", ns);
            var container = K8s.Container("report", "busybox:1.36", new[] { "sh", "-c", "echo report" });
            var podSpec = K8s.PodSpec(new[] { container });
            podSpec["restartPolicy"] = "OnFailure";
            cron["spec"] = new JsonObject
            {
                ["schedule"] = "0 2 * * *",
                ["concurrencyPolicy"] = "Forbid",
                ["suspend"] = false,
                ["successfulJobsHistoryLimit"] = 3,
                ["failedJobsHistoryLimit"] = 1,
                ["jobTemplate"] = new JsonObject { ["spec"] = new JsonObject { ["template"] = new JsonObject { ["spec"] = podSpec } } },
            };
            cron["status"] = new JsonObject { ["lastScheduleTime"] = SeedIds.Time(18 * 60), ["lastSuccessfulTime"] = SeedIds.Time(18 * 60 + 1) };
            ctx.Add(cron);
        }
    }
}
