using System.Management.Automation;
using KsUpgrade.Validation;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Engine.Upgrade;

namespace KsUpgrade.Hosting;

/// <summary>The parameters and the run shared by Invoke-KsHostUpgrade and Invoke-KsMemberUpgrade: they differ only in role.</summary>
public abstract class KsUpgradeCmdletBase : KsHelmReleaseCmdletBase, IKsUpgradeParameters
{
    /// <summary>-Timeout: how long helm upgrade --wait may take (default 45m).</summary>
    protected KsUpgradeCmdletBase() : base(UpgradeParameters.DefaultTimeout) { }

    /// <summary>A pre-flight report from Test-KsCluster; its checks stand for the pre-flight step.</summary>
    [Parameter(ParameterSetName = ClusterSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public KsClusterReport? Report { get; set; }

    /// <summary>The ks-core-values.yaml (its upgrade: section drives the ks-upgrade jobs).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? ValuesPath { get; set; }

    /// <summary>The ks-core chart: a directory, a .tgz or an https URL. Default ./charts/ks-core, else the official 1.1.5 chart.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? Chart { get; set; }

    /// <summary>SHA-256 of the chart archive (.tgz or https URL), verified before the chart is used; 64 hex digits.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ChartSha256 { get; set; }

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

    /// <summary>Where the backup goes (default ./backup-yyyyMMdd-HHmmss); never an existing non-empty folder.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? BackupPath { get; set; }

    /// <summary>How long each ks-upgrade job may take (default 10m).</summary>
    [Parameter]
    [DurationTransformation]
    [ValidateDuration("10s", "24h")]
    public TimeSpan JobTimeout { get; set; } = UpgradeParameterBinding.DefaultJobTimeout;

    /// <summary>
    /// How long the post-check waits for the cluster to settle after helm (checks again until they pass; default 5
    /// minutes; 0 = check once). Pods already failing before the upgrade are a Warning and never waited for.
    /// </summary>
    [Parameter]
    [DurationTransformation]
    [ValidateDuration("0s", "6h")]
    public TimeSpan SettleTimeout { get; set; } = UpgradeParameters.DefaultSettleTimeout;

    /// <summary>Resume a run the journal recorded (implied when the journal's parameters match).</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    /// <summary>
    /// Pre-flight checks whose failure is waived, by Id (as Test-KsCluster reports them): each waived failure is a Warning
    /// and is written to the journal. Only the named checks; 'all' is not accepted; ChartRenders cannot be waived.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateCount(1, 64)]
    [ValidateLength(1, 128)]
    [ArgumentCompleter(typeof(KsUpgrade.Completion.WaivableCheckIdCompleter))]
    public string[]? IgnoreCheck { get; set; }

    protected abstract KsClusterRole Role { get; }

    protected virtual KsCluster? HostForMember => null;

    protected virtual string? MemberNameOnHost => null;

    protected virtual bool SkipHostCheckRequested => false;

    protected override void ProcessRecord()
    {
        UpgradeParameters parameters;
        try
        {
            parameters = UpgradeParameterBinding.Build(this, this) with { Role = Role, Resume = Resume }; // bad input before any connection
        }
        catch (KsUpgradeException e) { ThrowTerminatingError(e); return; }
        var cluster = Report?.Cluster is { } fromReport && ParameterSetName == ClusterSet && Cluster is null ? fromReport : ResolveCluster();
        WriteTarget(cluster);
        if (HostForMember is { } host) WriteTarget(host, "the host, where the member's Schedulable condition is removed");
        var request = new UpgradeRunRequest
        {
            Cluster = cluster,
            Parameters = parameters,
            Report = Report,
            Host = HostForMember,
            MemberName = MemberNameOnHost,
            SkipHostCheck = SkipHostCheckRequested,
            HelmPath = HelmExecutable,
        };
        try
        {
            // The engine writes the KsUpgradeResult to the output itself (also when a step fails).
            RunEngine((log, ct) => UpgradeRun.RunAsync(request, log, ct));
        }
        catch (KsUpgradeException e)
        {
            WriteError(e);
        }
    }
}
