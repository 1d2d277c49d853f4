using KsUpgrade.Sandbox.Hosting;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>One sandbox serving two clusters: one context each, isolated state, requests counted per cluster.</summary>
public sealed class MultiClusterTests
{
    [Fact]
    public async Task Each_cluster_has_its_own_context_and_state()
    {
        await using var host = await SandboxHost.StartAsync(new SandboxOptions
        {
            Clusters = new[] { TestSeed.Build("host"), TestSeed.Build("member1") },
        });
        Assert.Equal(new[] { "host", "member1" }, host.Contexts);
        Assert.Equal($"https://127.0.0.1:{host.PortOf("member1")}", host.ServerUrl("member1"));
        Assert.NotEqual(host.PortOf("host"), host.PortOf("member1"));
        var kubectl = new KubectlRunner(host.KubeconfigPath);
        Assert.Equal("host", (await kubectl.OkAsync("config", "current-context")).Trim());

        await kubectl.OkAsync("--context", "member1", "create", "configmap", "only-here", "-n", "apps");
        Assert.NotNull(host.Cluster("member1").Get("v1", "configmaps", "apps", "only-here"));
        Assert.Null(host.Cluster("host").Get("v1", "configmaps", "apps", "only-here"));
        var onHost = await kubectl.RunAsync("get", "configmap", "only-here", "-n", "apps");
        Assert.NotEqual(0, onHost.ExitCode);

        Assert.True(host.Requests.Get("member1", "create", "configmaps") == 1);
        Assert.Equal(0, host.Requests.Get("host", "create", "configmaps"));
        Assert.True(host.Requests.Get("host", "get", "configmaps") >= 1);
    }
}
