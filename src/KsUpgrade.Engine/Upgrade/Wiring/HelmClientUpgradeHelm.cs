using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Upgrade.Wiring;

/// <summary>The upgrade's helm operations over the helm layer's <see cref="HelmClient"/>, bound to one cluster.</summary>
public sealed class HelmClientUpgradeHelm : IUpgradeHelm
{
    private readonly HelmClient _helm;
    private readonly HelmKubeAccess _kube;

    public HelmClientUpgradeHelm(HelmClient helm, HelmKubeAccess kube)
    {
        _helm = helm;
        _kube = kube;
    }

    /// <summary>For a connected cluster; <paramref name="helmPath"/> as -HelmPath (null: PATH and the usual places).</summary>
    public static HelmClientUpgradeHelm For(KsCluster cluster, string? helmPath = null) =>
        new(HelmClient.Create(helmPath), HelmKubeAccess.FromCluster(cluster));

    internal HelmTemplateRequest Map(HelmTemplateCall c) => new()
    {
        ReleaseName = c.Release,
        Namespace = c.Namespace,
        Chart = c.Chart,
        ShowOnly = c.ShowOnly is null ? Array.Empty<string>() : new[] { c.ShowOnly },
        ValueFiles = c.ValuesFiles,
        Sets = c.Sets.Select(s => new HelmSet(s.Key, s.Value)).ToList(),
        DryRunServer = c.DryRunServer,
        IsUpgrade = c.IsUpgrade,
        Kube = _kube,
    };

    public async Task<int> MajorVersionAsync(CancellationToken ct) => (await _helm.VersionAsync(ct).ConfigureAwait(false)).Major;

    public async Task<string> VersionTextAsync(CancellationToken ct) => (await _helm.VersionAsync(ct).ConfigureAwait(false)).Original;

    internal HelmUpgradeRequest Map(HelmUpgradeCall c) => new()
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

    public Task<string> TemplateAsync(HelmTemplateCall request, CancellationToken ct) => _helm.TemplateAsync(Map(request), ct);

    public async Task<HelmUpgradeOutcome> UpgradeAsync(HelmUpgradeCall request, Action<string> outputLine, CancellationToken ct)
    {
        var previous = _helm.Output;
        _helm.Output = line => { previous?.Invoke(line); outputLine(line.Text); };
        try
        {
            var release = await _helm.UpgradeAsync(Map(request), ErrorIds.HelmUpgradeFailed, ct).ConfigureAwait(false);
            return new HelmUpgradeOutcome(release.Revision, release.Status);
        }
        finally
        {
            _helm.Output = previous;
        }
    }

    public async Task<string> DescribeTemplateAsync(HelmTemplateCall request, CancellationToken ct) =>
        HelmCommandLine.Format(_helm.HelmPath, await _helm.DescribeTemplateAsync(Map(request), ct).ConfigureAwait(false));

    public Task RollbackAsync(HelmRollbackCall request, CancellationToken ct) =>
        _helm.RollbackAsync(request.Release, request.Namespace, request.Revision, _kube, wait: false, request.Timeout, ct);

    public string DescribeRollback(HelmRollbackCall request) =>
        HelmCommandLine.Format(_helm.HelmPath, HelmCommandLine.Rollback(request.Release, request.Namespace, request.Revision, false, request.Timeout, _kube));

    public string DescribeUpgrade(HelmUpgradeCall request) =>
        HelmCommandLine.Format(_helm.HelmPath, HelmCommandLine.Upgrade(Map(request)));
}
