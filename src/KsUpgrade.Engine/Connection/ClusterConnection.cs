using k8s;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Engine.Connection;

/// <summary>The live connection behind a KsCluster: its access layer (<see cref="KubeApi"/>) and what it was built from.</summary>
public sealed class ClusterConnection : IKubeConnection, IDisposable
{
    internal ClusterConnection(KubeApi api, KubernetesClientConfiguration config, string contextName, KubeconfigSet? kubeconfig)
    {
        Api = api;
        Configuration = config;
        ContextName = contextName;
        Kubeconfig = kubeconfig;
    }

    /// <summary>The cluster's API (the one access layer); <see cref="KubeApi.For"/> gives views of it with retry notes.</summary>
    public KubeApi Api { get; }

    internal KubernetesClientConfiguration Configuration { get; }

    public string ContextName { get; }

    /// <summary>The merged kubeconfig the connection came from (null for -Server/-InCluster).</summary>
    internal KubeconfigSet? Kubeconfig { get; }

    public void Dispose() => Api.Dispose();
}
