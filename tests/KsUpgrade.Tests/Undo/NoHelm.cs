using KsUpgrade.Engine.Upgrade;

namespace KsUpgrade.Tests.Undo;

/// <summary>A helm binding for Undo tests on the in-memory API that must never reach helm: every call throws.</summary>
internal sealed class NoHelm : IUpgradeHelm
{
    public Task<string> TemplateAsync(HelmTemplateCall request, CancellationToken ct) => throw new InvalidOperationException("no helm here");
    public Task<HelmUpgradeOutcome> UpgradeAsync(HelmUpgradeCall request, Action<string> outputLine, CancellationToken ct) => throw new InvalidOperationException("no helm here");
    public Task RollbackAsync(HelmRollbackCall request, CancellationToken ct) => throw new InvalidOperationException("no helm here");
}
