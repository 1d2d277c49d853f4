namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>Helm client found and ≥ v3.13.0, helm 4 included (pre-check.sh parity; needed for --dry-run=server).</summary>
public sealed class HelmVersionCheck : ClusterCheck
{
    public static readonly LooseVersion Minimum = new(3, 13, 0);

    public override string Id => "HelmVersion";
    public override string Title => "helm v3.13.0 or later is available";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var helm = await ctx.Helm.ConfigureAwait(false);
        if (!helm.Found)
            return Failed($"helm is not available: {helm.Error?.TrimEnd('.', ' ')}.",
                $"Install helm {Minimum} or later (helm 4 works too) and put it on PATH, or pass -HelmPath.");
        if (!LooseVersion.TryParse(helm.Version, out var v))
            return Failed($"helm at {helm.Path} reports version '{helm.Version}', which cannot be read.",
                "Use an official helm release binary, or pass -HelmPath.", helm);
        if (v < Minimum)
            return Failed($"helm {helm.Version} at {helm.Path} is older than {Minimum}.",
                $"Install helm {Minimum} or later (helm 4 works too) and pass -HelmPath.", helm);
        return Passed($"helm {helm.Version} at {helm.Path}.");
    }
}
