using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Engine.Diagnostics;
using KsUpgrade.Engine.Gateways;
using KsUpgrade.Engine.Members;
using KsUpgrade.Hosting;

namespace KsUpgrade.Completion;

/// <summary>
/// Completes -Name of the member and gateway cmdlets from the cluster the cmdlet would work on (-Cluster, or
/// -Kubeconfig/-Context, else the session's connection made by Connect-KsCluster, else the default kubeconfig), with a
/// short timeout; silent on any failure.
/// </summary>
public abstract class ClusterNameCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

    protected abstract Task<IReadOnlyList<string>> NamesAsync(KsCluster cluster, CancellationToken ct);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            using var cts = new CancellationTokenSource(Budget);
            var cluster = fakeBoundParameters["Cluster"] as KsCluster
                          ?? (fakeBoundParameters["Cluster"] as PSObject)?.BaseObject as KsCluster;
            // as the cmdlet will: given no connection parameter, the session's connection (the last Connect-KsCluster in
            // this runspace; read here, on the runspace's thread)
            if (cluster is null && !KsClusterCmdletBase.ConnectionParameters.Any(fakeBoundParameters.Contains))
                cluster = SessionConnections.Current?.Default;
            var names = Task.Run(async () =>
            {
                if (cluster?.Connection is null)
                {
                    var settings = new KsConnectionSettings
                    {
                        KubeconfigPaths = fakeBoundParameters["Kubeconfig"] switch
                        {
                            string s => new[] { s },
                            object[] a => a.Select(x => x?.ToString() ?? "").ToArray(),
                            _ => null,
                        },
                        Context = fakeBoundParameters["Context"] as string,
                        RequestTimeout = Budget,
                    };
                    cluster = await ClusterConnector.ConnectAsync(cluster?.Settings ?? settings, null, cts.Token).ConfigureAwait(false);
                }
                return await NamesAsync(cluster, cts.Token).ConfigureAwait(false);
            }, cts.Token).GetAwaiter().GetResult();
            var prefix = wordToComplete.Trim('\'', '"');
            return names.Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n)).ToList();
        }
        catch
        {
            return Array.Empty<CompletionResult>();
        }
    }
}

/// <summary>Completes member cluster names.</summary>
public sealed class MemberNameCompleter : ClusterNameCompleter
{
    protected override async Task<IReadOnlyList<string>> NamesAsync(KsCluster cluster, CancellationToken ct) =>
        (await MemberClusters.ListAsync(cluster, null, NullEngineLog.Instance, ct).ConfigureAwait(false)).Select(m => m.Name).ToList();
}

/// <summary>Completes the names of member clusters only (Remove-KsMemberTaint refuses the host's own Cluster object).</summary>
public sealed class TaintableMemberNameCompleter : ClusterNameCompleter
{
    protected override async Task<IReadOnlyList<string>> NamesAsync(KsCluster cluster, CancellationToken ct) =>
        (await MemberClusters.ListAsync(cluster, null, NullEngineLog.Instance, ct).ConfigureAwait(false))
            .Where(m => m.Role == KsClusterRole.Member).Select(m => m.Name).ToList();
}

/// <summary>Completes gateway names.</summary>
public sealed class GatewayNameCompleter : ClusterNameCompleter
{
    protected override Task<IReadOnlyList<string>> NamesAsync(KsCluster cluster, CancellationToken ct) => GatewayCatalog.NamesAsync(cluster, ct);
}
