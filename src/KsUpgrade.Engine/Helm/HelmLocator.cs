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
            return Resolve(explicitPath) ?? throw Unusable(explicitPath, "-HelmPath");
        }

        var fromEnv = getEnvironment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return Resolve(fromEnv) ?? throw Unusable(fromEnv, $"environment variable {EnvironmentVariable}");
        }

        var path = getEnvironment("PATH") ?? "";
        string? notExecutable = null;
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var candidate = Path.Combine(dir, ExecutableName);
            if (IsExecutableFile(candidate)) return Path.GetFullPath(candidate);
            if (notExecutable is null && File.Exists(candidate)) notExecutable = Path.GetFullPath(candidate);
        }

        if (notExecutable is not null) throw NotExecutable(notExecutable, "PATH");
        throw NotFound("helm was not found on PATH. Install helm 3.13 or later (helm 4 works too), or pass -HelmPath.", null);
    }

    /// <summary>An explicit helm that cannot be used: not executable when the file is there, else not found.</summary>
    private static KsUpgradeException Unusable(string given, string source)
    {
        var full = Expand(given);
        var file = Directory.Exists(full) ? Path.Combine(full, ExecutableName) : full;
        return File.Exists(file) ? NotExecutable(file, source) : NotFound($"helm was not found at '{given}' ({source}).", given);
    }

    private static KsUpgradeException NotExecutable(string file, string source) =>
        new(ErrorIds.HelmNotFound, KsErrorCategory.PermissionDenied,
            $"helm was found at '{file}' ({source}) but is not executable (no execute permission).", file)
        {
            Remedy = $"Make it executable (chmod +x '{file}'), or pass -HelmPath with a helm 3.13 or later (helm 4 works too) that is.",
        };

    /// <summary>Like <see cref="Find"/> but returns null instead of throwing (for checks that report a missing helm).</summary>
    public static string? TryFind(string? explicitPath = null, Func<string, string?>? getEnvironment = null)
    {
        try { return Find(explicitPath, getEnvironment); }
        catch (KsUpgradeException e) when (e.ErrorId == ErrorIds.HelmNotFound) { return null; }
    }

    private static string? Resolve(string path)
    {
        var full = Expand(path);
        if (Directory.Exists(full)) full = Path.Combine(full, ExecutableName);
        return IsExecutableFile(full) ? full : null;
    }

    private static string Expand(string path)
    {
        var text = Environment.ExpandEnvironmentVariables(path.Trim());
        if (text == "~" || text.StartsWith("~/", StringComparison.Ordinal) || text.StartsWith("~\\", StringComparison.Ordinal))
        {
            text = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), text.Length > 2 ? text[2..] : "");
        }
        return Path.GetFullPath(text);
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
            Remedy = "Install helm 3.13 or later (helm 4 works too) and put it on PATH, set KSUPGRADE_HELM, or pass -HelmPath <path to helm>.",
        };
}
