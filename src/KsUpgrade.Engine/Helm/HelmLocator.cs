namespace KsUpgrade.Engine.Helm;

/// <summary>
/// Finds the helm executable: an explicit path (-HelmPath, a file or a directory holding helm), then the
/// environment variable KSUPGRADE_HELM, then PATH.
/// </summary>
public static class HelmLocator
{
    public const string EnvironmentVariable = "KSUPGRADE_HELM";

    private static string ExecutableName => OperatingSystem.IsWindows() ? "helm.exe" : "helm";

    /// <summary>Returns the full path of helm, or throws <see cref="ErrorIds.HelmNotFound"/>.</summary>
    /// <param name="explicitPath">-HelmPath; when given it must exist (no fallback to PATH).</param>
    /// <param name="getEnvironment">Environment reader (tests replace it); defaults to the process environment.</param>
    public static string Find(string? explicitPath = null, Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return Resolve(explicitPath) ?? throw NotFound($"helm was not found at '{explicitPath}' (-HelmPath).", explicitPath);
        }

        var fromEnv = getEnvironment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return Resolve(fromEnv) ?? throw NotFound($"helm was not found at '{fromEnv}' (environment variable {EnvironmentVariable}).", fromEnv);
        }

        var path = getEnvironment("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var candidate = Path.Combine(dir, ExecutableName);
            if (IsExecutableFile(candidate)) return Path.GetFullPath(candidate);
        }

        throw NotFound("helm was not found on PATH. Install helm 3.13 or later, or pass -HelmPath.", null);
    }

    /// <summary>Like <see cref="Find"/> but returns null instead of throwing (for checks that report a missing helm).</summary>
    public static string? TryFind(string? explicitPath = null, Func<string, string?>? getEnvironment = null)
    {
        try { return Find(explicitPath, getEnvironment); }
        catch (KsUpgradeException e) when (e.ErrorId == ErrorIds.HelmNotFound) { return null; }
    }

    private static string? Resolve(string path)
    {
        var text = Environment.ExpandEnvironmentVariables(path.Trim());
        if (text == "~" || text.StartsWith("~/", StringComparison.Ordinal) || text.StartsWith("~\\", StringComparison.Ordinal))
        {
            text = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), text.Length > 2 ? text[2..] : "");
        }
        var full = Path.GetFullPath(text);
        if (Directory.Exists(full)) full = Path.Combine(full, ExecutableName);
        return IsExecutableFile(full) ? full : null;
    }

    private static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path)) return false;
        if (OperatingSystem.IsWindows()) return true;
        var mode = File.GetUnixFileMode(path);
        return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }

    private static KsUpgradeException NotFound(string message, string? target) =>
        new(ErrorIds.HelmNotFound, KsErrorCategory.NotInstalled, message, target)
        {
            Remedy = "Install helm 3.13 or later and put it on PATH, set KSUPGRADE_HELM, or pass -HelmPath <path to helm>.",
        };
}
