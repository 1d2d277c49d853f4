using System.Management.Automation;
using KsUpgrade.Validation;
using KsUpgrade.Completion;
using KsUpgrade.Engine.Charts;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Engine.Upgrade;
using KsUpgrade.Hosting;

namespace KsUpgrade.Cmdlets;

/// <summary>
/// Upgrades KubeSphere gateways to the v4 gateway, one at a time, with ks-upgrade's dynamic-upgrade job, and reports a
/// gateway upgraded only when the cluster shows the v4 gateway. Gateways already upgraded are reported as
/// AlreadyUpgraded, not as errors; every gateway that failed or is not verified is also an ErrorRecord.
/// </summary>
[Cmdlet(VerbsData.Update, "KsGateway", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = KubeconfigSet)]
[OutputType(typeof(KsGatewayUpgradeResult))]
public sealed class UpdateKsGatewayCommand : KsHelmCmdletBase
{
    public const string GatewaySet = "Gateway";

    private readonly List<(KsCluster Cluster, string Name)> _queue = new();

    /// <summary>Gateway names (e.g. kubesphere-router-kubesphere-system).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(GatewayNameCompleter))]
    [ValidateLength(1, 253)]
    public string[]? Name { get; set; }

    /// <summary>Every gateway of the cluster.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    /// <summary>A gateway from Get-KsGateway: it carries the cluster it was read from.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = GatewaySet)]
    [ValidateNotNull]
    public KsGateway? InputObject { get; set; }

    /// <summary>The ks-core chart (directory, .tgz or https URL); default ./charts/ks-core, else the official 1.1.5 chart.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? Chart { get; set; }

    /// <summary>SHA-256 of the chart archive (.tgz or https URL), verified before the chart is used; 64 hex digits.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ChartSha256 { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 128)]
    public string Tag { get; set; } = "v4.1.3";

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 512)]
    public string ImageRegistry { get; set; } = "docker.io";

    /// <summary>The ks-upgrade image tag (default: -Tag).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 128)]
    public string? UpgradeImageTag { get; set; }

    /// <summary>How long to wait for each dynamic-upgrade job (default 10m).</summary>
    [Parameter]
    [DurationTransformation]
    [ValidateDuration("10s", "24h")]
    public TimeSpan JobTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long to wait, after each job, for the cluster to show the v4 gateway (default 5m; the extension's controller installs it).</summary>
    [Parameter]
    [DurationTransformation]
    [ValidateDuration("1s", "24h")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>For a member cluster: the host, where the member's Schedulable condition and InstallPlan gateway are checked.</summary>
    [Parameter]
    [ValidateNotNull]
    public KsCluster? HostCluster { get; set; }

    /// <summary>For a member cluster: its name in the host's cluster list (default: its context name).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 253)]
    public string? MemberName { get; set; }

    /// <summary>
    /// Once a gateway is verified, point the Ingresses ks-upgrade gave a class no IngressClass has (v4.1.3 gives the cluster
    /// gateway's Ingresses the hard-coded kubesphere-router-cluster) at the gateway's IngressClass: those this run's job
    /// re-classed, or, for a cluster gateway already upgraded, those whose class is exactly kubesphere-router-cluster.
    /// </summary>
    [Parameter]
    public SwitchParameter RepointIngressClass { get; set; }

    protected override void BeginProcessing()
    {
        try { ChartDigest.Normalize(ChartSha256); }
        catch (KsUpgradeException e) { ThrowTerminatingError(e); }
    }

    protected override void ProcessRecord()
    {
        try
        {
            if (ParameterSetName == GatewaySet)
            {
                // -Name and -All are declared for every set; with piped gateways they would contradict the pipeline
                if (All || Name is { Length: > 0 } && !(Name.Length == 1 && Name[0] == InputObject!.Name))
                    ThrowTerminatingError(new KsUpgradeException(ErrorIds.ParameterInvalid, KsErrorCategory.InvalidArgument,
                        "Gateways came down the pipeline: they are the gateways to upgrade, so -Name and -All cannot be given too.", InputObject!.Name)
                    { Remedy = "Pipe the gateways (Get-KsGateway | Update-KsGateway), or give -Name / -All without piping gateways." });
                var cluster = InputObject!.Cluster ?? ResolveCluster();
                _queue.Add((cluster, InputObject.Name));
                return;
            }
            if (!All && (Name is null || Name.Length == 0))
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -Name (one or more gateways) or -All."),
                    ErrorIds.GatewayNameRequired, ErrorCategory.InvalidArgument, null));
            var target = ResolveCluster();
            var names = All ? RunEngine((_, ct) => GatewayCatalog.NamesAsync(target, ct)).ToArray() : Name!;
            foreach (var name in names) _queue.Add((target, name));
        }
        catch (KsUpgradeException e)
        {
            WriteError(e);
        }
    }

    protected override void EndProcessing()
    {
        if (_queue.Count == 0) return;
        var reference = ChartArgument(Chart);
        // A local chart is resolved and verified now; a URL is only checked, and downloaded when the first gateway
        // upgrade is confirmed (the renderer asks for it after ShouldProcess), so -WhatIf never touches the network.
        DeferredChart chart;
        try { chart = DeferredChart.Create(reference, ChartSha256); }
        catch (KsUpgradeException e) { WriteError(e); return; }
        using (chart)
        {
            WriteWarning("Upgrading a gateway restarts its ingress controller: traffic through it is interrupted while it restarts.");
            if (chart.IsPending)
                WriteVerbose($"Chart {chart.Display}: downloaded{(ChartSha256 is null ? "" : " and its SHA-256 verified")} only once a gateway upgrade is confirmed.");
            foreach (var group in _queue.GroupBy(q => q.Cluster))
            {
                var names = group.Select(q => q.Name).Distinct(StringComparer.Ordinal).ToList();
                WriteTarget(group.Key);
                try
                {
                    var hostCluster = Live(HostCluster);
                    var results = RunEngine((log, ct) => GatewayUpgrade.UpdateAsync(group.Key, names, new GatewayUpgradeOptions
                    {
                        Chart = chart.Display,
                        Renderer = new DeferredChartRenderer(chart, HelmTemplateRenderer.Instance),
                        Tag = Tag,
                        ImageRegistry = ImageRegistry,
                        UpgradeImageTag = UpgradeImageTag,
                        HelmPath = HelmPath,
                        JobTimeout = JobTimeout,
                        VerifyTimeout = Timeout,
                        HostCluster = hostCluster,
                        MemberName = MemberName,
                        RepointIngressClass = RepointIngressClass,
                    }, log, ct));
                    // every gateway that failed or is not verified is an ErrorRecord (after the run: the others were still attempted)
                    foreach (var r in results.Where(r => r.ErrorId is not null)) WriteError(ErrorOf(r));
                }
                catch (KsUpgradeException e)
                {
                    WriteError(e);
                }
            }
        }
    }

    private static KsUpgradeException ErrorOf(KsGatewayUpgradeResult r) =>
        new(r.ErrorId!, r.Outcome switch
        {
            KsGatewayUpgradeOutcome.NotVerified => KsErrorCategory.OperationTimeout,
            KsGatewayUpgradeOutcome.ReleasePending => KsErrorCategory.ResourceBusy,
            _ => KsErrorCategory.InvalidOperation,
        }, $"Gateway '{r.Gateway.Name}' {r.Outcome}: {r.Detail}", r.Gateway.Name)
        { Remedy = r.Remedy };

    /// <summary>Renders with the chart made local on first use (after the ShouldProcess question of that gateway).</summary>
    private sealed class DeferredChartRenderer(DeferredChart chart, IDynamicJobRenderer inner) : IDynamicJobRenderer
    {
        public async Task<string> RenderAsync(DynamicJobRenderRequest request, CancellationToken ct)
        {
            var local = await chart.GetAsync(ct).ConfigureAwait(false);
            return await inner.RenderAsync(request with { Chart = local.Path }, ct).ConfigureAwait(false);
        }
    }
}
