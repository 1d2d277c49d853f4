using System.Reflection;

namespace KsUpgrade.Engine.Upgrade;

internal static class ToolInfo
{
    public static string Version { get; } = "KsUpgrade " + (typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0");
}
