using System.Management.Automation;
using KsUpgrade.Validation;
using System.Security;
using KsUpgrade.Completion;
using KsUpgrade.Engine.Connection;

namespace KsUpgrade.Hosting;

/// <summary>
/// The connection parameters every cluster cmdlet shares: a KsCluster (by value or by property name from the
/// pipeline, e.g. a KsClusterReport's Cluster), or the parameters to connect directly.
/// </summary>
public abstract class KsClusterCmdletBase : KsCmdletBase
{
    public const string ClusterSet = "Cluster";
    public const string KubeconfigSet = "Kubeconfig";
    public const string KubeconfigContentSet = "KubeconfigContent";
    public const string InClusterSet = "InCluster";
    public const string TokenSet = "Token";

    private KsCluster? _connected;

    [Parameter(ParameterSetName = ClusterSet, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public KsCluster? Cluster { get; set; }

    [Parameter(ParameterSetName = KubeconfigSet)]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string[]? Kubeconfig { get; set; }

    [Parameter(ParameterSetName = KubeconfigSet)]
    [Parameter(ParameterSetName = KubeconfigContentSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContextCompleter))]
    [ValidateLength(1, 1024)]
    public string? Context { get; set; }

    [Parameter(ParameterSetName = KubeconfigContentSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string? KubeconfigContent { get; set; }

    [Parameter(ParameterSetName = InClusterSet, Mandatory = true)]
    public SwitchParameter InCluster { get; set; }

    [Parameter(ParameterSetName = TokenSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 2048)]
    public string? Server { get; set; }

    [Parameter(ParameterSetName = TokenSet, Mandatory = true)]
    [ValidateNotNull]
    public SecureString? Token { get; set; }

    [Parameter(ParameterSetName = TokenSet)]
    [ValidateNotNullOrEmpty]
    [ValidatePath]
    public string? CertificateAuthority { get; set; }

    /// <summary>Seconds one API request may take.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int RequestTimeout { get; set; } = 30;

    /// <summary>The connection settings the parameters describe.</summary>
    protected KsConnectionSettings BuildSettings() => new()
    {
        KubeconfigPaths = Kubeconfig?.Select(p => GetUnresolvedProviderPathFromPSPath(p)).ToList(),
        KubeconfigContent = KubeconfigContent,
        Context = Context,
        InCluster = InCluster.IsPresent,
        Server = Server,
        Token = Token,
        CertificateAuthority = CertificateAuthority is null ? null : GetUnresolvedProviderPathFromPSPath(CertificateAuthority),
        RequestTimeout = TimeSpan.FromSeconds(RequestTimeout),
    };

    /// <summary>
    /// The cluster to work on: the -Cluster given (reusing its live connection), or a new connection from the
    /// other parameters (made once per cmdlet invocation). Connection failures are terminating errors.
    /// </summary>
    protected KsCluster ResolveCluster()
    {
        if (ParameterSetName == ClusterSet && Cluster is not null)
        {
            if (Cluster.Connection is not null) return Cluster;
            return _connected = Connect(Cluster.Settings);
        }
        return _connected ??= Connect(BuildSettings());
    }

    private KsCluster Connect(KsConnectionSettings settings)
    {
        try
        {
            return RunEngine((log, ct) => ClusterConnector.ConnectAsync(settings, log.Warning, ct));
        }
        catch (KsUpgradeException e)
        {
            Fail(e);
            throw; // not reached
        }
    }
}
