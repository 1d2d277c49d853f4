using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Upgrade.Wiring;

/// <summary>The upgrade's helm operations on the helm layer: the real helm, bound to the cluster's kubeconfig and context.</summary>
public sealed class HelmClientUpgradeHelm : IUpgradeHelm
{
    private readonly HelmClient _helm;
    private readonly HelmKubeAccess _kube;

    public HelmClientUpgradeHelm(KsCluster cluster, string? helmPath)
    {
        _helm = HelmClient.Create(helmPath);
        _kube = HelmKubeAccess.FromCluster(cluster);
    }

    public Task<string> TemplateAsync(HelmTemplateCall request, CancellationToken ct) => _helm.TemplateAsync(ToRequest(request), ct);

    public async Task<HelmUpgradeOutcome> UpgradeAsync(HelmUpgradeCall request, Action<string> outputLine, CancellationToken ct)
    {
        var previous = _helm.Output;
        _helm.Output = line => outputLine(line.Text);
        try
        {
            var release = await _helm.UpgradeAsync(ToRequest(request), ErrorIds.HelmUpgradeFailed, ct).ConfigureAwait(false);
            return new HelmUpgradeOutcome(release.Revision, release.Status);
        }
        finally
        {
            _helm.Output = previous;
        }
    }

    public async Task<string> DescribeTemplateAsync(HelmTemplateCall request, CancellationToken ct) =>
        _helm.Describe(await _helm.DescribeTemplateAsync(ToRequest(request), ct).ConfigureAwait(false));

    public string DescribeUpgrade(HelmUpgradeCall request) =>
        _helm.Describe(HelmCommandLine.Upgrade(ToRequest(request)).Concat(_kube.DescribeArguments()).ToList());

    private HelmTemplateRequest ToRequest(HelmTemplateCall c) => new()
    {
        ReleaseName = c.Release,
        Namespace = c.Namespace,
        Chart = c.Chart,
        ShowOnly = c.ShowOnly is null ? Array.Empty<string>() : new[] { c.ShowOnly },
        ValueFiles = c.ValuesFiles,
        Sets = c.Sets.Select(s => new HelmSet(s.Key, s.Value)).ToList(),
        DryRunServer = c.DryRunServer,
        IsUpgrade = true,
        Kube = _kube,
    };

    private HelmUpgradeRequest ToRequest(HelmUpgradeCall c) => new()
    {
        ReleaseName = c.Release,
        Namespace = c.Namespace,
        Chart = c.Chart,
        ValueFiles = c.ValuesFiles,
        Sets = c.Sets.Select(s => new HelmSet(s.Key, s.Value)).ToList(),
        Wait = c.Wait,
        Timeout = c.Timeout,
        Kube = _kube,
    };
}
