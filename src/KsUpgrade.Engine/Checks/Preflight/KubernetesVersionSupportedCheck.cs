namespace KsUpgrade.Engine.Checks.Preflight;

/// <summary>Kubernetes within the range KubeSphere 4.1.3 is tested on (Warning outside it).</summary>
public sealed class KubernetesVersionSupportedCheck : ServerVersionCheck
{
    // KubeSphere v4.1 docs, installation requirements ("环境要求" / Kubernetes 版本要求): "KubeSphere v4.1.3 经测试支持的
    // Kubernetes 版本为 v1.21~v1.30，未经测试的版本不做兼容保证" (tested on v1.21-v1.30; no guarantee for others).
    // Source: github.com/kubesphere/website content/zh/docs/v4.1/03-installation-and-upgrade/01-preparations/01-supported-k8s.adoc
    // (commit bd36cdb). The same page at 065fa56 listed 4.1.0 as v1.21-v1.28 and the Gateway extension as v1.22-v1.25.
    public static readonly (int Minor, string Text) Lowest = (21, "v1.21");
    public static readonly (int Minor, string Text) Highest = (30, "v1.30");

    public override string Id => "KubernetesVersionSupported";
    public override string Title => "Kubernetes is in the range KubeSphere 4.1.3 supports (v1.21-v1.30)";
    public override KsCheckPhase[] Phases => PreflightOnly;

    protected override KsCheckResult Unreadable(string gitVersion) =>
        Skipped($"The server version '{gitVersion}' cannot be read (see KubernetesVersion).");

    protected override KsCheckResult Judge(string gitVersion, LooseVersion v)
    {
        if (v < KubernetesVersionCheck.Minimum)
            return Skipped($"Kubernetes {gitVersion} is below the minimum (see KubernetesVersion).");
        if (v.Major == 1 && v.Minor >= Lowest.Minor && v.Minor <= Highest.Minor)
        {
            var note = v.Minor > 26 ? " KubeSphere 3.4 itself is documented for v1.21-v1.26 only." : "";
            return Passed($"Kubernetes {gitVersion} is within {Lowest.Text}-{Highest.Text}.{note}");
        }
        return Warning($"Kubernetes {gitVersion} is outside the range KubeSphere 4.1.3 is tested on ({Lowest.Text}-{Highest.Text}).",
            "Expect untested behaviour; rehearse the upgrade on a staging cluster with the same Kubernetes minor first.",
            gitVersion);
    }
}
