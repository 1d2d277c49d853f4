using System.Reflection;
using System.Runtime.Loader;

namespace KsUpgrade.Loading;

/// <summary>
/// The module's own load context: the engine and its third-party dependencies (KubernetesClient, YamlDotNet, ...)
/// load from the module's dependencies/ folder, so another module's versions of them never clash with ours.
/// Assemblies not found there (the framework, PowerShell, KsUpgrade.Model) come from the default context, so the
/// public object types are shared with the user's session.
/// </summary>
internal sealed class KsUpgradeLoadContext : AssemblyLoadContext
{
    private readonly string _dependencyDirectory;

    public KsUpgradeLoadContext(string dependencyDirectory) : base("KsUpgrade", isCollectible: false)
    {
        _dependencyDirectory = dependencyDirectory;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null || assemblyName.Name == "KsUpgrade.Model" || assemblyName.Name == "KsUpgrade")
            return null;
        var path = Path.Combine(_dependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}
