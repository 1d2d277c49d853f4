using System.Management.Automation;
using KsUpgrade.Validation;
using KsUpgrade.Engine.Checks;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Runs the pre-flight (v3.x) or post-upgrade (v4.x) checks on a cluster and returns a KsClusterReport.
/// Read-only: it never changes the cluster, except with -ProbeImages (a short-lived Job, after ShouldProcess).
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "KsCluster", DefaultParameterSetName = KubeconfigSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(KsClusterReport), typeof(bool))]
public sealed class TestKsClusterCommand : KsClusterCmdletBase
{
    /// <summary>Preflight or PostUpgrade; default: Preflight on a v3.x cluster, PostUpgrade on a v4.x cluster.</summary>
    [Parameter]
    public KsCheckPhase? Phase { get; set; }

    /// <summary>The ks-core-values.yaml the upgrade will use: checked for syntax, the upgrade: section and typos.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? ValuesPath { get; set; }

    /// <summary>The ks-core chart (directory or .tgz): its objects are checked for helm adoption conflicts.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? Chart { get; set; }

    /// <summary>The helm executable (default: $env:KSUPGRADE_HELM, then PATH).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? HelmPath { get; set; }

    /// <summary>
    /// Check Ids not to run (as the report names them): each is reported Skipped, the report lists them in ExcludedChecks,
    /// and -Quiet judges the others. An upgrade refuses such a report when it is piped in.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateCount(1, 64)]
    [ValidateLength(1, 128)]
    [ArgumentCompleter(typeof(KsUpgrade.Completion.CheckIdCompleter))]
    public string[]? ExcludeCheck { get; set; }

    /// <summary>On a host: its member clusters (Connect-KsCluster each); JwtSecretConsistent compares their jwtSecret with the host's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public KsCluster[]? MemberCluster { get; set; }

    /// <summary>On a member: its host cluster; JwtSecretConsistent compares the two jwtSecrets.</summary>
    [Parameter]
    [ValidateNotNull]
    public KsCluster? HostCluster { get; set; }

    /// <summary>
    /// Opt-in, not read-only: a short-lived Job in kubesphere-system pulls each image the upgrade will need (ImagesPullable);
    /// the Job is always deleted. Honours -WhatIf/-Confirm.
    /// </summary>
    [Parameter]
    public SwitchParameter ProbeImages { get; set; }

    /// <summary>With -ProbeImages: the registry the upgrade will pull from (its -ImageRegistry).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 512)]
    public string ImageRegistry { get; set; } = KsUpgrade.Engine.Upgrade.UpgradeParameters.DefaultImageRegistry;

    /// <summary>With -ProbeImages: the ks-upgrade image tag the upgrade will use (its -UpgradeImageTag; default the KubeSphere tag).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 128)]
    public string? UpgradeImageTag { get; set; }

    /// <summary>Return only $true (no check failed) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        IReadOnlyList<string> excluded;
        var images = new KsUpgrade.Engine.Helm.KsCoreImageSettings { ImageRegistry = ImageRegistry, UpgradeImageTag = UpgradeImageTag };
        try
        {
            excluded = CheckIds.ForExclude(ExcludeCheck); // bad input before any connection
            images.Validate();
        }
        catch (KsUpgradeException e) { ThrowTerminatingError(e); return; }
        var cluster = ResolveCluster();
        var options = new ClusterTestOptions
        {
            ExcludedChecks = excluded,
            Phase = Phase,
            ValuesPath = ValuesPath is null ? null : GetUnresolvedProviderPathFromPSPath(ValuesPath),
            Chart = Chart is null ? null : GetUnresolvedProviderPathFromPSPath(Chart),
            HelmPath = HelmPath is null ? null : GetUnresolvedProviderPathFromPSPath(HelmPath),
            WorkingDirectory = SessionState.Path.CurrentFileSystemLocation.Path,
            Peers = (MemberCluster ?? Array.Empty<KsCluster>()).Select(m => new ClusterTestPeer(Live(m)!, KsClusterRole.Member))
                .Concat(HostCluster is null ? Array.Empty<ClusterTestPeer>() : new[] { new ClusterTestPeer(Live(HostCluster)!, KsClusterRole.Host) })
                .ToList(),
        };
        if (ProbeImages)
        {
            options = ShouldProcess(cluster.Context, $"Create Job {ImagePullProbe.Namespace}/{ImagePullProbe.JobName} to pull the upgrade's images from {ImageRegistry}, then delete it")
                ? options with { ProbeImages = images }
                : options with { ProbeImagesSkipped = "-ProbeImages was not confirmed (-WhatIf or -Confirm): no image was pulled." };
        }
        if (options.Chart is not null && options.ValuesPath is not null)
            options = options with { RenderChart = KsUpgrade.Engine.Upgrade.Wiring.ChartRenderer.For(cluster, options.ValuesPath, options.HelmPath, KsUpgrade.Engine.Upgrade.UpgradeParameters.WithImages(images)) };
        try
        {
            var report = RunEngine((log, ct) => ClusterTest.RunAsync(cluster, options, log, ct));
            WriteObject(Quiet ? report.Passed : report);
        }
        catch (KsUpgradeException e)
        {
            WriteError(e);
            if (Quiet) WriteObject(false);
        }
    }
}
