namespace KsUpgrade.Tests.ChecksOnSandbox;

/// <summary>One run of the engine on the healthy ks34-host seed: the baseline every fault run is compared with.</summary>
public sealed class HealthyBaselineFixture : IAsyncLifetime
{
    public SandboxCheckRun Run { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await using var host = await SandboxChecks.StartAsync(SandboxChecks.LoadHostSeed());
        Run = await SandboxChecks.RunAsync(host, SandboxChecks.HealthyRequest());
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
