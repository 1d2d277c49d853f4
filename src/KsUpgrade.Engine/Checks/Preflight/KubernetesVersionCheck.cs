namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>Kubernetes server ≥ v1.21.0 (pre-check.sh parity).</summary>
public sealed class KubernetesVersionCheck : ClusterCheck
{
    public static readonly LooseVersion Minimum = new(1, 21, 0);

    public override string Id => "KubernetesVersion";
    public override string Title => "Kubernetes is v1.21.0 or later";
    public override KsCheckPhase[] Phases => PreflightOnly;

    public override async Task<KsCheckResult> RunAsync(CheckContext ctx, CancellationToken ct)
    {
        var version = await ctx.ServerVersion.ConfigureAwait(false);
        if (!version.IsOk)
            return CannotRead(version);
        if (!LooseVersion.TryParse(version.Value, out var v))
            return Failed($"The server version '{version.Value}' cannot be read as a version.",
                "Check `kubectl version`; KsUpgrade needs a Kubernetes server version it can compare.");
        if (v < Minimum)
            return Failed($"Kubernetes {version.Value} is older than {Minimum}.",
                $"Upgrade Kubernetes to {Minimum} or later (KubeSphere 3.4 supports v1.21-v1.26) before upgrading KubeSphere.",
                version.Value);
        return Passed($"Kubernetes {version.Value}.");
    }
}
