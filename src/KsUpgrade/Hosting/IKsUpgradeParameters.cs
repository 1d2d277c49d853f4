using KsUpgrade.Engine.Charts;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Upgrade;

namespace KsUpgrade.Hosting;

/// <summary>
/// The upgrade parameters Invoke-KsHostUpgrade / Invoke-KsMemberUpgrade (<see cref="KsUpgradeCmdletBase"/>) and
/// Invoke-KsUpgrade both declare (one class cannot inherit both: the base chain also declares -Cluster, which
/// Invoke-KsUpgrade must not have). <see cref="UpgradeParameterBinding.Build"/> is the one mapping to the engine's
/// <see cref="UpgradeParameters"/>; the architecture test UpgradeParameterDeclarationTests keeps the two declarations
/// (type, default, validation, completion, help text) equal.
/// </summary>
public interface IKsUpgradeParameters
{
    string? ValuesPath { get; }
    string? Chart { get; }
    string? ChartSha256 { get; }
    string Tag { get; }
    string ImageRegistry { get; }
    string? ExtensionImageRegistry { get; }
    string? UpgradeImageTag { get; }
    string ExtensionVersion { get; }
    string? BackupPath { get; }
    string? HelmPath { get; }
    TimeSpan Timeout { get; }
    TimeSpan JobTimeout { get; }
    TimeSpan SettleTimeout { get; }
    string[]? IgnoreCheck { get; }
}

/// <summary>The one mapping from <see cref="IKsUpgradeParameters"/> to the engine's <see cref="UpgradeParameters"/>.</summary>
internal static class UpgradeParameterBinding
{
    /// <summary>The default of -JobTimeout (the engine's).</summary>
    public static readonly TimeSpan DefaultJobTimeout = new UpgradeParameters().JobTimeout;

    /// <summary>
    /// The engine's parameters (role and resume left to the caller): paths resolved against PowerShell's current location
    /// (also the default backup folder's), -Chart's default, -ChartSha256 normalised and -IgnoreCheck checked — a bad value
    /// throws here, before any connection.
    /// </summary>
    public static UpgradeParameters Build(KsCmdletBase cmdlet, IKsUpgradeParameters p) => new()
    {
        ValuesPath = cmdlet.GetUnresolvedProviderPathFromPSPath(p.ValuesPath!),
        Chart = cmdlet.ChartArgumentOf(p.Chart),
        ChartSha256 = ChartDigest.Normalize(p.ChartSha256),
        Tag = p.Tag,
        ImageRegistry = p.ImageRegistry,
        ExtensionImageRegistry = p.ExtensionImageRegistry,
        UpgradeImageTag = p.UpgradeImageTag,
        ExtensionVersion = p.ExtensionVersion,
        BackupPath = p.BackupPath is null ? null : cmdlet.GetUnresolvedProviderPathFromPSPath(p.BackupPath),
        // the default backup-<timestamp> folder goes under PowerShell's current location, not the process's
        BackupBaseDirectory = cmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath,
        Timeout = p.Timeout,
        JobTimeout = p.JobTimeout,
        SettleTimeout = p.SettleTimeout,
        IgnoredChecks = CheckIds.ForIgnore(p.IgnoreCheck),
    };

    /// <summary>-HelmPath as a file-system path (relative to PowerShell's location), or null when not given.</summary>
    public static string? HelmExecutable(KsCmdletBase cmdlet, string? helmPath) => helmPath is null ? null : cmdlet.GetUnresolvedProviderPathFromPSPath(helmPath);
}
