using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;
using KsUpgrade.Sandbox.Simulation;

namespace KsUpgrade.Sandbox.KubeSphere;

/// <summary>
/// Simulates the observable behaviour of the ks-upgrade v4.1.3 binary for Jobs running
/// <c>&lt;registry&gt;/kubesphere/ks-upgrade:&lt;tag&gt;</c> (prepare-upgrade, pre-upgrade, post-upgrade, dynamic-upgrade).
/// It reads the job's config-patch.yaml from the mounted ConfigMap, runs the validators (a refusal logs
/// "[Validator] ... skipping" and still succeeds), then the enabled modules by priority. Modelled modules: core,
/// iam, gateway (see their classes); every other enabled module only records a backup marker and, in post-upgrade
/// on the host, an InstallPlan for its extensionRef. No data is migrated.
/// Register it with the sandbox's behaviours: <c>new KsUpgradeJobBehaviour(name =&gt; viewOfCluster(name))</c>.
/// </summary>
public sealed class KsUpgradeJobBehaviour : IWorkloadBehaviour
{
    private readonly Func<string, ISandboxClusterView?>? _otherCluster;

    /// <param name="otherCluster">Optional: resolves another simulated cluster by its Cluster object name, so the host's
    /// gateway post-upgrade can sync the gateway chart ConfigMap to members (and members then require it).</param>
    public KsUpgradeJobBehaviour(Func<string, ISandboxClusterView?>? otherCluster = null) =>
        _otherCluster = otherCluster is null ? null : name =>
        {
            try { return otherCluster(name); }
            catch (ArgumentException) { return null; } // e.g. SandboxHost.Cluster(name) for a cluster not simulated
        };

    /// <summary>
    /// IngressClassName ks-upgrade v4.1.3 gives Ingresses of the cluster gateway (hard-coded in its code; the docs
    /// describe per-gateway class names instead).
    /// </summary>
    public string ClusterGatewayIngressClass { get; init; } = "kubesphere-router-cluster";

    public JobOutcome? OnJobRun(JsonObject job, ISandboxClusterView cluster)
    {
        var invocation = KsUpgradeInvocation.FromJob(job);
        if (invocation is null) return null;

        var ns = job.Namespace() ?? KsUpgradeRun.Ns;
        string? patch = null;
        var early = new List<string>();
        if (invocation.ConfigMapName is { } cmName)
        {
            var cm = cluster.Get("v1", "configmaps", ns, cmName);
            if (cm is null)
                return new JobOutcome(false, new[] { $"configmap \"{cmName}\" not found: volume config cannot be mounted" });
            patch = cm.Str("data", "config-patch.yaml");
        }
        else if (invocation.WantsConfigPatch)
            early.Add("config file /etc/kubesphere/config-patch.yaml not found, using defaults");

        KsUpgradeConfig config;
        try { config = KsUpgradeConfig.FromPatch(patch); }
        catch (Exception e) { return new JobOutcome(false, new[] { $"failed to load config: {e.Message}" }); }

        var run = new KsUpgradeRun(job, cluster, invocation, config, _otherCluster);
        foreach (var line in early) run.Warn("config.go:41", line);
        run.Info("ks-upgrade.go:35", $"ks-upgrade {invocation.Phase} (image {invocation.Image}, sandbox simulation)");
        try
        {
            Execute(run, invocation.Phase);
            return run.Outcome(true);
        }
        catch (KsUpgradeFailure f)
        {
            run.Error("executor.go:201", f.Message);
            return run.Outcome(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A simulation bug or an unexpected object shape must fail the job, not the sandbox.
            run.Error("executor.go:205", $"unexpected error: {e.GetType().Name}: {e.Message}");
            return run.Outcome(false);
        }
    }

    private void Execute(KsUpgradeRun run, string phase)
    {
        switch (phase)
        {
            case "version":
                run.Info("version.go:20", "version: v4.1.3");
                return;
            case "rollback":
                run.Info("executor.go:230", "rollback: nothing to do in the sandbox");
                return;
        }
        if (!KsUpgradeValidators.Run(run, phase)) return;

        var modules = run.Config.EnabledModules();
        run.Info("executor.go:96", $"enabled jobs: {string.Join(", ", modules.Select(m => $"{m.Name}({m.Priority})"))}");
        foreach (var module in modules)
        {
            try
            {
                RunModule(run, phase, module);
            }
            catch (KsUpgradeFailure f) when (phase is "pre-upgrade" or "post-upgrade")
            {
                throw new KsUpgradeFailure($"{module.Name} {phase} failed: {f.Message}. You can disable the {module.Name} upgrade module with " +
                                           $"`helm upgrade -n kubesphere-system ks-core $chart --set=upgrade.config.jobs.{module.Name}.enabled=false --debug --wait`");
            }
        }
        run.Info("executor.go:120", $"{phase} finished");
    }

    private void RunModule(KsUpgradeRun run, string phase, KsUpgradeConfig.Module module)
    {
        switch (phase, module.Name)
        {
            case ("prepare-upgrade", "core"): CoreModule.Prepare(run); break;
            case ("prepare-upgrade", "iam"): IamModule.Prepare(run); break;
            case ("prepare-upgrade", _): break; // other modules implement no prepare phase
            case ("pre-upgrade", "core"): CoreModule.PreUpgrade(run); break;
            case ("pre-upgrade", "iam"): IamModule.PreUpgrade(run); break;
            case ("pre-upgrade", "gateway"): GatewayModule.PreUpgrade(run, module); break;
            case ("post-upgrade", "core"): run.Info("core.go:410", "core post-upgrade done"); break;
            case ("post-upgrade", "iam"): IamModule.PostUpgrade(run); break;
            case ("post-upgrade", "gateway"): GatewayModule.PostUpgrade(run, module); break;
            case ("dynamic-upgrade", "core"): run.Info("core.go:420", "core dynamic-upgrade: nothing to do"); break;
            case ("dynamic-upgrade", "gateway"): GatewayModule.Dynamic(run, module, ClusterGatewayIngressClass); break;
            case ("dynamic-upgrade", _): break;
            case ("pre-upgrade", _):
                if (!run.HasKey($"{module.Name}-backup")) run.Save($"{module.Name}-backup", JsonValue.Create(DateTime.UtcNow.ToString("O")));
                run.Info("executor.go:160", $"{module.Name} pre-upgrade done (backup only in the sandbox)");
                break;
            case ("post-upgrade", _):
                if (run.HasKey($"{module.Name}-done")) { run.Info("executor.go:170", $"{module.Name} upgrade already done, skip"); break; }
                if (run.IsHost && module.ExtensionName is { } ext && module.ExtensionVersion is { } ver)
                    ExtensionInstallPlans.Create(run, ext, ver);
                run.Save($"{module.Name}-done", JsonValue.Create(DateTime.UtcNow.ToString("O")));
                break;
        }
    }
}
