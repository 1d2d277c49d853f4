namespace KsUpgrade.Engine.Checks;

/// <summary>Finds the helm client and its version. Wire Helm/HelmClient.VersionAsync here.</summary>
public interface IHelmProbe
{
    Task<HelmProbeResult> ProbeAsync(CancellationToken ct);
}

/// <summary>Found: Path and Version (e.g. v3.17.3) set. Not found: Error says why (not on PATH, not executable, ...).</summary>
public sealed record HelmProbeResult(string? Path, string? Version, string? Error)
{
    public bool Found => Version is not null && Error is null;
    public static HelmProbeResult NotFound(string error, string? path = null) => new(path, null, error);
    public static HelmProbeResult Of(string path, string version) => new(path, version, null);
}

/// <summary>A probe that returns a fixed answer (tests, or a caller that already knows the helm version).</summary>
public sealed class FixedHelmProbe(HelmProbeResult result) : IHelmProbe
{
    public Task<HelmProbeResult> ProbeAsync(CancellationToken ct) => Task.FromResult(result);
}
