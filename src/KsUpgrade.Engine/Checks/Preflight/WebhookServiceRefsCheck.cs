namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>
/// No Validating/MutatingWebhookConfiguration calls its webhook by URL (clientConfig.url): ks-upgrade v4.1.3's prepare
/// phase reads every webhook's clientConfig.service and panics on one that has only a URL
/// (upgrade-painpoints.md §1). A webhook by Service passes.
/// </summary>
public sealed class WebhookServiceRefsCheck : ClusterCheck
{
    public override string Id => "WebhookServiceRefs";
    public override string Title => "Every admission webhook is called through a Service";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var webhooks = await ctx.Webhooks.ConfigureAwait(false);
        if (!webhooks.IsOk) return CannotRead(webhooks);
        var byUrl = webhooks.Value.Where(w => w.Url is not null).OrderBy(w => w.Configuration, StringComparer.Ordinal).ThenBy(w => w.Webhook, StringComparer.Ordinal).ToList();
        if (byUrl.Count == 0)
            return Passed($"All {webhooks.Value.Count} webhooks are called through a Service.");
        return Failed($"{byUrl.Count} webhooks are called by URL (clientConfig.url), which ks-upgrade's prepare phase cannot handle (it panics on a webhook without clientConfig.service): {NameList(byUrl.Select(w => w.ToString()))}.",
            "Before the upgrade, back up each named configuration (kubectl get validatingwebhookconfiguration|mutatingwebhookconfiguration <name> -o yaml), delete it, and re-create it after the upgrade; or point it at a Service. Then run Test-KsCluster again.",
            byUrl.Cast<object>().ToArray());
    }
}
