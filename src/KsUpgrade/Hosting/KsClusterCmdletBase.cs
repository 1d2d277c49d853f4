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

    /// <summary>
    /// The cluster (a KsCluster from Connect-KsCluster, or piped). Virtual so that a cmdlet whose syntax makes it positional
    /// (Undo-KsUpgrade [-Cluster] &lt;KsCluster&gt;) re-declares only its attributes, keeping this one property.
    /// </summary>
    [Parameter(ParameterSetName = ClusterSet, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public virtual KsCluster? Cluster { get; set; }

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

    /// <summary>How long one API request may take (30s, 2m; default 30 seconds).</summary>
    [Parameter]
    [DurationTransformation]
    [ValidateDuration("1s", "1h")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

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
        RequestTimeout = RequestTimeout,
    };

    /// <summary>
    /// The cluster to work on: the -Cluster given (reusing its live connection), or a new connection from the
    /// other parameters (made once per cmdlet invocation). Connection failures are terminating errors.
    /// </summary>
    /// <remarks>
    /// Given no -Cluster and no connection parameter, the session's connection (the last Connect-KsCluster in this
    /// runspace) is the cluster; without one, the kubeconfig's current context.
    /// </remarks>
    protected KsCluster ResolveCluster()
    {
        if (ParameterSetName == ClusterSet && Cluster is not null)
        {
            if (Cluster.Connection is not null) return Cluster;
            return _connected = Connect(Cluster.Settings);
        }
        if (_connected is null && UsesSessionConnection && !ConnectionParameterGiven() && SessionConnections.Current?.Default is { } session)
        {
            WriteVerbose($"Using this session's connection to context '{session.Context}' ({ServerForDisplay(session.Server)}), made by Connect-KsCluster; give -Cluster or -Context for another cluster.");
            return _connected = session.Connection is not null ? session : Connect(session.Settings);
        }
        return _connected ??= Connect(BuildSettings());
    }

    /// <summary>Whether a cmdlet given no connection parameter works on the session's connection (Connect-KsCluster itself does not).</summary>
    protected virtual bool UsesSessionConnection => true;

    /// <summary>The parameters that name a connection: given none, a cmdlet (and the -Name completers) use the session's.</summary>
    internal static readonly string[] ConnectionParameters = { nameof(Cluster), nameof(Kubeconfig), nameof(Context), nameof(KubeconfigContent), nameof(InCluster), nameof(Server), nameof(Token), nameof(CertificateAuthority) };

    private bool ConnectionParameterGiven() => ConnectionParameters.Any(MyInvocation.BoundParameters.ContainsKey);
}
