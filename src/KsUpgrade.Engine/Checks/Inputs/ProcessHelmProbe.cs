using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Checks;

/// <summary>Finds helm (explicit path, $KSUPGRADE_HELM, PATH) and asks its version through <see cref="HelmClient"/>. Never throws: a missing or broken helm is a finding.</summary>
public sealed class ProcessHelmProbe(string? helmPath = null) : IHelmProbe
{
    public async Task<HelmProbeResult> ProbeAsync(CancellationToken ct)
    {
        string path;
        try
        {
            path = HelmLocator.Find(helmPath);
        }
        catch (KsUpgradeException e)
        {
            return HelmProbeResult.NotFound(e.Message, helmPath);
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            var version = await new HelmClient(path).VersionAsync(timeout.Token).ConfigureAwait(false);
            return HelmProbeResult.Of(path, version.Original);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return HelmProbeResult.NotFound($"could not run {path}: {(ex is KsUpgradeException k ? k.Message : ex.GetType().Name)}", path);
        }
    }
}
