namespace KsUpgrade.Engine.Connection;

/// <summary>Context names of the kubeconfig in effect, for tab completion. Never throws.</summary>
public static class ContextNames
{
    public static IReadOnlyList<string> From(IReadOnlyList<string>? paths)
    {
        try
        {
            return KubeconfigSet.LoadFiles(KubeconfigSet.DefaultPaths(paths)).ContextNames;
        }
        catch (Exception)
        {
            return Array.Empty<string>();
        }
    }
}
