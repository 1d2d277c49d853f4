namespace KsUpgrade.Engine.Gateways;

/// <summary>A <c>helm template -s templates/dynamic-upgrade-job.yaml</c> call for one gateway.</summary>
public sealed record DynamicJobRenderRequest
{
    public required string Chart { get; init; }
    public required string GatewayName { get; init; }
    /// <summary>The release namespace (the template sets no namespace; the objects land here).</summary>
    public string Namespace { get; init; } = KsNames.KubeSphereSystem;
    /// <summary>The template path inside the chart.</summary>
    public string Template { get; init; } = "templates/dynamic-upgrade-job.yaml";
    /// <summary><c>--set</c> values in order (upgrade-reference §4).</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Sets { get; init; }
    public string? HelmPath { get; init; }
}

/// <summary>Renders the dynamic-upgrade job manifests (ConfigMap ks-upgrade-dynamic-config and Job dynamic-upgrade) as YAML.</summary>
public interface IDynamicJobRenderer
{
    Task<string> RenderAsync(DynamicJobRenderRequest request, CancellationToken ct);
}
