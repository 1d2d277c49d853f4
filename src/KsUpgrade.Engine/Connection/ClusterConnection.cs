using k8s;

namespace KsUpgrade.Engine.Connection;

/// <summary>The live connection behind a KsCluster: the KubernetesClient and what it was built from.</summary>
public sealed class ClusterConnection : IDisposable
{
    internal ClusterConnection(IKubernetes client, KubernetesClientConfiguration config, string contextName, KubeconfigSet? kubeconfig)
    {
        Client = client;
        Configuration = config;
        ContextName = contextName;
        Kubeconfig = kubeconfig;
    }

    public IKubernetes Client { get; }

    internal KubernetesClientConfiguration Configuration { get; }

    public string ContextName { get; }

    /// <summary>The merged kubeconfig the connection came from (null for -Server/-InCluster).</summary>
    internal KubeconfigSet? Kubeconfig { get; }

    public void Dispose() => Client.Dispose();
}
