using System.Text.Json.Nodes;
using KsUpgrade.Sandbox.Seeds.Building;

namespace KsUpgrade.Sandbox.KubeSphere;

/// <summary>
/// ks-upgrade's validators. A validator that refuses without error makes the phase log
/// "[Validator] ... skipping because of failed validators" and exit 0 (the Job still reaches Complete).
/// </summary>
public static class KsUpgradeValidators
{
    /// <summary>Runs the validators of a phase; false = skip the phase (exit 0). Throws on validator errors.</summary>
    public static bool Run(KsUpgradeRun run, string phase)
    {
        if (phase == "dynamic-upgrade") return true; // no validators registered for dynamic
        if (run.Config.KsVersionValidator && !KsVersion(run, phase)) return false;
        if (phase == "post-upgrade" && run.Config.MuseumValidator) ExtensionsMuseum(run);
        return true;
    }

    /// <summary>ksVersion: newest deployed ks-core revision must have appVersion v3.*; no release history passes.</summary>
    private static bool KsVersion(KsUpgradeRun run, string phase)
    {
        var history = run.ReleaseHistory(KsUpgradeRun.Ns, "ks-core");
        var deployed = history.FirstOrDefault(h => h.Release.Status == "deployed");
        if (deployed.Release is null)
        {
            run.Info("validator.go:61", "[Validator] ksVersion: no deployed ks-core release found, continue");
            return true;
        }
        var app = deployed.Release.AppVersion;
        if (app.StartsWith("v3.", StringComparison.Ordinal))
        {
            run.Info("validator.go:70", $"[Validator] ksVersion: ks-core release revision {deployed.Release.Revision} appVersion {app}, continue");
            return true;
        }
        run.Info("validator.go:74", $"[Validator] ksVersion: ks-core appVersion {app} is not v3.x");
        run.Info("executor.go:143", $"[Validator] Current phase {phase} is skipping because of failed validators");
        return false;
    }

    /// <summary>
    /// extensionsMuseum (post only): Repository kubesphere.io/v1alpha1 must exist and have synced.
    /// Simplification: no controller syncs the museum in the sandbox, so an existing Repository without
    /// status.lastSyncTime is marked synced by this run (standing in for ks-controller-manager).
    /// </summary>
    private static void ExtensionsMuseum(KsUpgradeRun run)
    {
        var name = run.Config.MuseumName;
        if (!run.CrdServes("repositories.kubesphere.io", "v1alpha1"))
            throw new KsUpgradeFailure($"[Validator] extensionsMuseum: no matches for kind \"Repository\" in version \"kubesphere.io/v1alpha1\"");
        var repo = run.Cluster.Get("kubesphere.io/v1alpha1", "repositories", null, name)
                   ?? throw new KsUpgradeFailure($"[Validator] extensionsMuseum: repositories.kubesphere.io \"{name}\" not found");
        if (repo.Str("status", "lastSyncTime") is null)
        {
            repo.Child("status")["lastSyncTime"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
            run.Cluster.Upsert(repo);
        }
        run.Info("validator.go:112", $"[Validator] extensionsMuseum: repository {name} synced at {repo.Str("status", "lastSyncTime")}, continue");
    }
}
