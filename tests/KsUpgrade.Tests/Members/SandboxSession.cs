using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;
using KsUpgrade.Engine.Connection;
using KsUpgrade.Sandbox.Hosting;
using KsUpgrade.Sandbox.Seeds;
using KsUpgrade.Sandbox.Simulation;
using KsUpgrade.Engine.Kube;

namespace KsUpgrade.Tests.Members;

/// <summary>A sandbox with one connected cluster whose client records every request (method, path) in order.</summary>
internal sealed class SandboxSession : IAsyncDisposable
{
    private SandboxSession(SandboxHost host, KsCluster cluster, RecordingHandler recorder, string context)
    {
        Host = host;
        Cluster = cluster;
        Recorder = recorder;
        Context = context;
    }

    public SandboxHost Host { get; }
    public KsCluster Cluster { get; }
    public string Context { get; }
    public RecordingHandler Recorder { get; }
    public ISandboxClusterView View => Host.Cluster(Context);

    public static IReadOnlyList<SeedCluster> Seed(string name, string cluster)
    {
        var seeds = SeedCatalog.Load(name).Where(c => c.Name == cluster).ToList();
        Assert.Single(seeds);
        return seeds;
    }

    public static async Task<SandboxSession> StartAsync(IReadOnlyList<SeedCluster> clusters, string context, params IWorkloadBehaviour[] behaviours)
    {
        var host = await SandboxHost.StartAsync(new SandboxOptions { Clusters = clusters, Behaviours = behaviours });
        try
        {
            var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath, currentContext: context);
            var recorder = new RecordingHandler();
            var client = new Kubernetes(config, recorder);
            var cluster = new KsCluster(context, config.Host ?? "", new KsConnectionSettings { KubeconfigPaths = new[] { host.KubeconfigPath }, Context = context })
            {
                Connection = new ClusterConnection(new KubeApi(client, context, config.Host ?? ""), config, context, null),
            };
            return new SandboxSession(host, cluster, recorder, context);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private readonly List<KsCluster> _others = new();

    /// <summary>A connection to another cluster of the same sandbox (requests not recorded), closed with the session.</summary>
    public KsCluster Connect(string context)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(Host.KubeconfigPath, currentContext: context);
        var cluster = new KsCluster(context, config.Host ?? "", new KsConnectionSettings { KubeconfigPaths = new[] { Host.KubeconfigPath }, Context = context })
        {
            Connection = new ClusterConnection(KubeApi.Open(config, context), config, context, null),
        };
        _others.Add(cluster);
        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var other in _others) ConnectionOf(other)?.Dispose();
        ConnectionOf(Cluster)?.Dispose();
        await Host.DisposeAsync();
    }

    private static ClusterConnection? ConnectionOf(KsCluster c) => c.Connection as ClusterConnection;

    /// <summary>Finds the object of a kind/name in a seed cluster.</summary>
    public static JsonObject Find(SeedCluster seed, string kind, string name, string? ns = null) =>
        seed.Objects.Single(o => (string?)o["kind"] == kind && (string?)o["metadata"]?["name"] == name && (string?)o["metadata"]?["namespace"] == ns);
}

/// <summary>Records the requests a client sends, in order.</summary>
internal sealed class RecordingHandler : DelegatingHandler
{
    public ConcurrentQueue<(string Method, string Path)> Requests { get; } = new();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Enqueue((request.Method.Method, request.RequestUri?.AbsolutePath ?? ""));
        return base.SendAsync(request, cancellationToken);
    }

    public IReadOnlyList<(string Method, string Path)> Snapshot() => Requests.ToList();
}
