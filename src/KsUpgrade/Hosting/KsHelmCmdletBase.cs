using System.Management.Automation;
using KsUpgrade.Validation;

namespace KsUpgrade.Hosting;

/// <summary>The one declaration of -HelmPath, for every cluster cmdlet that runs helm (the upgrades, Undo-KsUpgrade, Update-KsGateway).</summary>
public abstract class KsHelmCmdletBase : KsClusterCmdletBase
{
    /// <summary>The helm executable (default: $env:KSUPGRADE_HELM, then PATH).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? HelmPath { get; set; }

    /// <summary>-HelmPath as a file-system path (relative to PowerShell's location), or null when not given.</summary>
    protected string? HelmExecutable => UpgradeParameterBinding.HelmExecutable(this, HelmPath);
}

/// <summary>
/// The one declaration of -Timeout as helm's --timeout (1 minute to 24 hours), for the cmdlets that change the ks-core
/// release: the upgrades (helm upgrade --wait, default 45m) and Undo-KsUpgrade (helm rollback --wait, default 10m).
/// Update-KsGateway's -Timeout is another wait (for the v4 gateway, from 1 second) and is its own.
/// </summary>
public abstract class KsHelmReleaseCmdletBase : KsHelmCmdletBase
{
    protected KsHelmReleaseCmdletBase(TimeSpan defaultTimeout) => Timeout = defaultTimeout;

    /// <summary>How long helm may take to change the ks-core release (--timeout).</summary>
    [Parameter]
    [DurationTransformation]
    [ValidateDuration("1m", "24h")]
    public TimeSpan Timeout { get; set; }
}
