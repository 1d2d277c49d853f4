using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;

namespace KsUpgrade.Tests.Architecture;

/// <summary>
/// Invoke-KsUpgrade declares the upgrade parameters again (it cannot inherit KsUpgradeCmdletBase, whose chain declares
/// -Cluster): for every parameter of KsUpgrade.Hosting.IKsUpgradeParameters, Invoke-KsHostUpgrade, Invoke-KsMemberUpgrade
/// and Invoke-KsUpgrade must have the same type, default value, [Parameter] flags, validation and completion attributes,
/// and the same help block in docs/en-US. The cmdlet assembly is loaded with the real System.Management.Automation of
/// the PowerShell the build restores (the local dotnet tool), so defaults are read from new instances.
/// </summary>
public sealed class UpgradeParameterDeclarationTests
{
    private static readonly string[] ComparedAttributes =
    {
        "ParameterAttribute", "ValidateRangeAttribute", "ValidateLengthAttribute", "ValidateCountAttribute", "ValidateDurationAttribute",
        "ValidatePathAttribute", "ValidateNotNullOrEmptyAttribute", "ValidateNotNullAttribute", "DurationTransformationAttribute", "ArgumentCompleterAttribute",
    };

    private static readonly string[] Cmdlets = { "InvokeKsHostUpgradeCommand", "InvokeKsMemberUpgradeCommand" };
    private const string Fleet = "InvokeKsUpgradeCommand";

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KsUpgrade.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("KsUpgrade.sln not found above " + AppContext.BaseDirectory);
    }

    private static readonly Lazy<Assembly> CmdletAssembly = new(() =>
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<Configuration>/net10.0/
        var bin = Path.Combine(RepoRoot(), "src", "KsUpgrade", "bin", configuration, "net8.0");
        var tools = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), "powershell");
        var pwsh = Directory.Exists(tools)
            ? Directory.EnumerateDirectories(tools).Select(v => Path.Combine(v, "tools", "net10.0", "any", OperatingSystem.IsWindows() ? "win" : "unix")).LastOrDefault(Directory.Exists)
            : null;
        Assert.True(pwsh is not null, $"the PowerShell of the local dotnet tool is not under {tools}: run dotnet tool restore");
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            foreach (var dir in new[] { pwsh!, bin })
            {
                var file = Path.Combine(dir, name.Name + ".dll");
                if (File.Exists(file)) return context.LoadFromAssemblyPath(file);
            }
            return null;
        };
        return AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(bin, "KsUpgrade.dll"));
    });

    private static Type CmdletType(string name) => CmdletAssembly.Value.GetType("KsUpgrade.Cmdlets." + name, throwOnError: true)!;

    public static IEnumerable<object[]> Parameters() =>
        CmdletAssembly.Value.GetType("KsUpgrade.Hosting.IKsUpgradeParameters", throwOnError: true)!.GetProperties().Select(p => new object[] { p.Name });

    /// <summary>Each compared attribute as text: its type and every public property but TypeId (parameter sets aside: the fleet has one).</summary>
    private static string Declaration(PropertyInfo property) => string.Join("\n", property.GetCustomAttributes(inherit: true)
        .Where(a => ComparedAttributes.Contains(a.GetType().Name))
        .Select(a => a.GetType().Name + "(" + string.Join(", ", a.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name is not "TypeId" and not "ParameterSetName" && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={Text(p.GetValue(a))}")) + ")")
        .Order(StringComparer.Ordinal));

    private static string Text(object? value) => value switch
    {
        null => "null",
        string s => s,
        Type t => t.FullName!,
        System.Collections.IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(Text)) + "]",
        _ => value.ToString()!,
    };

    [Theory]
    [MemberData(nameof(Parameters))]
    public void Each_upgrade_parameter_is_declared_alike_on_the_upgrade_cmdlets_and_Invoke_KsUpgrade(string name)
    {
        var fleetType = CmdletType(Fleet);
        var fleet = fleetType.GetProperty(name);
        Assert.True(fleet is not null, $"Invoke-KsUpgrade has no -{name}");
        var fleetDefault = Text(fleet!.GetValue(Activator.CreateInstance(fleetType)));
        foreach (var cmdlet in Cmdlets)
        {
            var type = CmdletType(cmdlet);
            var one = type.GetProperty(name)!;
            Assert.Equal(one.PropertyType, fleet.PropertyType);
            Assert.Equal(Declaration(one), Declaration(fleet));
            Assert.Equal(Text(one.GetValue(Activator.CreateInstance(type))), fleetDefault);
        }
    }

    private static string HelpBlock(string page, string parameter)
    {
        var text = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "en-US", page + ".md")).ReplaceLineEndings("\n");
        var m = Regex.Match(text, $@"^### -{parameter}\n(.*?)(?=^### |^## )", RegexOptions.Singleline | RegexOptions.Multiline);
        Assert.True(m.Success, $"docs/en-US/{page}.md has no -{parameter} block");
        return m.Groups[1].Value.Trim();
    }

    [Theory]
    [MemberData(nameof(Parameters))]
    public void Each_upgrade_parameter_has_the_same_help_block_on_the_upgrade_cmdlets_and_Invoke_KsUpgrade(string name)
    {
        var fleet = HelpBlock("Invoke-KsUpgrade", name);
        foreach (var page in new[] { "Invoke-KsHostUpgrade", "Invoke-KsMemberUpgrade" })
            Assert.Equal(HelpBlock(page, name), fleet);
    }
}
