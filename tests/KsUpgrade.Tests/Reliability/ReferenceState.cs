using KsUpgrade.Engine.Diagnostics;

namespace KsUpgrade.Tests.Reliability;

/// <summary>The normalised host state after one clean upgrade (no fault), taken once per test process.</summary>
public static class ReferenceState
{
    private static readonly Lazy<Task<List<string>>> Clean = new(TakeAsync);

    public static Task<List<string>> GetAsync() => Clean.Value;

    private static async Task<List<string>> TakeAsync()
    {
        await using var sandbox = await UpgradeSandbox.StartAsync();
        var cluster = await sandbox.ConnectHostAsync();
        var log = new RecordingEngineLog();
        var run = await sandbox.RunHostUpgradeAsync(cluster, log, CancellationToken.None);
        if (!run.Succeeded)
            throw new InvalidOperationException($"The clean reference upgrade failed: {run.Error?.Message}\n{run.StepsText}");
        return StateNormaliser.Normalise(sandbox.Host.StateOf("host"));
    }
}
