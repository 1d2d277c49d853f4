namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>Kubernetes server ≥ v1.21.0 (pre-check.sh parity).</summary>
public sealed class KubernetesVersionCheck : ServerVersionCheck
{
    public static readonly LooseVersion Minimum = new(1, 21, 0);

    public override string Id => "KubernetesVersion";
    public override string Title => "Kubernetes is v1.21.0 or later";
    public override KsCheckPhase[] Phases => PreflightOnly;

    protected override KsCheckResult Unreadable(string gitVersion) =>
        Failed($"The server version '{gitVersion}' cannot be read as a version.",
            "Check `kubectl version`; KsUpgrade needs a Kubernetes server version it can compare.");

    protected override KsCheckResult Judge(string gitVersion, LooseVersion v) => v < Minimum
        ? Failed($"Kubernetes {gitVersion} is older than {Minimum}.",
            $"Upgrade Kubernetes to {Minimum} or later (KubeSphere 3.4 supports v1.21-v1.26) before upgrading KubeSphere.",
            gitVersion)
        : Passed($"Kubernetes {gitVersion}.");
}
