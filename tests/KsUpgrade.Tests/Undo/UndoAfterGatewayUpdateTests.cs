using System.Text.Json.Nodes;
using KsUpgrade.Engine;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Engine.Journal;
using KsUpgrade.Engine.Kube;
using KsUpgrade.Tests.Reliability;
using HelmTool = KsUpgrade.Tests.Seeds.HelmTool;

namespace KsUpgrade.Tests.Undo;

/// <summary>
/// Undo-KsUpgrade after Update-KsGateway converted gateways (issue 19): the dynamic-upgrade job uninstalled each 3.4
/// <c>&lt;gw&gt;-ingress</c> release and created a v2alpha1 Gateway, the gateway extension upgraded the gateway's release
/// to the v4 chart and re-classed Ingresses. Undo does not give those back, so it refuses before any change — under
/// -WhatIf too — naming each converted gateway with its evidence, and says what to do instead.
/// </summary>
public sealed class UndoAfterGatewayUpdateTests
{
    /// <summary>What Undo must not have touched: the KubeSphere state, every helm release record, the gateways of both versions, the Ingresses.</summary>
    private static string Observed(UpgradeSandbox sb)
    {
        var state = sb.Host.StateOf("host");
        var objects = (state["objects"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
            .Where(o => o.Str("kind") is "Gateway" or "Ingress" or "IngressClass" or "Nginx"
                        || (o.Str("kind") == "Secret" && o.Str("type") == "helm.sh/release.v1"))
            .Select(o => $"{o.Str("apiVersion")} {o.Str("kind")} {o.Namespace()}/{o.Name()} {o.Str("metadata", "resourceVersion")}")
            .Order(StringComparer.Ordinal);
        return string.Join("\n", KubeSphereState.Of(state).Objects.Concat(objects));
    }

    [KsUpgrade.Tests.Seeds.HelmFact]
    public async Task Undo_after_Update_KsGateway_refuses_before_any_change_naming_the_converted_gateways()
    {
        await using var sb = await UpgradeSandbox.StartAsync();
        var host = await sb.ConnectHostAsync();
        var upgrade = await sb.RunHostUpgradeAsync(host, new RecordingEngineLog(), gatewayJob: true, CancellationToken.None);
        Assert.True(upgrade.Succeeded, upgrade.StepsText + " " + upgrade.Error);
        var gateways = await sb.RunGatewayUpdateAsync(host, new RecordingEngineLog(), CancellationToken.None);
        Assert.True(gateways.Succeeded, gateways.ResultsText + " " + gateways.Error);
        var converted = gateways.Results.Where(r => r.Outcome == KsGatewayUpgradeOutcome.Upgraded).Select(r => r.Gateway.Name).ToList();
        Assert.Equal(new[] { "kubesphere-router-demo-project", "kubesphere-router-kubesphere-system" }, converted.Order(StringComparer.Ordinal));

        var observed = Observed(sb);
        var whatIf = new RecordingEngineLog { Approve = false };
        var planned = await Assert.ThrowsAsync<KsUpgradeException>(() => UndoProof.Undo(sb, host, whatIf, HelmTool.Path).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.GatewaysUpgraded, planned.ErrorId);
        Assert.Empty(whatIf.Asked); // refused at Preflight: nothing was even proposed

        var log = new RecordingEngineLog();
        var refused = await Assert.ThrowsAsync<KsUpgradeException>(() => UndoProof.Undo(sb, host, log, HelmTool.Path).RunAsync(CancellationToken.None));
        Assert.Equal(ErrorIds.GatewaysUpgraded, refused.ErrorId);
        Assert.Equal(KsErrorCategory.InvalidOperation, refused.Category);
        foreach (var name in converted)
        {
            Assert.Contains(name + " (", refused.Message);
            Assert.Contains($"{GatewayNames.IngressReleaseOf(name)} uninstalled", refused.Message);
        }
        Assert.Contains($"{GatewayUpgrade.V2Group}/{GatewayUpgrade.V2Version} Gateway", refused.Message);
        Assert.Contains(GatewayCatalog.V4ChartName, refused.Message);
        Assert.Contains("Nothing was changed", refused.Message);
        Assert.DoesNotContain("kubesphere-router-workspace-shop-ws", refused.Message); // never converted
        Assert.Contains("Test-KsCluster -Phase PostUpgrade", refused.Remedy);
        Assert.Contains("Complete-KsUpgrade", refused.Remedy);
        var result = Assert.Single(log.Outputs.OfType<KsUndoResult>());
        Assert.False(result.Succeeded);
        Assert.Equal(KsUpgradeStepStatus.Failed, result.Steps[0].Status);
        Assert.All(result.Steps.Skip(1), s => Assert.Equal(KsUpgradeStepStatus.Pending, s.Status));

        Assert.Equal(observed, Observed(sb));
        Assert.Null(await KubeApi.For(host, _ => { }).GetAsync(ResourceKind.ConfigMaps, KsNames.KubeSphereSystem, UpgradeJournal.UndoConfigMapName, CancellationToken.None));
        Assert.NotNull(await UpgradeJournal.ReadAsync(KubeApi.For(host, _ => { }), CancellationToken.None));
    }
}
