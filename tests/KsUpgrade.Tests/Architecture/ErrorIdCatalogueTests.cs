using System.Reflection;
using System.Text.RegularExpressions;

namespace KsUpgrade.Tests.Architecture;

/// <summary>
/// One ErrorIds catalogue (<see cref="ErrorIds"/>, in the Model assembly), one table of them (README.md's "ErrorIds"
/// section), and no ErrorId written as a literal anywhere else in src/.
/// </summary>
public class ErrorIdCatalogueTests
{
    /// <summary>"KsUpgrade.X" strings in src/ that are not ErrorIds: assembly names and Information tags.</summary>
    private static readonly HashSet<string> NotErrorIds = new(StringComparer.Ordinal)
    {
        "KsUpgrade.Engine", "KsUpgrade.Model", "KsUpgrade.Sandbox", "KsUpgrade.Tests",
        "KsUpgrade.Step", "KsUpgrade.Unchanged", "KsUpgrade.Backup", "KsUpgrade.Target",
    };

    private static readonly Regex Literal = new("\"(KsUpgrade\\.[A-Z][A-Za-z0-9]*)\"|\\$\"(KsUpgrade\\.)\\{", RegexOptions.Compiled);
    private static readonly Regex TableRow = new(@"^\|\s*`(KsUpgrade\.[A-Za-z0-9]+)`\s*\|", RegexOptions.Compiled | RegexOptions.Multiline);

    internal static Dictionary<string, string> Catalogue(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);

    /// <summary>The ErrorIds of the README's "## ErrorIds" section (its table's first column).</summary>
    internal static List<string> Table(string readme)
    {
        var start = readme.IndexOf("\n## ErrorIds\n", StringComparison.Ordinal);
        if (start < 0) return new();
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? readme[start..] : readme[start..end];
        return TableRow.Matches(section).Select(m => m.Groups[1].Value).ToList();
    }

    /// <summary>Every disagreement between the catalogue, the table and the sources, one line each.</summary>
    internal static List<string> Problems(IReadOnlyDictionary<string, string> catalogue, string readme, IEnumerable<(string Path, string Text)> sources)
    {
        var problems = new List<string>();
        foreach (var (name, value) in catalogue)
            if (value != "KsUpgrade." + name) problems.Add($"ErrorIds.{name} = \"{value}\": a constant is named after its value.");
        foreach (var dup in catalogue.Values.GroupBy(v => v).Where(g => g.Count() > 1))
            problems.Add($"{dup.Key} is defined {dup.Count()} times.");
        var table = Table(readme);
        var values = catalogue.Values.ToHashSet();
        foreach (var v in values.Where(v => !table.Contains(v)).Order()) problems.Add($"{v} is not in README.md's ErrorIds table.");
        foreach (var v in table.Where(v => !values.Contains(v))) problems.Add($"{v} is in README.md's ErrorIds table but not in ErrorIds.");
        foreach (var dup in table.GroupBy(v => v).Where(g => g.Count() > 1)) problems.Add($"{dup.Key} is in the table {dup.Count()} times.");
        foreach (var (path, text) in sources)
            foreach (Match m in Literal.Matches(text))
            {
                var id = m.Groups[1].Success ? m.Groups[1].Value : "KsUpgrade.{...}";
                if (NotErrorIds.Contains(id)) continue;
                var line = text[..m.Index].Count(c => c == '\n') + 1;
                problems.Add($"{path}:{line}: ErrorId literal {id}: use ErrorIds (src/KsUpgrade.Model/Errors/ErrorIds.cs).");
            }
        return problems;
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KsUpgrade.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("KsUpgrade.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void The_catalogue_the_README_table_and_the_sources_agree()
    {
        var root = RepoRoot();
        var catalogueFile = Path.Combine(root, "src", "KsUpgrade.Model", "Errors", "ErrorIds.cs");
        // The sandbox module does not reference the product, so it repeats its two ids in one file; Module.Tests.ps1
        // checks each of them is in the catalogue with the same value.
        var sandboxMirror = Path.Combine(root, "src", "KsUpgrade.Sandbox.PowerShell", "SandboxErrorIds.cs");
        var sources = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj")
                && Path.GetFullPath(p) != Path.GetFullPath(catalogueFile) && Path.GetFullPath(p) != Path.GetFullPath(sandboxMirror))
            .Select(p => (Path.GetRelativePath(root, p), File.ReadAllText(p))).ToList();
        Assert.True(sources.Count > 100, $"only {sources.Count} source files found under src/");
        var catalogue = Catalogue(typeof(ErrorIds));
        Assert.True(catalogue.Count > 50, $"only {catalogue.Count} ErrorIds");
        var problems = Problems(catalogue, File.ReadAllText(Path.Combine(root, "README.md")), sources);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void No_other_ErrorIds_class_exists_in_the_product_assemblies()
    {
        var others = new[] { typeof(ErrorIds).Assembly, typeof(KsUpgrade.Engine.Upgrade.ClusterUpgrade).Assembly }
            .SelectMany(a => a.GetTypes()).Where(t => t.Name.EndsWith("ErrorIds", StringComparison.Ordinal) && t != typeof(ErrorIds))
            .Select(t => t.FullName).ToList();
        Assert.Empty(others);
    }

    // The rule itself, on small fixtures: each kind of disagreement is found.

    private const string GoodReadme = "# X\n\n## ErrorIds\n\n| ErrorId | Area | When |\n| --- | --- | --- |\n| `KsUpgrade.A` | a | a |\n| `KsUpgrade.B` | b | b |\n\n## Next\n| `KsUpgrade.C` | not in the section |\n";
    private static readonly Dictionary<string, string> Two = new() { ["A"] = "KsUpgrade.A", ["B"] = "KsUpgrade.B" };

    [Fact]
    public void The_rule_passes_a_matching_fixture()
    {
        Assert.Empty(Problems(Two, GoodReadme, new[] { ("x.cs", "log.Information(\"m\", \"KsUpgrade.Step\"); throw new E(ErrorIds.A);") }));
    }

    [Fact]
    public void The_rule_finds_an_id_missing_from_the_table_and_one_only_in_the_table()
    {
        var three = new Dictionary<string, string>(Two) { ["C"] = "KsUpgrade.C" };
        Assert.Contains("KsUpgrade.C is not in README.md's ErrorIds table.", Problems(three, GoodReadme, []));
        Assert.Contains("KsUpgrade.B is in README.md's ErrorIds table but not in ErrorIds.", Problems(new Dictionary<string, string> { ["A"] = "KsUpgrade.A" }, GoodReadme, []));
    }

    [Fact]
    public void The_rule_finds_a_duplicate_a_misnamed_constant_and_a_literal()
    {
        var dup = new Dictionary<string, string>(Two) { ["InvalidParameter"] = "KsUpgrade.A" };
        var problems = Problems(dup, GoodReadme, new[] { ("c.cs", "\nnew ErrorRecord(e, \"KsUpgrade.GatewayNameRequired\", c, null);"), ("d.cs", "var id = $\"KsUpgrade.{name}\";") });
        Assert.Contains("KsUpgrade.A is defined 2 times.", problems);
        Assert.Contains(problems, p => p.StartsWith("ErrorIds.InvalidParameter = ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("c.cs:2: ErrorId literal KsUpgrade.GatewayNameRequired", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("d.cs:1: ErrorId literal KsUpgrade.{...}", StringComparison.Ordinal));
    }
}
