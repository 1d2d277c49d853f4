using KsUpgrade.Sandbox.Hosting;

namespace KsUpgrade.Tests.Sandbox;

/// <summary>One in-process sandbox (the test seed) shared by the tests of a class.</summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    public SandboxHost Host { get; private set; } = null!;
    public KubectlRunner Kubectl { get; private set; } = null!;
    public const string Cluster = "test";

    public async Task InitializeAsync()
    {
        Host = await SandboxHost.StartAsync(new SandboxOptions { Clusters = new[] { TestSeed.Build(Cluster) } });
        Kubectl = new KubectlRunner(Host.KubeconfigPath);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>Polls until the condition holds (or fails after the timeout).</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, double seconds = 10)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > until) Assert.Fail($"Timed out waiting for: {what}");
            await Task.Delay(50);
        }
    }
}
