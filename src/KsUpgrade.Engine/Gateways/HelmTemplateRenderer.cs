using KsUpgrade.Engine.Helm;

namespace KsUpgrade.Engine.Gateways;

/// <summary>Renders the dynamic-upgrade job with <c>helm template</c> through the helm layer (no cluster access: the template has no lookup).</summary>
public sealed class HelmTemplateRenderer : IDynamicJobRenderer
{
    public static readonly HelmTemplateRenderer Instance = new();

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    public Task<string> RenderAsync(DynamicJobRenderRequest request, CancellationToken ct) =>
        HelmClient.Create(request.HelmPath).TemplateAsync(ToTemplateRequest(request, Timeout), ct);

    /// <summary>The argument list (for -WhatIf and tests).</summary>
    public static IReadOnlyList<string> Arguments(DynamicJobRenderRequest r) =>
        HelmCommandLine.Template(ToTemplateRequest(r, null), KsUpgrade.Engine.Versions.KsVersion.Create(3, 17, 3));

    private static HelmTemplateRequest ToTemplateRequest(DynamicJobRenderRequest r, TimeSpan? timeout) => new()
    {
        ReleaseName = KsNames.KsCoreRelease,
        Namespace = r.Namespace,
        Chart = r.Chart,
        ShowOnly = new[] { r.Template },
        Sets = r.Sets.Select(kv => new HelmSet(kv.Key, kv.Value)).ToList(),
        Timeout = timeout,
    };
}
