using System.Text.Json.Nodes;

namespace KsUpgrade.Engine.Helm;

/// <summary>
/// One revision of a helm release, as helm stores it (Secret <c>sh.helm.release.v1.&lt;name&gt;.v&lt;revision&gt;</c>) and
/// as <c>helm upgrade/status -o json</c> prints it: the one release type of the engine (connection, checks, upgrade,
/// journal, members and gateways read it through <see cref="HelmReleaseReader"/>; KsGatewayRelease is its public view).
/// Only the fields KsUpgrade uses are kept (not the chart's templates).
/// </summary>
public sealed record HelmRelease
{
    public HelmRelease() { }

    /// <summary>A release from its storage labels or a test's words: name, namespace, revision, status and chart metadata.</summary>
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    public HelmRelease(string name, string @namespace, int revision, string status, string? chartName = null, string? chartVersion = null, string? appVersion = null)
    {
        Name = name;
        Namespace = @namespace;
        Revision = revision;
        Status = status;
        ChartName = chartName ?? "";
        ChartVersion = chartVersion ?? "";
        AppVersion = appVersion ?? "";
    }

    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public int Revision { get; init; }
    /// <summary>deployed, superseded, failed, pending-install, pending-upgrade, pending-rollback, uninstalling, uninstalled, unknown.</summary>
    public string Status { get; init; } = "unknown";
    public string ChartName { get; init; } = "";
    public string ChartVersion { get; init; } = "";
    public string AppVersion { get; init; } = "";
    /// <summary>The user-supplied values (not the chart defaults).</summary>
    public JsonObject Config { get; init; } = new();
    /// <summary>The rendered non-hook manifests.</summary>
    public string Manifest { get; init; } = "";
    public DateTimeOffset? FirstDeployed { get; init; }
    public DateTimeOffset? LastDeployed { get; init; }
    public string Description { get; init; } = "";
    public IReadOnlyList<HelmHook> Hooks { get; init; } = Array.Empty<HelmHook>();

    /// <summary>
    /// Set when the stored payload could not be decoded: name, revision and status then come from the Secret's labels
    /// and the chart fields are empty.
    /// </summary>
    public string? DecodeError { get; init; }

    /// <summary>The same revision without its values, manifest and hooks (what the checks keep: never a value in a report).</summary>
    public HelmRelease WithoutPayload() => this with { Config = new JsonObject(), Manifest = "", Hooks = Array.Empty<HelmHook>() };

    /// <summary>values.multicluster.role of the revision (ks-core), or null.</summary>
    public string? MulticlusterRole => Config["multicluster"]?["role"]?.GetValue<object>()?.ToString();

    /// <summary>True while helm is in the middle of an operation (pending-install/upgrade/rollback).</summary>
    public bool IsPending => HelmReleaseStatus.IsPending(Status);

    /// <summary>The name of the Secret helm stores this revision in.</summary>
    public string SecretName => HelmReleaseStatus.SecretName(Name, Revision);

    public override string ToString() => $"{Namespace}/{Name} v{Revision} {Status} ({ChartName}-{ChartVersion}, app {AppVersion})";
}

/// <summary>A hook of a release (e.g. the ks-core pre-upgrade Job).</summary>
public sealed record HelmHook(string Name, string Kind, string Path, IReadOnlyList<string> Events, int Weight);

/// <summary>Helm release status values and naming.</summary>
public static class HelmReleaseStatus
{
    public const string Deployed = "deployed";
    public const string Superseded = "superseded";
    public const string Failed = "failed";
    public const string PendingInstall = "pending-install";
    public const string PendingUpgrade = "pending-upgrade";
    public const string PendingRollback = "pending-rollback";
    public const string Uninstalling = "uninstalling";
    public const string Uninstalled = "uninstalled";

    /// <summary>True for pending-install, pending-upgrade and pending-rollback: helm refuses new operations.</summary>
    public static bool IsPending(string? status) =>
        status is not null && status.StartsWith("pending-", StringComparison.OrdinalIgnoreCase);

    /// <summary><c>sh.helm.release.v1.&lt;release&gt;.v&lt;revision&gt;</c>.</summary>
    public static string SecretName(string release, int revision) => $"sh.helm.release.v1.{release}.v{revision}";

    /// <summary>Secret type of helm 3/4 release storage.</summary>
    public const string SecretType = "helm.sh/release.v1";
}
