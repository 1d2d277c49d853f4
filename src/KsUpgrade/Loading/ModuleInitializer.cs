using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace KsUpgrade.Loading;

/// <summary>
/// Runs when PowerShell imports the module: routes the engine assembly into the module's own load context.
/// When the engine sits next to this assembly (tests, a plain build folder) the default context loads it as usual.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string ModuleDirectory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
    private static readonly string DependencyDirectory = Path.Combine(ModuleDirectory, "dependencies");
    private static KsUpgradeLoadContext? _context;

    public void OnImport()
    {
        if (!Directory.Exists(DependencyDirectory)) return;
        _context ??= new KsUpgradeLoadContext(DependencyDirectory);
        AssemblyLoadContext.Default.Resolving += ResolveEngine;
    }

    public void OnRemove(PSModuleInfo module) => AssemblyLoadContext.Default.Resolving -= ResolveEngine;

    private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName name)
    {
        // Only the engine is routed; everything it needs is then resolved by our context itself.
        if (name.Name != "KsUpgrade.Engine" || _context is null) return null;
        return _context.LoadFromAssemblyName(name);
    }
}
