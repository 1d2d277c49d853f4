using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using KsUpgrade.Engine.Kube;

using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Upgrade;

/// <summary>
/// A ks-core revision left <c>pending-upgrade</c> by the helm upgrade of an earlier run of this same upgrade (helm was
/// killed, or the run was stopped, after helm wrote its release record and before it recorded the outcome). helm refuses
/// every later operation on such a release ("another operation (install/upgrade/rollback) is in progress").
/// <para>
/// It is ours only when all of these hold: the journal records that an earlier run started step HelmUpgrade and did not
/// finish it; that run noted the latest revision before it ran helm (fact <see cref="FactRevisionBefore"/>) and the pending
/// revision is exactly the next one; and the pending revision carries the chart version this upgrade installs. Anything
/// else (someone else's helm operation, possibly still running) is left alone and reported as ReleasePending.
/// </para>
/// <para>
/// The recovery marks that revision <c>failed</c> — what helm itself records when an upgrade fails or is interrupted
/// with SIGTERM — so the release's last deployed revision is current again and the next helm upgrade builds on it (its
/// three-way merge adopts what the interrupted attempt created, which carries helm's ownership labels). Nothing is
/// rolled back: the upgrade is simply run again.
/// </para>
/// <para>
/// Undo-KsUpgrade marks the same way a revision left <c>pending-upgrade</c> by the upgrade it undoes, or left
/// <c>pending-rollback</c> by its own earlier run's helm rollback (<paramref name="Status"/>), before it rolls back.
/// </para>
/// </summary>
internal sealed record InterruptedHelmUpgrade(int Revision, string SecretName, string? ChartVersion, string Status = HelmReleaseStatus.PendingUpgrade)
{
    /// <summary>Journal fact: the latest ks-core revision when the HelmUpgrade step planned its helm upgrade.</summary>
    public const string FactRevisionBefore = "helmRevisionBefore";
    /// <summary>Journal fact: the interrupted revision a later run marked failed.</summary>
    public const string FactRecovered = "helmInterruptedRevisionMarkedFailed";

    /// <summary>The interrupted revision of our own earlier run, or null (no pending revision, or not provably ours).</summary>
    public static InterruptedHelmUpgrade? Find(UpgradeContext c, HelmRelease? latest, string? chartVersion)
    {
        if (latest is null || latest.Status != "pending-upgrade") return null;
        var step = c.Previous?.Step(UpgradeStepId.HelmUpgrade);
        if (step is null || Journal.JournalStatus.IsDone(step.Status)) return null;
        if (c.Previous!.Facts.TryGetValue(FactRevisionBefore, out var before) != true
            || !int.TryParse(before, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) || latest.Revision != b + 1)
            return null;
        if (chartVersion is null || latest.ChartVersion != chartVersion) return null;
        return new InterruptedHelmUpgrade(latest.Revision, latest.SecretName, latest.ChartVersion);
    }

    /// <summary>Rewrites the revision's record as failed (status label and the release's info), guarded by its resourceVersion.</summary>
    public Task MarkFailedAsync(UpgradeContext c, CancellationToken ct) => MarkFailedAsync(c.Api, ct);

    /// <summary>Rewrites the revision's record as failed (status label and the release's info), guarded by its resourceVersion.</summary>
    public async Task MarkFailedAsync(IKubeApi api, CancellationToken ct)
    {
        const string ns = KsNames.KubeSphereSystem;
        var secret = await api.GetAsync(ResourceKind.Secrets, ns, SecretName, ct).ConfigureAwait(false)
                     ?? throw new KsUpgradeException(ErrorIds.ReleasePending, KsErrorCategory.ObjectNotFound,
                         $"The interrupted ks-core revision {Revision} (secret {SecretName}) disappeared while it was being marked failed.", SecretName)
                         { Remedy = "Re-run with the same parameters." };
        var data = secret.Str("data", "release")
                   ?? throw new KsUpgradeException(ErrorIds.ReleasePending, KsErrorCategory.InvalidData, $"Secret {SecretName} holds no release record.", SecretName)
                      { Remedy = $"Check the ks-core release history (helm history ks-core -n {ns}); roll back with helm rollback ks-core -n {ns}, then re-run." };
        JsonObject release;
        try { release = Helm.HelmReleaseDecoder.DecodeJson(Convert.FromBase64String(data), SecretName); }
        catch (Exception e) when (e is FormatException or KsUpgradeException)
        {
            throw new KsUpgradeException(ErrorIds.ReleasePending, KsErrorCategory.InvalidData, $"The release record in secret {SecretName} cannot be decoded.", SecretName, e)
                { Remedy = $"Check the ks-core release history (helm history ks-core -n {ns}); roll back with helm rollback ks-core -n {ns}, then re-run." };
        }
        var status = release["info"]?["status"]?.GetValue<string>();
        if (status != Status)
            throw new KsUpgradeException(ErrorIds.ReleasePending, KsErrorCategory.ResourceBusy,
                $"ks-core revision {Revision} changed to '{status}' while it was being marked failed: another helm client is working on the release.", SecretName)
                { Remedy = "Wait for that helm operation to end, then re-run with the same parameters." };
        var info = (JsonObject)release["info"]!;
        info["status"] = "failed";
        info["description"] = $"{(Status == HelmReleaseStatus.PendingRollback ? "Rollback" : "Upgrade")} \"ks-core\" failed: interrupted (helm stopped before it recorded the outcome); marked failed by KsUpgrade";
        ((JsonObject)secret["data"]!)["release"] = HelmReleaseDecoder.EncodeSecretData(release);
        if (secret.At("metadata", "labels") is JsonObject labels) labels["status"] = "failed";
        try
        {
            // guarded by the resourceVersion read above: a helm client that wrote it meanwhile makes this fail
            await api.ReplaceAsync(ResourceKind.Secrets, ns, secret, ct).ConfigureAwait(false);
        }
        catch (KubeConflictException e)
        {
            throw new KsUpgradeException(ErrorIds.ReleasePending, KsErrorCategory.ResourceBusy,
                $"ks-core revision {Revision} was changed by another client while it was being marked failed.", SecretName, e)
                { Remedy = "Wait for any running helm operation on ks-core to end, then re-run with the same parameters." };
        }
    }
}
