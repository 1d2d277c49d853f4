using System.Reflection;

namespace KsUpgrade.Engine.Diagnostics;

/// <summary>The version string KsUpgrade writes where it leaves a mark (the journal, the backup manifest).</summary>
internal static class ToolInfo
{
    public static string Version { get; } = "KsUpgrade " + (typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0");
}
