namespace KsUpgrade.Engine.Helm;

/// <summary>ErrorIds added by the helm, chart and values layer (in addition to <see cref="ErrorIds"/>). Never rename one.</summary>
public static class HelmErrorIds
{
    /// <summary>A chart archive or directory is malformed or unsafe (path traversal, bad Chart.yaml, checksum mismatch).</summary>
    public const string ChartInvalid = "KsUpgrade.ChartInvalid";

    /// <summary>The helm binary is older than a feature needs (e.g. server-side dry run needs helm 3.13).</summary>
    public const string HelmVersionUnsupported = "KsUpgrade.HelmVersionUnsupported";

    /// <summary>A helm release secret could not be decoded.</summary>
    public const string HelmReleaseInvalid = "KsUpgrade.HelmReleaseInvalid";

    /// <summary>A parameter (registry, tag, gateway name, role) is malformed; found before anything runs. The same id the upgrade uses for its parameters.</summary>
    public const string InvalidParameter = "KsUpgrade.ParameterInvalid";

    /// <summary>helm did not finish within its process timeout.</summary>
    public const string HelmTimeout = "KsUpgrade.HelmTimeout";
}
