namespace KsUpgrade.Engine.Checks.PostUpgrade;

/// <summary>
/// Ingresses whose spec.ingressClassName names no IngressClass: no controller serves them. ks-upgrade v4.1.3 gives the
/// cluster gateway's Ingresses the hard-coded class `kubesphere-router-cluster`, which is not the IngressClass the v4
/// cluster gateway creates (named after the gateway). Ingresses without a class are not this check's concern.
/// </summary>
public sealed class IngressClassesExistCheck : ClusterCheck
{
    public override string Id => "IngressClassesExist";
    public override string Title => "Every Ingress names an existing IngressClass";
    public override KsCheckPhase[] Phases => PostUpgradeOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var ingresses = await ctx.Ingresses.ConfigureAwait(false);
        if (!ingresses.IsOk)
            return CannotRead(ingresses);
        var classes = await ctx.IngressClassNames.ConfigureAwait(false);
        if (!classes.IsOk)
            return CannotRead(classes);
        var known = classes.Value.ToHashSet(StringComparer.Ordinal);
        var dangling = ingresses.Value.Where(i => i.ClassName is { Length: > 0 } c && !known.Contains(c))
            .OrderBy(i => i.Namespace, StringComparer.Ordinal).ThenBy(i => i.Name, StringComparer.Ordinal).ToList();
        var classed = ingresses.Value.Count(i => i.ClassName is { Length: > 0 });
        if (dangling.Count == 0)
            return Passed($"All {classed} Ingresses with an ingressClassName name an existing IngressClass ({known.Count} IngressClasses).");
        var byClass = dangling.GroupBy(i => i.ClassName!).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var first = dangling[0];
        var manual = $"Point each at an existing class (IngressClasses: {(known.Count == 0 ? "none" : NameList(known.OrderBy(k => k, StringComparer.Ordinal)))}), e.g. " +
                     $"kubectl -n {first.Namespace} patch ingress {first.Name} --type merge -p '{{\"spec\":{{\"ingressClassName\":\"<class>\"}}}}'. " +
                     "After Update-KsGateway, the cluster gateway's class is named after the gateway (kubesphere-router-kubesphere-system), not kubesphere-router-cluster.";
        // ks-upgrade's hard-coded class (GatewayNames.ClusterGatewayIngressClass): Update-KsGateway -RepointIngressClass repairs exactly those
        var remedy = byClass.Any(g => g.Key == Gateways.GatewayNames.ClusterGatewayIngressClass)
            ? $"For the Ingresses on {Gateways.GatewayNames.ClusterGatewayIngressClass} (ks-upgrade v4.1.3's hard-coded class for the cluster gateway): " +
              $"Update-KsGateway -Name {Gateways.GatewayNames.ClusterGatewayName} -RepointIngressClass points them at the cluster gateway's IngressClass. Otherwise: {manual}"
            : manual;
        return Failed(
            $"{dangling.Count} Ingresses name an IngressClass that does not exist, so no controller serves them: " +
            string.Join("; ", byClass.Select(g => $"'{g.Key}': {NameList(g.Select(i => $"{i.Namespace}/{i.Name}"))}")) + ".",
            remedy,
            dangling.Cast<object>().ToArray());
    }
}
