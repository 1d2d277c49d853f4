using Microsoft.Extensions.Hosting;

namespace KsUpgrade.Sandbox.Hosting;

/// <summary>
/// A host lifetime that listens to no console signals: an in-process sandbox must not take over Ctrl+C or SIGTERM of
/// the process hosting it (tests, pwsh); process mode handles its own signals.
/// </summary>
internal sealed class QuietLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
