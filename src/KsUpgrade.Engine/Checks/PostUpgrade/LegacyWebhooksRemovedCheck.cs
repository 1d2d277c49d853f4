namespace KsUpgrade.Engine.Checks.PostUpgrade;

/// <summary>
/// No webhook configuration still sends requests to kubesphere-system/ks-controller-manager unless release ks-core owns
/// it with the current CA: a 3.x configuration left behind (e.g. cluster.kubesphere.io) carries the old CA, and the
/// API server's calls fail with "x509: certificate signed by unknown authority" ("Host cluster is not ready";
/// upgrade-painpoints.md §1.6, kubesphere#6235, #6476).
/// </summary>
public sealed class LegacyWebhooksRemovedCheck : ClusterCheck
{
    public override string Id => "LegacyWebhooksRemoved";
    public override string Title => "No 3.x webhook points at ks-controller-manager";
    public override KsCheckPhase[] Phases => PostUpgradeOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var read = await ctx.Webhooks.ConfigureAwait(false);
        if (!read.IsOk)
            return CannotRead(read);
        var kcm = read.Value.Where(w => w.ServiceNamespace == KsNames.KubeSphereSystem && w.ServiceName == KsNames.ControllerManager).ToList();
        var owned = kcm.Where(w => w.ReleaseName == KsNames.KsCoreRelease).ToList();
        // the current CA: the one most of release ks-core's webhooks carry (helm writes them together); a tie names none
        var byCa = owned.Where(w => w.CaBundleSha256 is not null).GroupBy(w => w.CaBundleSha256!).OrderByDescending(g => g.Count()).ToList();
        var currentCas = byCa.Count == 0 || (byCa.Count > 1 && byCa[0].Count() == byCa[1].Count())
            ? new HashSet<string>(StringComparer.Ordinal)
            : new HashSet<string>(new[] { byCa[0].Key }, StringComparer.Ordinal);
        var leftovers = kcm.Where(w => w.ReleaseName != KsNames.KsCoreRelease).ToList();
        var oldCa = currentCas.Count == 0 ? new List<WebhookRow>() : kcm.Where(w => !leftovers.Contains(w) && w.CaBundleSha256 is { } h && !currentCas.Contains(h)).ToList();
        // a leftover is reported with whether its CA differs from the release's
        var wrong = leftovers.Concat(oldCa).Distinct().ToList();
        if (wrong.Count == 0)
            return Passed(kcm.Count == 0 ? "No webhook configuration points at ks-controller-manager."
                : $"The {kcm.Count} webhooks pointing at ks-controller-manager all belong to release ks-core with its CA.");
        string Describe(WebhookRow w) => $"{w.ConfigurationKind} {w.Configuration}" +
            (w.ReleaseName != KsNames.KsCoreRelease ? " (not from release ks-core" + (currentCas.Count > 0 && w.CaBundleSha256 is { } h && !currentCas.Contains(h) ? ", old CA)" : ")") : " (old CA)");
        var configs = wrong.GroupBy(w => (w.ConfigurationKind, w.Configuration)).Select(g => g.First()).ToList();
        return Failed($"Webhook configurations still point at kubesphere-system/ks-controller-manager: {NameList(configs.Select(Describe))}. The API server's calls to them fail on the new certificate (\"Host cluster is not ready\").",
            "Delete each one the 4.x chart does not render, e.g. kubectl delete " + string.Join(" ", configs.Take(1).Select(c => $"{c.ConfigurationKind.ToLowerInvariant()}s {c.Configuration}")) + "; for one of release ks-core, re-run the upgrade so helm writes the current CA.",
            wrong.Cast<object>().ToArray());
    }
}
