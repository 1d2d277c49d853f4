using System.Management.Automation;
using KsUpgrade.Validation;
using KsUpgrade.Engine.Fleet;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// The whole upgrade guide for a federation in one resumable command: the pre-flight of every cluster before any change,
/// the host, the members up to -ThrottleLimit at once (each as Invoke-KsMemberUpgrade -HostCluster), with
/// -IncludeGateways every cluster's gateways, then the post-upgrade checks. Writes one KsFleetClusterResult per cluster
/// and one KsFleetResult summary; a fleet journal on the host lets the same command, re-run, continue where each cluster was.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "KsUpgrade", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(KsFleetClusterResult), typeof(KsFleetResult))]
public sealed class InvokeKsUpgradeCommand : KsCmdletBase, IKsUpgradeParameters
{
    /// <summary>The host cluster (Connect-KsCluster): upgraded first; the fleet journal is kept there.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public KsCluster? HostCluster { get; set; }

    /// <summary>The member clusters; each one's name in the host's cluster list is its context name.</summary>
    [Parameter]
    [ValidateNotNull]
    [ValidateCount(0, 1000)]
    public KsCluster[]? MemberCluster { get; set; }

    /// <summary>The ks-core-values.yaml every cluster is upgraded with.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? ValuesPath { get; set; }

    /// <summary>The ks-core chart: a directory, a .tgz or an https URL (resolved once for the fleet). Default ./charts/ks-core.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? Chart { get; set; }

    /// <summary>SHA-256 of the chart archive (.tgz or https URL), verified before the chart is used.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ChartSha256 { get; set; }

    /// <summary>How many clusters are worked on at once (default 4).</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = FleetRequest.DefaultThrottleLimit;

    /// <summary>Also upgrade every cluster's gateways (not workspace gateways), one at a time per cluster.</summary>
    [Parameter]
    public SwitchParameter IncludeGateways { get; set; }

    /// <summary>
    /// With -IncludeGateways: Update-KsGateway -RepointIngressClass for each gateway (the Ingresses ks-upgrade gives the
    /// hard-coded class kubesphere-router-cluster point at the cluster gateway's IngressClass).
    /// </summary>
    [Parameter]
    public SwitchParameter RepointIngressClass { get; set; }

    /// <summary>Failed pre-flight checks to waive, by Id (on any cluster), as for Invoke-KsHostUpgrade.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateCount(1, 64)]
    [ValidateLength(1, 128)]
    [ArgumentCompleter(typeof(KsUpgrade.Completion.WaivableCheckIdCompleter))]
    public string[]? IgnoreCheck { get; set; }

    /// <summary>The KubeSphere image tag.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 128)]
    public string Tag { get; set; } = UpgradeParameters.DefaultTag;

    /// <summary>The image registry of KubeSphere and ks-upgrade.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 512)]
    public string ImageRegistry { get; set; } = UpgradeParameters.DefaultImageRegistry;

    /// <summary>The image registry of the extensions (default: the chart's).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 512)]
    public string? ExtensionImageRegistry { get; set; }

    /// <summary>The ks-upgrade image tag (default: -Tag).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 128)]
    public string? UpgradeImageTag { get; set; }

    /// <summary>The extension repository image tag.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 128)]
    public string ExtensionVersion { get; set; } = UpgradeParameters.DefaultExtensionVersion;

    /// <summary>The folder the backups go into, one subfolder per cluster (default ./backup-yyyyMMdd-HHmmss).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? BackupPath { get; set; }

    /// <summary>The helm executable (default: $env:KSUPGRADE_HELM, then PATH).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? HelmPath { get; set; }

    /// <summary>How long each helm upgrade --wait may take (default 45m).</summary>
    [Parameter]
    [DurationTransformation]
    [ValidateDuration("1m", "24h")]
    public TimeSpan Timeout { get; set; } = UpgradeParameters.DefaultTimeout;

    /// <summary>How long each ks-upgrade job (and each gateway's dynamic-upgrade job) may take (default 10m).</summary>
    [Parameter]
    [DurationTransformation]
    [ValidateDuration("10s", "24h")]
    public TimeSpan JobTimeout { get; set; } = UpgradeParameterBinding.DefaultJobTimeout;

    /// <summary>How long each upgrade's post-check waits for its cluster to settle (default 5m).</summary>
    [Parameter]
    [DurationTransformation]
    [ValidateDuration("0s", "6h")]
    public TimeSpan SettleTimeout { get; set; } = UpgradeParameters.DefaultSettleTimeout;

    /// <summary>The pre-flight of every cluster, then only the host: a fan-out parent's first pass (child runs do the members).</summary>
    [Parameter]
    public SwitchParameter HostOnly { get; set; }

    protected override void ProcessRecord()
    {
        UpgradeParameters parameters;
        try
        {
            parameters = UpgradeParameterBinding.Build(this, this); // bad input before any connection
        }
        catch (KsUpgradeException e) { ThrowTerminatingError(e); return; }
        var host = Live(HostCluster)!;
        var members = (MemberCluster ?? Array.Empty<KsCluster>()).Select(m => Live(m)!).ToList();
        WriteTarget(host, "the host");
        foreach (var m in members) WriteTarget(m, "a member");
        var request = new FleetRequest
        {
            Host = host,
            Members = members,
            Parameters = parameters,
            IncludeGateways = IncludeGateways,
            RepointIngressClass = RepointIngressClass,
            ThrottleLimit = ThrottleLimit,
            HelmPath = UpgradeParameterBinding.HelmExecutable(this, HelmPath),
            HostOnly = HostOnly,
        };
        KsFleetResult summary;
        try
        {
            // the engine writes each cluster's result and the summary itself
            summary = RunEngine((log, ct) => FleetUpgrade.RunAsync(request, log, ct));
        }
        catch (KsUpgradeException e)
        {
            ThrowTerminatingError(e);
            return;
        }
        // each cluster that failed is an ErrorRecord (after the run: the others were still worked on)
        foreach (var c in summary.Clusters.Where(c => c.ErrorId is not null))
            WriteError(new KsUpgradeException(c.ErrorId!, KsErrorCategory.InvalidOperation, $"{c.Name} ({c.Role}) stopped at {c.Stage}: {c.Error}", c.Name)
                { Remedy = c.Remedy });
    }
}
