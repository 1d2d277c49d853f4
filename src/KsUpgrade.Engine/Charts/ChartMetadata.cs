using KsUpgrade.Engine.Helm;
using KsUpgrade.Engine.Values;
using YamlDotNet.RepresentationModel;

namespace KsUpgrade.Engine.Charts;

/// <summary>A dependency listed in Chart.yaml.</summary>
public sealed record ChartDependency(string Name, string? Version, string? Repository, string? Alias, string? Condition);

/// <summary>What Chart.yaml says about a chart.</summary>
public sealed record ChartMetadata(string Name, string Version, string? AppVersion, string? ApiVersion, IReadOnlyList<ChartDependency> Dependencies)
{
    public override string ToString() => $"{Name}-{Version}" + (AppVersion is null ? "" : $" (app {AppVersion})");

    /// <summary>Parses Chart.yaml text; a missing name or version is ChartInvalid.</summary>
    public static ChartMetadata Parse(string chartYaml, string source)
    {
        YamlNode? root;
        try { root = YamlLoader.Parse(chartYaml, source); }
        catch (KsUpgradeException e)
        {
            throw new KsUpgradeException(ErrorIds.ChartInvalid, KsErrorCategory.InvalidData, e.Message.Replace("YAML", "Chart.yaml YAML"), source, e);
        }
        if (root is not YamlMappingNode map) throw Invalid($"{source} is not a YAML mapping.", source);
        var name = Str(map, "name") ?? throw Invalid($"{source} has no name.", source);
        var version = Str(map, "version") ?? throw Invalid($"{source} has no version.", source);
        var deps = new List<ChartDependency>();
        if (Get(map, "dependencies") is YamlSequenceNode seq)
        {
            foreach (var item in seq.Children.OfType<YamlMappingNode>())
            {
                var depName = Str(item, "name");
                if (depName is null) continue;
                deps.Add(new ChartDependency(depName, Str(item, "version"), Str(item, "repository"), Str(item, "alias"), Str(item, "condition")));
            }
        }
        return new ChartMetadata(name, version, Str(map, "appVersion"), Str(map, "apiVersion"), deps);
    }

    private static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(p => p.Key is YamlScalarNode s && s.Value == key).Value;

    private static string? Str(YamlMappingNode map, string key) =>
        Get(map, key) is YamlScalarNode s && !string.IsNullOrWhiteSpace(s.Value) ? s.Value : null;

    private static KsUpgradeException Invalid(string message, string source) =>
        new(ErrorIds.ChartInvalid, KsErrorCategory.InvalidData, message, source);
}

/// <summary>One CRD file a chart carries: its path inside the chart (through subcharts and archives) and its YAML.</summary>
public sealed record ChartCrd(string Path, string Yaml)
{
    public override string ToString() => Path;
}
